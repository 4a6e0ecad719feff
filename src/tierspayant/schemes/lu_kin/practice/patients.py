"""Patients: matricule (validated), name, birth date, fund, and whether third-party payment is wanted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.practice.domain import Fund
from tierspayant.schemes.lu_kin.practice.identifiers import matricule as checked_matricule
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.texts import checked_text, optional_text
from tierspayant.schemes.lu_kin.store.practice.models import Patient


@dataclass(frozen=True)
class PatientRecord:
    matricule: str
    last_name: str
    first_name: str
    birth_date: date
    fund: Fund
    third_party: bool = True
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    language: str | None = None  # the printed documents' language (fr, de, en); None: the practice user's

    @property
    def full_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


def add_patient(db: Session, record: PatientRecord, update: bool = False) -> PatientRecord:
    """Record a patient; the matricule must be valid and match the birth date. A matricule already recorded is
    refused (``PRA-PATIENT-EXISTS``, naming the patient) unless ``update`` says to correct that patient."""
    number = checked_matricule(record.matricule, record.birth_date)
    if not record.last_name.strip():
        refuse("PRA-PATIENT", "the patient's last name is empty", location="last_name")
    last_name = checked_text(record.last_name, Patient.last_name, "last name")
    first_name = checked_text(record.first_name, Patient.first_name, "first name", required=False)
    street = optional_text(record.street, Patient.street, "street")
    postal_code = optional_text(record.postal_code, Patient.postal_code, "postal code")
    city = optional_text(record.city, Patient.city, "city")
    patient = db.scalar(select(Patient).where(Patient.matricule == number))
    if patient is not None and not update:
        refuse(
            "PRA-PATIENT-EXISTS",
            f"matricule {number} is already the patient {patient.last_name.upper()} {patient.first_name}: open that "
            "patient to correct it",
            location="matricule",
        )
    if patient is None:
        patient = Patient(matricule=number)
        db.add(patient)
    patient.last_name = last_name
    patient.first_name = first_name
    patient.birth_date = record.birth_date
    patient.fund = Fund(record.fund).value
    patient.third_party = record.third_party
    patient.street = street
    patient.postal_code = postal_code
    patient.city = city
    db.flush()
    return to_record(patient)


def patient_by_matricule(db: Session, matricule: str) -> Patient:
    number = checked_matricule(matricule)
    patient = db.scalar(select(Patient).where(Patient.matricule == number))
    if patient is None:
        refuse("PRA-UNKNOWN-PATIENT", f"no patient with matricule {number}: add the patient first")
    return patient


def list_patients(db: Session) -> list[PatientRecord]:
    return [to_record(p) for p in db.scalars(select(Patient).order_by(Patient.last_name, Patient.first_name))]


def to_record(patient: Patient) -> PatientRecord:
    return PatientRecord(
        matricule=patient.matricule,
        last_name=patient.last_name,
        first_name=patient.first_name,
        birth_date=patient.birth_date,
        fund=Fund(patient.fund),
        third_party=patient.third_party,
        street=patient.street,
        postal_code=patient.postal_code,
        city=patient.city,
        language=patient.language,
    )


def set_language(db: Session, matricule: str, language: str | None) -> None:
    """The language the patient's mémoire and titre are printed in (None: the language of the user who prints)."""
    from tierspayant.schemes.lu_kin.practice.documents.language import DOCUMENT_LANGUAGES

    if language is not None and language not in DOCUMENT_LANGUAGES:
        refuse("PRA-LANGUAGE", f"documents are printed in {', '.join(DOCUMENT_LANGUAGES)}, not {language!r}")
    patient_by_matricule(db, matricule).language = language
