"""The correction loop: patients, prescriptions and sessions edited or cancelled while the fund has not relied on
them; a refused or suspended request corrected and sent again; what the fund paid never changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.models import Anomaly
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.practice.corrections import PrescriptionChanges
from tierspayant.schemes.lu_kin.practice.domain import Fund, PathologyCategory, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput

from .conftest import PHYSIO_A
from .fund_files import LineOutcome, Suspens, read_demaut, retaut_for, retfac_for
from .helpers import Clock, matricule
from .workflow import (
    ACT,
    DUPONT,
    KLEIN,
    KNOWN_PRESCRIBER,
    PLACE,
    TITRE_DUPONT,
    add_patients,
    authorised_practice,
    prescription,
)


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


@pytest.fixture
def authorised(group_practice: PracticeService, clock: Clock, tmp_path: Path) -> PracticeService:
    authorised_practice(group_practice, clock, tmp_path / "inbox")
    clock.set(date(2024, 3, 31))
    return group_practice


def test_an_existing_matricule_is_refused_not_overwritten(authorised: PracticeService) -> None:
    again = PatientRecord(DUPONT, "Dupont", "Jeanne", date(1980, 1, 1), Fund.CNS, True)  # no address
    with pytest.raises(FindingsError) as error:
        authorised.add_patient(again)
    assert codes(error) == ["PRA-PATIENT-EXISTS"] and "DUPONT Jeanne" in error.value.findings[0].message
    assert next(p for p in authorised.patients() if p.matricule == DUPONT).street == "3, rue Large"
    assert authorised.add_patient(again, update=True).street is None  # the explicit update


def test_a_patient_is_corrected_and_the_change_described(authorised: PracticeService) -> None:
    record = PatientRecord(DUPONT, "Dupont-Weber", "Jeanne", date(1980, 1, 1), Fund.CNS, True, "5, rue Haute")
    detail = authorised.update_patient(DUPONT, record)
    assert "last_name: Dupont → Dupont-Weber" in detail and "street: 3, rue Large → 5, rue Haute" in detail
    with pytest.raises(FindingsError) as error:  # the birth date is in the matricule
        authorised.update_patient(DUPONT, PatientRecord(DUPONT, "Dupont", "Jeanne", date(1980, 1, 2), Fund.CNS))
    assert codes(error) == ["PRA-MATRICULE"]


def test_a_patient_is_cancelled_only_without_prescriptions(authorised: PracticeService) -> None:
    with pytest.raises(FindingsError) as error:
        authorised.cancel_patient(DUPONT)
    assert codes(error) == ["PRA-PATIENT-IN-USE"]
    typo = matricule(date(1990, 1, 1), 5)
    authorised.add_patient(PatientRecord(typo, "Typo", "Tom", date(1990, 1, 1), Fund.CNS))
    assert "removed" in authorised.cancel_patient(typo)
    assert typo not in {p.matricule for p in authorised.patients()}


def changes(prescriber: str = KNOWN_PRESCRIBER, sessions: int = 8) -> PrescriptionChanges:
    return PrescriptionChanges(prescriber, date(2024, 2, 26), PathologyCategory.COMMON, ACT, sessions, PHYSIO_A, PLACE)


def test_a_refused_request_is_corrected_and_sent_again(authorised: PracticeService, clock: Clock) -> None:
    klein = next(p for p in authorised.prescriptions() if p.matricule == KLEIN)
    assert klein.status is PrescriptionStatus.REFUSED  # unknown prescriber
    detail = authorised.update_prescription(klein.id, changes())
    assert "prescriber: 99999990 → " + KNOWN_PRESCRIBER in detail and "sent again" in detail
    clock.set(date(2024, 4, 1))
    demaut = read_demaut(authorised.build_request())
    assert [(r.matricule, r.prescriber_code) for r in demaut.requests] == [(KLEIN, KNOWN_PRESCRIBER)]


def test_an_accepted_prescription_does_not_change(authorised: PracticeService) -> None:
    dupont = next(p for p in authorised.prescriptions() if p.matricule == DUPONT)
    with pytest.raises(FindingsError) as error:
        authorised.update_prescription(dupont.id, changes(sessions=20))
    assert codes(error) == ["PRA-PRESCRIPTION-LOCKED"]
    with pytest.raises(FindingsError) as error:
        authorised.cancel_prescription(dupont.id)
    assert codes(error) == ["PRA-PRESCRIPTION-LOCKED"]


def test_a_pending_prescription_is_removed_a_refused_one_closed(authorised: PracticeService) -> None:
    record = authorised.add_prescription(prescription(DUPONT, PHYSIO_A, on=date(2024, 3, 20)))
    assert "removed" in authorised.cancel_prescription(record.id)
    assert record.id not in {p.id for p in authorised.prescriptions()}
    klein = next(p for p in authorised.prescriptions() if p.matricule == KLEIN)
    assert "closed" in authorised.cancel_prescription(klein.id)
    assert {p.id: p.status for p in authorised.prescriptions()}[klein.id] is PrescriptionStatus.CANCELLED


def test_a_suspended_request_is_completed_and_sent_again(
    group_practice: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    add_patients(group_practice)
    clock.set(date(2024, 2, 27))
    group_practice.add_prescription(prescription(DUPONT, PHYSIO_A))
    package = group_practice.build_request()
    clock.set(date(2024, 2, 28))
    group_practice.import_return(retaut_for(package, {"P1-1": Suspens()}, tmp_path / "in", date(2024, 2, 28)))
    [suspended] = group_practice.prescriptions()
    assert suspended.status is PrescriptionStatus.SUSPENDED
    group_practice.update_prescription(suspended.id, changes(sessions=6))
    clock.set(date(2024, 3, 1))
    demaut = read_demaut(group_practice.build_request())
    assert [a.sessions for a in demaut.requests[0].acts] == [6]


def test_sessions_cancelled_before_billing_or_after_a_refusal_never_when_relied_on(
    authorised: PracticeService, clock: Clock, tmp_path: Path
) -> None:
    mistaken, _ = authorised.record_session(SessionInput(TITRE_DUPONT, date(2024, 3, 5)))
    assert "removed" in authorised.cancel_session(mistaken)
    kept, _ = authorised.record_session(SessionInput(TITRE_DUPONT, date(2024, 3, 6)))
    refused, _ = authorised.record_session(SessionInput(TITRE_DUPONT, date(2024, 3, 7)))
    clock.set(date(2024, 4, 1))
    fac = authorised.bill("2024-03")
    with pytest.raises(FindingsError) as error:  # on a FAC, no RETFAC yet: the fund relies on it
        authorised.cancel_session(kept)
    assert codes(error) == ["PRA-SESSION-BILLED"]
    invoice = read_file(fac).invoices[0]  # type: ignore[union-attr]
    outcome = LineOutcome(Decimal("0.00"), [Anomaly(code="K216", label="Actes non cumulables")])
    retfac = retfac_for(fac, {(invoice.invoice_number, 2): outcome}, tmp_path / "inbox", date(2024, 4, 2))
    clock.set(date(2024, 4, 2))
    authorised.import_return(retfac)
    with pytest.raises(FindingsError) as error:  # paid: nothing already paid changes
        authorised.cancel_session(kept)
    assert codes(error) == ["PRA-SESSION-BILLED"]
    with pytest.raises(FindingsError) as error:
        authorised.correct_session(kept, performed_on=date(2024, 3, 9))
    assert codes(error) == ["PRA-SESSION-BILLED"]
    assert "cancelled" in authorised.cancel_session(refused)
    assert {s.id: s.status for s in authorised.sessions()}[refused] == "cancelled"
    clock.set(date(2024, 5, 2))
    with pytest.raises(FindingsError) as error:  # the cancelled session is not billed again
        authorised.bill("2024-04")
    assert codes(error) == ["PRA-NOTHING-TO-BILL"]
