"""Sessions (warned, never silently accepted), the monthly FAC, the RETFAC import, corrections and reconciliation."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tierspayant.core.findings import Effect, FindingsError
from tierspayant.schemes.lu_kin.formats.models import Anomaly, Fac
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.reader import read_file, validate_file
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput

from .conftest import GROUP_FACTURIER, PHYSIO_A, PHYSIO_B, PHYSIO_C
from .fund_files import LineOutcome, retfac_for, untreated_retfac_for
from .helpers import Clock
from .workflow import ACT, DUPONT, KLEIN, MARTIN, TITRE_DUPONT, TITRE_MARTIN, authorised_practice, expected_price

RATE = Decimal("70.00")
NOT_DECLARED = Anomaly(code="K209", label="Exécutant non autorisé pour ce facturier à cette date")


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


def warnings_of(service: PracticeService, titre: str, day: date, **extra: str) -> set[str]:
    found = service.add_session(SessionInput(titre, day, **extra))  # type: ignore[arg-type]
    assert all(w.effect is Effect.INFORM for w in found)
    return {w.code for w in found}


@pytest.fixture
def month_of_march(group_practice: PracticeService, clock: Clock, tmp_path: Path) -> PracticeService:
    """Titres granted 2024-02-28 (Dupont 8 sessions, Martin 6); March sessions, some of them doubtful."""
    authorised_practice(group_practice, clock, tmp_path / "inbox")
    clock.set(date(2024, 3, 31))
    for day in (4, 6, 8):
        assert warnings_of(group_practice, TITRE_DUPONT, date(2024, 3, day)) == set()
    for day in range(11, 17):
        assert warnings_of(group_practice, TITRE_MARTIN, date(2024, 3, day)) == set()
    return group_practice


def test_doubtful_sessions_are_recorded_with_warnings(month_of_march: PracticeService) -> None:
    service = month_of_march
    assert warnings_of(service, TITRE_MARTIN, date(2024, 3, 18)) == {"PRA-W-SESSIONS"}  # 7th of 6 authorised
    assert warnings_of(service, TITRE_DUPONT, date(2024, 3, 8)) == {"PRA-W-SAME-DAY"}
    assert warnings_of(service, TITRE_DUPONT, date(2024, 2, 20)) == {"PRA-W-VALIDITY"}  # before the titre
    assert warnings_of(service, TITRE_DUPONT, date(2024, 3, 20), performer_code=PHYSIO_C) == {"PRA-W-PERFORMER"}
    assert warnings_of(service, TITRE_DUPONT, date(2024, 3, 21), act_code="ZZ99") == {"PRA-W-ACT"}
    assert warnings_of(service, TITRE_DUPONT, date(2024, 3, 22), performer_code=GROUP_FACTURIER) == set()
    [titre] = [t for t in service.titres() if t.identifier == TITRE_MARTIN]
    assert (titre.acts[0].sessions_done, titre.acts[0].sessions_left) == (7, 0)
    with pytest.raises(FindingsError) as error:
        service.add_session(SessionInput("T2024999999999", date(2024, 3, 5)))
    assert codes(error) == ["PRA-UNKNOWN-TITRE"]
    with pytest.raises(FindingsError) as error:
        service.add_session(SessionInput(TITRE_DUPONT, date(2024, 4, 2)))  # after "today"
    assert codes(error) == ["PRA-SESSION-DATE"]


def test_treatment_started_too_late_is_warned(group_practice: PracticeService, clock: Clock, tmp_path: Path) -> None:
    authorised_practice(group_practice, clock, tmp_path / "inbox")  # titres issued 2024-02-28
    clock.set(date(2024, 4, 30))
    assert warnings_of(group_practice, TITRE_DUPONT, date(2024, 3, 29)) == set()  # 30 days later: in time
    assert warnings_of(group_practice, TITRE_MARTIN, date(2024, 3, 30)) == {"PRA-W-START"}  # 31 days later


def read_fac(path: Path) -> Fac:
    assert validate_file(path) == []
    model = read_file(path)
    assert isinstance(model, Fac)
    return model


def test_fac_bills_every_unbilled_session_once_per_month(month_of_march: PracticeService, clock: Clock) -> None:
    service = month_of_march
    path = service.bill("2024-03")
    name = KinFileName.parse(path.name)
    assert (name.file_type, name.provider_code, name.year, name.month) == ("FAC", GROUP_FACTURIER, 2024, 3)
    fac = read_fac(path)
    assert [(i.matricule, len(i.lines)) for i in fac.invoices] == [(DUPONT, 3), (MARTIN, 6)]  # Klein: no titre
    tariff, insured, asked = expected_price(ACT, date(2024, 3, 4), RATE)
    line = fac.invoices[0].lines[0]
    assert (line.titre_id, line.act_code, line.performer_code) == (TITRE_DUPONT, ACT, PHYSIO_A)
    assert (line.tariff, line.insured_share, line.amount_asked) == (tariff, insured, asked)
    assert fac.total_asked == 9 * asked
    assert {i.lines[0].performer_code for i in fac.invoices} == {PHYSIO_A, PHYSIO_B}
    with pytest.raises(FindingsError) as error:
        service.bill("2024-03")
    assert codes(error) == ["PRA-FAC-MONTH-USED"]
    with pytest.raises(FindingsError) as error:
        service.bill(" 2024-03 ")  # the same month spelt otherwise is the same month
    assert codes(error) == ["PRA-FAC-MONTH-USED"]
    for bad in ("2024-13", "\u0662\u0660\u0662\u0664-\u0660\u0663", "0999-03", "2024-3", "2024-03-01"):
        with pytest.raises(FindingsError) as error:
            service.bill(bad)
        assert codes(error) == ["PRA-MONTH"], bad
    clock.set(date(2024, 4, 3))
    with pytest.raises(FindingsError) as error:
        service.bill("2024-04")
    assert codes(error) == ["PRA-NOTHING-TO-BILL"]
    service.add_session(SessionInput(TITRE_DUPONT, date(2024, 4, 2)))
    april = read_fac(service.bill("2024-04"))
    assert [len(i.lines) for i in april.invoices] == [1]
    assert not list(service.outbox_dir.glob("*.part"))


def test_patient_without_third_party_is_not_billed_to_the_fund(
    month_of_march: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    fac = read_fac(month_of_march.bill("2024-03"))
    assert KLEIN not in {i.matricule for i in fac.invoices}


def test_retfac_statuses_corrections_and_reconciliation(
    month_of_march: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    service = month_of_march
    [by_c] = [service.record_session(SessionInput(TITRE_DUPONT, date(2024, 3, 25), performer_code=PHYSIO_C))]
    session_c, _ = by_c
    fac_path = service.bill("2024-03")
    fac = read_fac(fac_path)
    dupont, martin = fac.invoices
    asked = dupont.lines[0].amount_asked
    reduced = asked - Decimal("5.00")
    retfac = retfac_for(
        fac_path,
        {
            (dupont.invoice_number, 4): LineOutcome(Decimal("0.00"), [NOT_DECLARED]),
            (martin.invoice_number, 2): LineOutcome(reduced, [Anomaly(code="K212", label="Montant réduit")]),
        },
        tmp_path / "inbox",
        date(2024, 4, 10),
    )
    clock.set(date(2024, 4, 10))
    summary = service.import_return(retfac)
    assert (summary.lines_paid, summary.lines_reduced, summary.lines_refused) == (8, 1, 1)
    assert summary.amount_contested == asked + Decimal("5.00")
    refused = next(n for n in summary.notices if "refused" in n.message)
    assert "K209 Exécutant non autorisé" in refused.message and "Correct the session" in refused.message
    assert service.import_return(retfac).status == "already imported"
    statuses = {s.id: s.status for s in service.sessions()}
    assert statuses[session_c] == "refused"
    dupont_sessions = service.sessions(DUPONT)
    assert {s.matricule for s in dupont_sessions} == {DUPONT} and len(dupont_sessions) == 4
    assert all(statuses[s.id] == s.status for s in dupont_sessions)  # the same status, filtered or not

    march = service.reconcile("2024-03")
    assert march.total.lines == 10
    assert march.total.billed == 10 * asked
    assert march.total.covered == 8 * asked + reduced
    assert march.total.contested == asked + Decimal("5.00")
    assert march.total.awaiting == Decimal("0.00")
    by_performer = {b.key: b for b in march.performers}
    assert by_performer[PHYSIO_C].contested == asked and by_performer[PHYSIO_C].covered == 0
    by_patient = {b.key: b for b in march.patients}
    insured = dupont.lines[0].insured_share
    assert by_patient[DUPONT].insured_share_due == 3 * insured  # the refused line's share is not due
    assert by_patient[DUPONT].to_invoice == 3 * insured
    rows = list(csv.DictReader(io.StringIO(march.to_csv())))
    assert [r["section"] for r in rows].count("patient") == 2 and rows[-1]["section"] == "total"
    assert rows[-1]["contested"] == f"{asked + Decimal('5.00'):.2f}"

    # the patient's mémoire asks the insured share; the reconciliation then has nothing left to invoice
    memoire = service.print_memoire(DUPONT, "2024-03")
    assert memoire.exists()
    assert {b.key: b for b in service.reconcile("2024-03").patients}[DUPONT].to_invoice == 0

    # only a contested line can be corrected; the corrected session goes on the next FAC
    with pytest.raises(FindingsError) as error:
        service.correct_session(1, performer_code=PHYSIO_B)
    assert codes(error) == ["PRA-SESSION-BILLED"]
    reduced_session = next(s.id for s in service.sessions() if s.status == "reduced")
    with pytest.raises(FindingsError) as error:
        service.correct_session(reduced_session, performer_code=PHYSIO_A)  # in the fund's ledger already
    assert codes(error) == ["PRA-SESSION-BILLED"]
    assert service.correct_session(session_c, performer_code=PHYSIO_A) == []
    clock.set(date(2024, 5, 2))
    april = read_fac(service.bill("2024-04"))
    [[line]] = [i.lines for i in april.invoices]
    assert (line.service_date, line.performer_code, line.amount_asked) == (date(2024, 3, 25), PHYSIO_A, asked)
    assert service.reconcile("2024-04").total.awaiting == asked


def test_returned_untreated_frees_the_month(month_of_march: PracticeService, clock: Clock, tmp_path: Path) -> None:
    service = month_of_march
    first = service.bill("2024-03")
    summary = service.import_return(untreated_retfac_for(first, tmp_path / "inbox", date(2024, 4, 2)))
    assert summary.status == "returned untreated"
    assert "K002" in summary.notices[0].message
    assert service.reconcile("2024-03").total.lines == 0
    clock.set(date(2024, 4, 2))
    second = read_fac(service.bill("2024-03"))  # the month is free again, with the same sessions
    assert sum(len(i.lines) for i in second.invoices) == 9
    assert KinFileName.parse(first.name).reference != second.header.reference


def test_retfac_lines_must_match_the_fac(month_of_march: PracticeService, tmp_path: Path) -> None:
    service = month_of_march
    fac_path = service.bill("2024-03")
    retfac = retfac_for(fac_path, {}, tmp_path / "inbox", date(2024, 4, 10))
    text = retfac.read_text(encoding="utf-8")
    fac = read_fac(fac_path)
    number = fac.invoices[0].invoice_number
    bad = tmp_path / "bad" / retfac.name
    bad.parent.mkdir()
    bad.write_text(text.replace(f"<NumeroFacture>{number}<", "<NumeroFacture>X-1<"), encoding="utf-8")
    with pytest.raises(FindingsError) as error:
        service.import_return(bad)
    assert codes(error) == ["PRA-RETURN-UNKNOWN-LINE"]
    assert service.reconcile("2024-03").total.awaiting == fac.total_asked  # nothing applied


def test_returned_untreated_keeps_a_corrected_session_to_rebill(
    month_of_march: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    service = month_of_march
    session_c, _ = service.record_session(SessionInput(TITRE_DUPONT, date(2024, 3, 25), performer_code=PHYSIO_C))
    march = service.bill("2024-03")
    dupont = read_fac(march).invoices[0]
    clock.set(date(2024, 4, 10))
    refused = {(dupont.invoice_number, 4): LineOutcome(Decimal("0.00"), [NOT_DECLARED])}
    service.import_return(retfac_for(march, refused, tmp_path / "in1", date(2024, 4, 10)))
    service.correct_session(session_c, performer_code=PHYSIO_A)
    service.add_session(SessionInput(TITRE_DUPONT, date(2024, 4, 8)))
    clock.set(date(2024, 5, 2))
    april = service.bill("2024-04")
    assert sum(len(i.lines) for i in read_fac(april).invoices) == 2  # the corrected line and the new session
    service.import_return(untreated_retfac_for(april, tmp_path / "in2", date(2024, 5, 3)))
    statuses = {s.id: s.status for s in service.sessions()}
    assert statuses[session_c] == "to rebill"  # its refused March line is still there
    assert sorted(statuses.values()).count("unbilled") == 1  # the April session, as if never billed
    again = read_fac(service.bill("2024-04"))
    billed_days = sorted(line.service_date for i in again.invoices for line in i.lines)
    assert billed_days == [date(2024, 3, 25), date(2024, 4, 8)]
