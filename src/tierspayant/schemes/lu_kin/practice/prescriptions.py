"""Prescriptions: prescriber, date, acts and sessions, pathology category, and the scanned PDF (checked on entry)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.pdf_scan import check_scan, scan_accepted
from tierspayant.schemes.lu_kin.formats.models import ActCode, PlaceCategory
from tierspayant.schemes.lu_kin.practice.domain import PathologyCategory, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.identifiers import provider_code
from tierspayant.schemes.lu_kin.practice.patients import patient_by_matricule
from tierspayant.schemes.lu_kin.practice.reference import PracticeReference
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.texts import checked_text
from tierspayant.schemes.lu_kin.store.practice.models import Prescription, PrescriptionAct

# Electronic requests exist only for prescriptions from 2017 on (cahier des charges art. 25: older ones on paper).
FIRST_ELECTRONIC_PRESCRIPTION = date(2017, 1, 1)
# What the DEMAUT will carry, checked now by the KIN models' own types (the XSD's patterns), not a look-alike rule:
# "ÉA1".isalnum() is true, yet such a code could never be sent.
ACT_CODE: TypeAdapter[str] = TypeAdapter(ActCode)
PLACE_CATEGORY: TypeAdapter[str] = TypeAdapter(PlaceCategory)


def fits(kind: TypeAdapter[str], value: str) -> bool:
    try:
        kind.validate_python(value)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True)
class PrescribedAct:
    act_code: str
    sessions: int


@dataclass(frozen=True)
class PrescriptionInput:
    matricule: str
    prescriber_code: str
    prescribed_on: date
    pathology_category: PathologyCategory
    acts: list[PrescribedAct]
    performer_code: str
    place_category: str
    scan: bytes
    scan_name: str
    accident_date: date | None = None  # set for a work accident (AAA)


@dataclass(frozen=True)
class PrescriptionRecord:
    id: int
    matricule: str
    prescriber_code: str
    prescribed_on: date
    pathology_category: PathologyCategory
    performer_code: str
    place_category: str
    status: PrescriptionStatus
    accident_date: date | None
    acts: list[PrescribedAct] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)  # only when just added: what the CNS may question


def add_prescription(
    db: Session, data: PrescriptionInput, now: datetime, reference: PracticeReference
) -> PrescriptionRecord:
    """Record a prescription with its scan; refuses a scan that is not PDF/A, A4, 200–300 DPI (findings say why).

    What the CNS would question (unknown prescriber, sessions over the category's limit…) is recorded with warnings.
    """
    patient = patient_by_matricule(db, data.matricule)
    prescriber = provider_code(data.prescriber_code, "prescriber code")
    performer = provider_code(data.performer_code, "performer code")
    if data.prescribed_on < FIRST_ELECTRONIC_PRESCRIPTION:
        refuse(
            "PRA-PRESCRIPTION-DATE",
            f"prescription dated {data.prescribed_on}: prescriptions before 2017-01-01 go to the CNS on paper only",
            location="prescribed_on",
        )
    if data.prescribed_on > now.date():
        refuse("PRA-PRESCRIPTION-DATE", f"prescription dated {data.prescribed_on} is in the future")
    if not data.acts:
        refuse("PRA-PRESCRIPTION-ACTS", "a prescription needs at least one act with its number of sessions")
    seen: set[str] = set()
    for act in data.acts:
        code = act.act_code.strip().upper()
        if not fits(ACT_CODE, code):
            refuse("PRA-PRESCRIPTION-ACTS", f"act code {act.act_code!r}: 2–10 letters A–Z or digits", location="acts")
        if code in seen:
            refuse("PRA-PRESCRIPTION-ACTS", f"act {code} is listed twice: give its total number of sessions once")
        seen.add(code)
        if not 1 <= act.sessions <= 999:
            refuse("PRA-PRESCRIPTION-ACTS", f"act {code}: {act.sessions} sessions is not 1–999", location="acts")
    place = data.place_category.strip().upper()
    if not fits(PLACE_CATEGORY, place):
        refuse("PRA-PLACE", f"place-of-service category {data.place_category!r}: 1–4 letters A–Z or digits (annex 08)")
    scan_name = checked_text(data.scan_name, Prescription.scan_name, "scan file name")
    findings = check_scan(data.scan, data.scan_name)
    if not scan_accepted(findings):
        # The CNS refuses a request whose scan is not acceptable; say so now, while the patient is still here.
        raise FindingsError([f for f in findings if f.effect is not Effect.INFORM])
    acts = [(a.act_code.strip().upper(), a.sessions) for a in data.acts]
    category = PathologyCategory(data.pathology_category).value
    warnings = findings + reference.prescription_warnings(
        prescriber, data.prescribed_on, category, acts, place, now.date()
    )
    accident = data.accident_date is not None or patient.fund == "AAA"
    prescription = Prescription(
        patient_id=patient.id,
        prescriber_code=prescriber,
        prescribed_on=data.prescribed_on,
        pathology_category=category,
        performer_code=performer,
        place_category=place,
        accident=accident,
        accident_date=data.accident_date,
        scan_name=scan_name,
        scan_sha256=hashlib.sha256(data.scan).hexdigest(),
        scan=data.scan,
        status=PrescriptionStatus.PENDING.value,
        created_at=now,
        acts=[PrescriptionAct(act_code=code, sessions=sessions) for code, sessions in acts],
    )
    db.add(prescription)
    db.flush()
    return to_record(prescription, warnings)


def resubmit_prescription(db: Session, prescription_id: int, scan: bytes | None, scan_name: str | None) -> None:
    """Put a refused or suspended prescription back in the queue (with a new scan when the old one was the problem,
    or the information the fund asked for)."""
    prescription = db.get(Prescription, prescription_id)
    if prescription is None:
        refuse("PRA-UNKNOWN-PRESCRIPTION", f"no prescription {prescription_id}")
    if prescription.status not in (PrescriptionStatus.REFUSED.value, PrescriptionStatus.SUSPENDED.value):
        refuse(
            "PRA-RESUBMIT",
            f"prescription {prescription_id} is {prescription.status}: only a refused or suspended request is sent "
            "again",
        )
    if scan is not None:
        findings = check_scan(scan, scan_name or prescription.scan_name)
        if not scan_accepted(findings):
            raise FindingsError([f for f in findings if f.effect is not Effect.INFORM])
        prescription.scan = scan
        if scan_name:
            prescription.scan_name = checked_text(scan_name, Prescription.scan_name, "scan file name")
        prescription.scan_sha256 = hashlib.sha256(scan).hexdigest()
    prescription.status = PrescriptionStatus.PENDING.value


def _with_patient_and_acts() -> tuple[ExecutableOption, ...]:
    return selectinload(Prescription.patient), selectinload(Prescription.acts)


def pending_prescriptions(db: Session) -> list[Prescription]:
    """Prescriptions waiting for a request, with their patient and acts (not their scans: see ``Prescription.scan``)."""
    return list(
        db.scalars(
            select(Prescription)
            .where(Prescription.status == PrescriptionStatus.PENDING.value)
            .options(*_with_patient_and_acts())
            .order_by(Prescription.id)
        )
    )


def list_prescriptions(db: Session, status: PrescriptionStatus | None = None) -> list[PrescriptionRecord]:
    query = select(Prescription).options(*_with_patient_and_acts()).order_by(Prescription.id)
    if status is not None:
        query = query.where(Prescription.status == status.value)
    return [to_record(p) for p in db.scalars(query)]


def to_record(prescription: Prescription, warnings: list[Finding] | None = None) -> PrescriptionRecord:
    return PrescriptionRecord(
        id=prescription.id,
        matricule=prescription.patient.matricule,
        prescriber_code=prescription.prescriber_code,
        prescribed_on=prescription.prescribed_on,
        pathology_category=PathologyCategory(prescription.pathology_category),
        performer_code=prescription.performer_code,
        place_category=prescription.place_category,
        status=PrescriptionStatus(prescription.status),
        accident_date=prescription.accident_date,
        acts=[PrescribedAct(a.act_code, a.sessions) for a in prescription.acts],
        warnings=list(warnings or []),
    )
