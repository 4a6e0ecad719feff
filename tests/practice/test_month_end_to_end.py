"""A month in the life of a practice, entirely through files, with the real fund engine on the other side:

prescriptions → DEMAUT → fund → RETAUT → sessions → FAC → fund → RETFAC → reconciliation, including a refused
request, a line over the authorised sessions, a performer not declared in the group, and the corrected line
re-billed the next month. Practice and fund each have their own database; only files go between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from tierspayant.schemes.lu_kin.formats.models import Fac
from tierspayant.schemes.lu_kin.formats.naming import KinFileName, check_name
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.fund.service import FundService, ProcessOutcome
from tierspayant.schemes.lu_kin.practice.domain import PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput

from .conftest import GROUP_FACTURIER, PHYSIO_A, PHYSIO_B, PHYSIO_C
from .helpers import Clock
from .workflow import ACT, DUPONT, KLEIN, MARTIN, UNKNOWN_PRESCRIBER, add_patients, expected_price, prescription


@pytest.fixture
def fund(tmp_path: Path) -> Iterator[FundService]:
    """The fund side, with its own database, knowing the insured persons and the group's declared members."""
    service = FundService(f"sqlite:///{tmp_path / 'fund.db'}")
    service.init()
    service.add_insured(DUPONT, date(1980, 1, 1), [("CNS", date(2000, 1, 1), None)])
    service.add_insured(MARTIN, date(1975, 6, 15), [("CMFEP", date(2000, 1, 1), None)])
    service.add_insured(KLEIN, date(1990, 9, 30), [("CNS", date(2010, 1, 1), None)])
    for code, name in [(PHYSIO_A, "Paul Weber"), (PHYSIO_B, "Marie Schmit"), (PHYSIO_C, "Luc Hoffmann")]:
        service.add_provider(code, name, "physiotherapist")
    # C works in the practice but was never declared to the CNS as a member of the group
    service.add_provider(
        GROUP_FACTURIER,
        "Kiné Centre Gare",
        "group",
        [
            (GROUP_FACTURIER, date(2020, 1, 1), None),
            (PHYSIO_A, date(2020, 1, 1), None),
            (PHYSIO_B, date(2023, 6, 1), None),
        ],
    )
    yield service
    service.engine.dispose()


