"""Correcting what was entered by mistake: patients, prescriptions and sessions can be edited or cancelled as long
as the fund has not relied on them; what the fund already paid never changes (a correction there is refused with
the reason). Each function returns a one-line description of the change for the audit log."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.practice.domain import Fund, LineStatus, PathologyCategory, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.identifiers import matricule as checked_matricule
from tierspayant.schemes.lu_kin.practice.identifiers import provider_code
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord, patient_by_matricule
from tierspayant.schemes.lu_kin.practice.prescriptions import ACT_CODE, PLACE_CATEGORY, fits
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.sessions import last_line
from tierspayant.schemes.lu_kin.practice.texts import checked_text, optional_text
from tierspayant.schemes.lu_kin.store.practice.models import (
    AuthorisationRequest,
    Patient,
    Prescription,
    PrescriptionAct,
    TreatmentSession,
)


def _changes(before: dict[str, object], after: dict[str, object]) -> str:
    changed = [f"{key}: {before[key]} → {after[key]}" for key in after if before.get(key) != after[key]]
    return "; ".join(changed) or "no change"


# -- patients -----------------------------------------------------------------------------------------------------


def update_patient(db: Session, matricule: str, record: PatientRecord) -> str:
    """Correct a patient's name, birth date, fund, address, third-party choice. The matricule identifies the patient
    on every file sent: a wrong matricule is corrected by cancelling the patient (while nothing was sent)."""
    patient = patient_by_matricule(db, matricule)
    checked_matricule(patient.matricule, record.birth_date)  # the birth date must still match the matricule
    if not record.last_name.strip():
        refuse("PRA-PATIENT", "the patient's last name is empty", location="last_name")
    before = {f.name: getattr(patient, f.name) for f in fields(PatientRecord) if f.name != "matricule"}
    patient.last_name = checked_text(record.last_name, Patient.last_name, "last name")
    patient.first_name = checked_text(record.first_name, Patient.first_name, "first name", required=False)
    patient.birth_date = record.birth_date
    patient.fund = Fund(record.fund).value
    patient.third_party = record.third_party
    patient.street = optional_text(record.street, Patient.street, "street")
    patient.postal_code = optional_text(record.postal_code, Patient.postal_code, "postal code")
    patient.city = optional_text(record.city, Patient.city, "city")
    db.flush()
    after = {key: getattr(patient, key) for key in before}
    return _changes(before, after)


def cancel_patient(db: Session, matricule: str) -> str:
    """Remove a patient entered by mistake — only while no prescription was recorded for them."""
    patient = patient_by_matricule(db, matricule)
    prescriptions = db.scalar(select(func.count()).where(Prescription.patient_id == patient.id)) or 0
    if prescriptions:
        refuse(
            "PRA-PATIENT-IN-USE",
            f"patient {patient.matricule} has {prescriptions} prescription(s): cancel them first, or correct the "
            "patient instead",
        )
    db.delete(patient)
    db.flush()
    return f"patient {patient.matricule} {patient.last_name.upper()} {patient.first_name} removed"


# -- prescriptions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrescriptionChanges:
    prescriber_code: str
    prescribed_on: date
    pathology_category: PathologyCategory
    act_code: str
    sessions: int
    performer_code: str
    place_category: str


CORRECTABLE = (PrescriptionStatus.PENDING, PrescriptionStatus.REFUSED, PrescriptionStatus.SUSPENDED)


def _prescription(db: Session, prescription_id: int) -> Prescription:
    prescription = db.get(Prescription, prescription_id)
    if prescription is None:
        refuse("PRA-UNKNOWN-PRESCRIPTION", f"no prescription {prescription_id}")
    return prescription


def update_prescription(db: Session, prescription_id: int, changes: PrescriptionChanges, today: date) -> str:
    """Correct a prescription not yet sent, or one the fund refused or suspended: it goes out again with the next
    request. One accepted (a titre exists) or waiting for the fund's answer cannot change."""
    prescription = _prescription(db, prescription_id)
    status = PrescriptionStatus(prescription.status)
    if status not in CORRECTABLE:
        refuse(
            "PRA-PRESCRIPTION-LOCKED",
            f"prescription {prescription_id} is {status.value}: only one not yet sent, refused or suspended can be "
            "corrected",
        )
    act = changes.act_code.strip().upper()
    place = changes.place_category.strip().upper()
    if not fits(ACT_CODE, act):
        refuse("PRA-PRESCRIPTION-ACTS", f"act code {changes.act_code!r}: 2–10 letters A–Z or digits", location="acts")
    if not 1 <= changes.sessions <= 999:
        refuse("PRA-PRESCRIPTION-ACTS", f"{changes.sessions} sessions is not 1–999", location="acts")
    if not fits(PLACE_CATEGORY, place):
        refuse("PRA-PLACE", f"place-of-service category {changes.place_category!r}: 1–4 letters A–Z or digits")
    if changes.prescribed_on > today:
        refuse("PRA-PRESCRIPTION-DATE", f"prescription dated {changes.prescribed_on} is in the future")
    before = _prescription_state(prescription)
    prescription.prescriber_code = provider_code(changes.prescriber_code, "prescriber code")
    prescription.performer_code = provider_code(changes.performer_code, "performer code")
    prescription.prescribed_on = changes.prescribed_on
    prescription.pathology_category = PathologyCategory(changes.pathology_category).value
    prescription.place_category = place
    prescription.acts = [PrescriptionAct(act_code=act, sessions=changes.sessions)]
    if status is not PrescriptionStatus.PENDING:
        prescription.status = PrescriptionStatus.PENDING.value  # corrected: sent again with the next request
    db.flush()
    detail = _changes(before, _prescription_state(prescription))
    return detail + (f"; {status.value} → sent again with the next request" if status is not status.PENDING else "")


