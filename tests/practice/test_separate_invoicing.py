"""Separate invoicing: each physiotherapist bills under their own code — one DEMAUT and one FAC per facturier."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.models import Anomaly, Fac
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

from .conftest import PHYSIO_A, PHYSIO_B
from .fund_files import Accord, LineOutcome, read_demaut, retaut_for, retfac_for
from .helpers import Clock
from .workflow import DUPONT, MARTIN, TITRE_DUPONT, TITRE_MARTIN, add_patients, prescription


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


@pytest.fixture
def two_physios(service: PracticeService, clock: Clock, tmp_path: Path) -> PracticeService:
    service.setup_practice(
        PracticeInfo("Cabinet", "2, place d'Armes", "1136", "Luxembourg", InvoicingForm.SEPARATE, None)
    )
    service.add_physiotherapist(PHYSIO_A, "Paul Weber")
    service.add_physiotherapist(PHYSIO_B, "Marie Schmit")
    add_patients(service)
    clock.set(date(2024, 2, 27))
    service.add_prescription(prescription(DUPONT, PHYSIO_A))
    service.add_prescription(prescription(MARTIN, PHYSIO_B))
    return service


def test_one_request_per_facturier(two_physios: PracticeService, tmp_path: Path) -> None:
    with pytest.raises(FindingsError) as error:
        two_physios.build_request()
    assert codes(error) == ["PRA-WHICH-FACTURIER"]
    first = two_physios.build_request(PHYSIO_A)
    second = two_physios.build_request(PHYSIO_B)
    assert [KinFileName.parse(p.name).provider_code for p in (first, second)] == [PHYSIO_A, PHYSIO_B]
    assert [r.matricule for r in read_demaut(first).requests] == [DUPONT]
    # a return for the other facturier's DEMAUT is matched to it; a return for an unknown provider is refused
    retaut = retaut_for(second, {"P2-1": Accord(TITRE_MARTIN)}, tmp_path / "in", date(2024, 2, 28))
    assert two_physios.import_return(retaut).titres == [TITRE_MARTIN]
    stranger = retaut_for(first, {"P1-1": Accord(TITRE_DUPONT)}, tmp_path / "in2", date(2024, 2, 28))
    foreign = tmp_path / "foreign" / stranger.name.replace(PHYSIO_A, "33330009")
    foreign.parent.mkdir()
    foreign.write_text(stranger.read_text(encoding="utf-8").replace(PHYSIO_A, "33330009"), encoding="utf-8")
    with pytest.raises(FindingsError) as error:
        two_physios.import_return(foreign)
    assert codes(error) == ["PRA-RETURN-NOT-OURS"]


def test_one_fac_per_facturier_and_month(two_physios: PracticeService, clock: Clock, tmp_path: Path) -> None:
    for package in (two_physios.build_request(PHYSIO_A), two_physios.build_request(PHYSIO_B)):
        decisions = {
            r.request_id: Accord(TITRE_DUPONT if r.matricule == DUPONT else TITRE_MARTIN)
            for r in read_demaut(package).requests
        }
        two_physios.import_return(retaut_for(package, decisions, tmp_path / package.stem, date(2024, 2, 28)))
    clock.set(date(2024, 3, 31))
    two_physios.add_session(SessionInput(TITRE_DUPONT, date(2024, 3, 4)))
    two_physios.add_session(SessionInput(TITRE_MARTIN, date(2024, 3, 5)))
    with pytest.raises(FindingsError) as error:
        two_physios.bill("2024-03")
    assert codes(error) == ["PRA-WHICH-FACTURIER"]
    fac_a = two_physios.bill("2024-03", PHYSIO_A)
    with pytest.raises(FindingsError) as error:
        two_physios.bill("2024-03", PHYSIO_A)
    assert codes(error) == ["PRA-FAC-MONTH-USED"]
    fac_b = two_physios.bill("2024-03")  # only B has sessions waiting now
    assert {KinFileName.parse(p.name).provider_code for p in (fac_a, fac_b)} == {PHYSIO_A, PHYSIO_B}


REFUSED = [Anomaly(code="K207", label="Nombre de séances autorisées dépassé")]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.lists(st.integers(min_value=1, max_value=28), min_size=1, max_size=12, unique=True),
    outcomes=st.lists(st.sampled_from(["paid", "reduced", "refused"]), min_size=12, max_size=12),
)
def test_reconciliation_always_adds_up(
    tmp_path_factory: pytest.TempPathFactory, days: list[int], outcomes: list[str]
) -> None:
    """Whatever the fund returns: billed = covered + contested + awaiting, and the per-patient and per-performer
    views add up to the total."""
    folder = tmp_path_factory.mktemp("reconcile")
    clock = Clock(datetime(2024, 2, 27, 9))
    service = PracticeService(f"sqlite:///{folder / 'p.db'}", folder / "docs", clock=clock)
    service.init()
    service.setup_practice(
        PracticeInfo("Cabinet", "2, place d'Armes", "1136", "Luxembourg", InvoicingForm.SEPARATE, None)
    )
    service.add_physiotherapist(PHYSIO_A, "Paul Weber")
    add_patients(service)
    service.add_prescription(prescription(DUPONT, PHYSIO_A, sessions=12))
    service.add_prescription(prescription(MARTIN, PHYSIO_A, sessions=12))
    package = service.build_request()
    service.import_return(
        retaut_for(
            package, {"P1-1": Accord(TITRE_DUPONT), "P2-1": Accord(TITRE_MARTIN)}, folder / "in", date(2024, 2, 28)
        )
    )
    clock.set(date(2024, 3, 31))
    for position, day in enumerate(sorted(days)):
        titre = TITRE_DUPONT if position % 2 == 0 else TITRE_MARTIN
        service.add_session(SessionInput(titre, date(2024, 3, day)))
    fac = service.bill("2024-03")
    model = read_file(fac)
    assert isinstance(model, Fac)
    returned: dict[tuple[str, int], LineOutcome] = {}
    lines = [(i.invoice_number, line) for i in model.invoices for line in i.lines]
    for (number, line), outcome in zip(lines, outcomes, strict=False):
        if outcome == "reduced":
            returned[(number, line.line_number)] = LineOutcome(line.amount_asked - Decimal("1.00"), REFUSED)
        elif outcome == "refused":
            returned[(number, line.line_number)] = LineOutcome(Decimal("0.00"), REFUSED)
    service.import_return(retfac_for(fac, returned, folder / "in", date(2024, 4, 5)))
    report = service.reconcile("2024-03")
    total = report.total
    assert total.billed == total.covered + total.contested + total.awaiting
    assert total.lines == len(lines) == len(days)
    for view in (report.patients, report.performers):
        assert sum(b.billed for b in view) == total.billed
        assert sum(b.covered for b in view) == total.covered
        assert sum(b.contested for b in view) == total.contested
        assert sum(b.lines for b in view) == total.lines
    refused = sum(1 for o in outcomes[: len(lines)] if o == "refused")
    reduced = sum(1 for o in outcomes[: len(lines)] if o == "reduced")
    asked = lines[0][1].amount_asked
    assert total.contested == refused * asked + reduced * Decimal("1.00")
    service.close()