def deposit(fund: FundService, path: Path, outbox: Path, on: date) -> tuple[ProcessOutcome, Path]:
    """The fund processes a deposited file; returns its outcome and the RETAUT / RETFAC it wrote."""
    outcome = fund.process(path, outbox, received_at=datetime(on.year, on.month, on.day, 10))
    answers = [p for p in outcome.written if not check_name(p.name)]
    assert len(answers) == 1, (outcome.status, outcome.findings, outcome.written)
    assert KinFileName.parse(answers[0].name).file_type in ("RETAUT", "RETFAC")
    return outcome, answers[0]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_month_of_third_party_billing(
    group_practice: PracticeService, fund: FundService, clock: Clock, tmp_path: Path
) -> None:
    practice, fund_outbox = group_practice, tmp_path / "fund-outbox"

    # --- prescriptions → DEMAUT → fund → RETAUT ---
    add_patients(practice)
    clock.set(date(2024, 2, 26))
    practice.add_prescription(prescription(DUPONT, PHYSIO_A))
    practice.add_prescription(prescription(MARTIN, PHYSIO_B))
    refused = practice.add_prescription(prescription(KLEIN, PHYSIO_A, prescriber=UNKNOWN_PRESCRIBER))
    assert [w.code for w in refused.warnings] == ["PRA-W-PRESCRIBER"]  # the practice saw it coming
    clock.set(date(2024, 2, 27))
    demaut = practice.build_request()
    outcome, retaut = deposit(fund, demaut, fund_outbox, date(2024, 2, 27))
    assert (outcome.status, outcome.accepted, outcome.refused) == ("accepted", 2, 1)

    clock.set(date(2024, 2, 28))
    imported = practice.import_return(retaut)
    assert (imported.accords, imported.refusals) == (2, 1)
    refusal = next(n for n in imported.notices if n.code == "PRA-N-REFUS")
    assert "K102" in refusal.message  # the fund's anomaly code and label reach the practice
    titres = {t.matricule: t for t in practice.titres()}
    assert set(titres) == {DUPONT, MARTIN}
    assert titres[DUPONT].acts[0].sessions == 8 and titres[DUPONT].coverage_rate == Decimal("70.00")
    assert {p.matricule: p.status for p in practice.prescriptions()}[KLEIN] is PrescriptionStatus.REFUSED
    assert practice.import_return(retaut).status == "already imported"
    dupont_titre, martin_titre = titres[DUPONT].identifier, titres[MARTIN].identifier

    # --- March sessions, some of them doubtful (recorded, and warned) ---
    clock.set(date(2024, 3, 29))
    for day in (1, 4, 6, 8, 11, 13, 15, 18):
        assert practice.add_session(SessionInput(dupont_titre, date(2024, 3, day))) == []
    ninth = practice.add_session(SessionInput(dupont_titre, date(2024, 3, 20)))
    assert [w.code for w in ninth] == ["PRA-W-SESSIONS"]
    for day in (5, 7, 12):
        assert practice.add_session(SessionInput(martin_titre, date(2024, 3, day))) == []
    by_c, warnings = practice.record_session(SessionInput(martin_titre, date(2024, 3, 14), performer_code=PHYSIO_C))
    assert [w.code for w in warnings] == ["PRA-W-PERFORMER"]

    # --- FAC for March → fund → RETFAC ---
    clock.set(date(2024, 4, 2))
    fac_path = practice.bill("2024-03")
    fac = read_file(fac_path)
    assert isinstance(fac, Fac) and fac.line_count == 13
    tariff, insured, asked = expected_price(ACT, date(2024, 3, 1), Decimal("70.00"))
    outcome, retfac = deposit(fund, fac_path, fund_outbox, date(2024, 4, 2))
    assert (outcome.status, outcome.items, outcome.accepted, outcome.refused) == ("accepted", 13, 11, 2)
    assert outcome.payment_due_on == date(2024, 5, 2)
    assert fund.process(fac_path, fund_outbox, datetime(2024, 4, 3, 9)).status == "duplicate"  # never paid twice

    clock.set(date(2024, 4, 3))
    march = practice.import_return(retfac)
    assert (march.lines_paid, march.lines_reduced, march.lines_refused) == (11, 0, 2)
    contested = [n.message for n in march.notices if n.code == "PRA-N-LINE"]
    assert any("K207" in m for m in contested) and any("K209" in m for m in contested), contested
    assert practice.import_return(retfac).status == "already imported"
    statuses = {s.id: s.status for s in practice.sessions()}
    assert statuses[by_c] == "refused"

    report = practice.reconcile("2024-03")
    assert (report.total.lines, report.total.billed) == (13, 13 * asked)
    assert (report.total.covered, report.total.contested, report.total.awaiting) == (11 * asked, 2 * asked, 0)
    performers = {b.key: b for b in report.performers}
    assert performers[PHYSIO_C].contested == asked and performers[PHYSIO_A].contested == asked  # the 9th session
    patients = {b.key: b for b in report.patients}
    # Dupont's 9th session was refused K207 (beyond the sessions authorised): its tariff is the patient's to pay
    assert patients[DUPONT].insured_share_due == 8 * insured + tariff
    assert patients[MARTIN].insured_share_due == 3 * insured
    assert "total" in report.to_csv().splitlines()[-1]

    # --- the contested line corrected and re-billed the next month, with April's sessions ---
    assert practice.correct_session(by_c, performer_code=PHYSIO_B) == []
    clock.set(date(2024, 4, 30))
    for day in (3, 5):
        assert practice.add_session(SessionInput(martin_titre, date(2024, 4, day))) == []
    clock.set(date(2024, 5, 2))
    april_fac = practice.bill("2024-04")
    outcome, april_retfac = deposit(fund, april_fac, fund_outbox, date(2024, 5, 2))
    assert (outcome.status, outcome.items, outcome.accepted, outcome.refused) == ("accepted", 3, 3, 0)
    april = practice.import_return(april_retfac)
    assert (april.lines_paid, april.lines_refused) == (3, 0)
    report = practice.reconcile("2024-04")
    assert (report.total.billed, report.total.covered, report.total.contested) == (3 * asked, 3 * asked, 0)
    assert {s.id: s.status for s in practice.sessions()}[by_c] == "paid"

    # what the fund will pay is what the practice's reconciliations say was covered
    payments = sorted(p.amount for p in fund.payments_due(include_paid=True))
    assert payments == sorted([11 * asked, 3 * asked])

    # --- documents for the patient ---
    memoire = pdf_text(practice.print_memoire(MARTIN, "2024-04"))
    assert "14/03/2024" in memoire and martin_titre in memoire and f"{3 * tariff:.2f}" in memoire
    assert f"{3 * insured:.2f}" in memoire and f"{3 * asked:.2f}" in memoire
    assert {b.key: b for b in practice.reconcile("2024-04").patients}[MARTIN].to_invoice == 0
    assert dupont_titre in pdf_text(practice.print_titre(dupont_titre))