def _prescription_state(prescription: Prescription) -> dict[str, object]:
    return {
        "prescriber": prescription.prescriber_code,
        "date": prescription.prescribed_on,
        "category": prescription.pathology_category,
        "acts": ", ".join(f"{a.act_code}×{a.sessions}" for a in prescription.acts),
        "performer": prescription.performer_code,
        "place": prescription.place_category,
    }


def cancel_prescription(db: Session, prescription_id: int) -> str:
    """A prescription not yet sent is removed; one refused or suspended is closed (kept with its requests)."""
    prescription = _prescription(db, prescription_id)
    status = PrescriptionStatus(prescription.status)
    if status not in CORRECTABLE:
        refuse(
            "PRA-PRESCRIPTION-LOCKED",
            f"prescription {prescription_id} is {status.value}: only one not yet sent, refused or suspended can be "
            "cancelled",
        )
    sent = db.scalar(select(func.count()).where(AuthorisationRequest.prescription_id == prescription.id)) or 0
    if status is PrescriptionStatus.PENDING and not sent:
        db.execute(delete(PrescriptionAct).where(PrescriptionAct.prescription_id == prescription.id))
        db.delete(prescription)
        db.flush()
        return f"prescription {prescription_id} removed (never sent)"
    prescription.status = PrescriptionStatus.CANCELLED.value
    db.flush()
    return f"prescription {prescription_id} closed ({status.value})"


# -- sessions -------------------------------------------------------------------------------------------------------


def cancel_session(db: Session, session_id: int, now: datetime) -> str:
    """A session never billed is removed; one the fund refused is cancelled (it stays in the history and is not
    billed again). One on a FAC awaiting its RETFAC, or paid, cannot be cancelled here: the fund relies on it."""
    session = db.get(TreatmentSession, session_id)
    if session is None or session.cancelled_at is not None:
        refuse("PRA-UNKNOWN-SESSION", f"no session {session_id}")
    line = last_line(db, session_id)
    what = f"session {session_id} of {session.performed_on} {session.act_code}"
    if line is None:
        db.delete(session)
        db.flush()
        return f"{what} removed (never billed)"
    if line.status != LineStatus.REFUSED.value:
        refuse(
            "PRA-SESSION-BILLED",
            f"{what} is {line.status} on the FAC of {line.billing_month}: the fund relies on it; only a session "
            "never billed or refused by the fund can be cancelled",
        )
    session.cancelled_at = now
    session.rebill = False
    db.flush()
    return f"{what} cancelled after the fund's refusal ({line.billing_month})"
