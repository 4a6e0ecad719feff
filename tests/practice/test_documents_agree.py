"""The documents agree with the fund: over random months, the reconciliation's totals, the mémoires' totals (read
back from the PDFs) and the RETFAC's totals (read back with the real reader) are the same; the titre counts only
the sessions the fund did not refuse. Expected amounts come from the test's own table of what each refusal costs
whom (docs/lu_kin-practice.md), not from the practice code."""

from __future__ import annotations

import re
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tierspayant.core.money import ZERO
from tierspayant.schemes.lu_kin.formats.models import Anomaly, Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

from .conftest import GROUP_FACTURIER, PHYSIO_A, PHYSIO_B
from .fund_files import LineOutcome, retfac_for
from .helpers import Clock
from .workflow import DUPONT, MARTIN, TITRE_DUPONT, TITRE_MARTIN, authorised_practice

# what the fund decides on a line → (covered, anomaly code); amounts relative to the line's asked amount
DECISIONS = ("paid", "reduced", "K209", "K216", "K207", "K204", "K214", "K211")
PATIENT_PAYS = {"K204", "K207", "K214"}  # the tariff is the patient's (docs: "What a refusal costs whom")
REDUCTION = Decimal("1.00")


def pdf_amount(text: str, label: str) -> Decimal:
    match = re.search(re.escape(label) + r"\s*([0-9]+\.[0-9]{2}) EUR", text)
    assert match is not None, f"{label!r} not on the mémoire"
    return Decimal(match.group(1))


def practice_in(folder: Path, clock: Clock) -> PracticeService:
    service = PracticeService(f"sqlite:///{folder / 'practice.db'}", folder / "documents", clock=clock)
    service.init()
    service.setup_practice(
        PracticeInfo(
            name="Kiné Centre Gare",
            street="12, rue de Strasbourg",
            postal_code="2560",
            city="Luxembourg",
            invoicing_form=InvoicingForm.GROUP,
            facturier_code=GROUP_FACTURIER,
            opened_on=date(2020, 1, 1),
        )
    )
    service.add_physiotherapist(GROUP_FACTURIER, "Anne Muller")
    service.add_physiotherapist(PHYSIO_A, "Paul Weber")
    service.add_physiotherapist(PHYSIO_B, "Marie Schmit")
    service.add_member(PHYSIO_A, date(2020, 1, 1))
    service.add_member(PHYSIO_B, date(2023, 6, 1))
    return service


months = st.tuples(
    st.lists(st.sampled_from(DECISIONS), min_size=1, max_size=6),  # Dupont's sessions, 8 authorised
    st.lists(st.sampled_from(DECISIONS), min_size=0, max_size=5),  # Martin's sessions, 6 authorised
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months)
def test_reconciliation_documents_and_retfac_agree(month: tuple[list[str], list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clock = Clock(datetime(2024, 3, 1, 9))
        practice = practice_in(folder, clock)
        try:
            _check(practice, clock, folder, month)
        finally:
            practice.close()


def _check(practice: PracticeService, clock: Clock, folder: Path, month: tuple[list[str], list[str]]) -> None:
    inbox = folder / "inbox"
    inbox.mkdir()
    authorised_practice(practice, clock, inbox)
    clock.set(date(2024, 3, 31))
    planned = {DUPONT: (TITRE_DUPONT, month[0]), MARTIN: (TITRE_MARTIN, month[1])}
    for titre, decisions in planned.values():
        for day, _ in enumerate(decisions, start=1):
            practice.add_session(SessionInput(titre, date(2024, 3, day)))
    clock.set(date(2024, 4, 1))
    fac = practice.bill("2024-03")
    fac_model = read_file(fac)
    outcomes: dict[tuple[str, int], LineOutcome] = {}
    expected_due: dict[str, Decimal] = {}
    expected_used: dict[str, int] = {}
    for invoice in fac_model.invoices:  # type: ignore[union-attr]
        _, decisions = planned[invoice.matricule]
        due, used = ZERO, 0
        for line, decision in zip(invoice.lines, decisions, strict=True):
            if decision == "paid":
                outcome, due, used = LineOutcome(), due + line.insured_share, used + 1
            elif decision == "reduced":
                outcome = LineOutcome(line.amount_asked - REDUCTION, [Anomaly(code="K212", label="réduit")])
                due, used = due + line.insured_share, used + 1
            else:
                outcome = LineOutcome(Decimal("0.00"), [Anomaly(code=decision, label="refus")])
                due += line.tariff if decision in PATIENT_PAYS else ZERO
            outcomes[(invoice.invoice_number, line.line_number)] = outcome
        expected_due[invoice.matricule], expected_used[invoice.matricule] = due, used
    clock.set(date(2024, 4, 3))
    retfac_path = retfac_for(fac, outcomes, inbox, date(2024, 4, 2))
    practice.import_return(retfac_path)
    retfac = read_file(retfac_path)
    assert isinstance(retfac, Retfac)

    # the reconciliation = the RETFAC
    report = practice.reconcile("2024-03")
    asked = sum((line.amount_asked for i in retfac.invoices for line in i.lines), ZERO)
    covered = sum((line.amount_covered for i in retfac.invoices for line in i.lines), ZERO)
    assert (report.total.billed, report.total.covered, report.total.contested) == (asked, covered, asked - covered)
    balances = {b.key: b for b in report.patients}
    for invoice in retfac.invoices:
        patient_covered = sum((line.amount_covered for line in invoice.lines), ZERO)
        balance = balances[invoice.matricule]
        assert balance.covered == patient_covered
        assert balance.insured_share_due == expected_due[invoice.matricule]

        # the mémoire = the reconciliation = the RETFAC, and printing it leaves nothing more to invoice
        text = "\n".join(
            p.extract_text() for p in PdfReader(practice.print_memoire(invoice.matricule, "2024-03")).pages
        )
        assert pdf_amount(text, "Prise en charge statutaire par la caisse") == patient_covered
        assert pdf_amount(text, "Montant à payer par la personne protégée") == expected_due[invoice.matricule]
        after = {b.key: b for b in practice.reconcile("2024-03").patients}[invoice.matricule]
        assert (after.insured_share_due, after.to_invoice) == (expected_due[invoice.matricule], ZERO)

    # the titre counts what the fund did not refuse
    for titre in practice.titres():
        if titre.matricule in expected_used:
            assert sum(a.sessions_done for a in titre.acts) == expected_used[titre.matricule]
