"""The doctor's side: set-up (doctors, associations, patients) and fee notes priced from the nomenclature.

``DoctorsPractice`` is the facade the pages, commands and the other layers (device flat rates, digital fee notes)
use. Every write is one transaction; a problem is a ``FindingsError`` naming the rule, never a half-saved note.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import CENT
from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode, FeeNote, FeeNoteAct
from tierspayant.schemes.lu_doctors.reference import ReferenceSet, load_sample_reference
from tierspayant.schemes.lu_doctors.store.practice import MIGRATION_TARGET, MIGRATIONS_PACKAGE
from tierspayant.schemes.lu_doctors.store.practice.models import (
    Association,
    AssociationMember,
    Doctor,
    FeeNoteActRow,
    FeeNoteRow,
    Patient,
)
from tierspayant.store.database import make_engine, migrate, session_factory, transaction

RULE_NOTE = "doctor's fee note"


@dataclass(frozen=True)
class ActRequest:
    """An act the doctor did, before pricing."""

    act_code: str
    service_date: date
    quantity: int = 1
    device_id: str | None = None
    performer_code: str | None = None


def _problem(code: str, message: str, location: str | None = None) -> FindingsError:
    return FindingsError([Finding(code, message, location=location, rule=RULE_NOTE)])


def pydantic_findings(error: ValidationError, name: str | None = None) -> list[Finding]:
    """A pydantic error as findings, one per problem, each naming the field path."""
    return [
        Finding(
            "DOC-INVALID",
            str(item["msg"]).removeprefix("Value error, "),
            file=name,
            location="/".join(str(part) for part in item["loc"]) or None,
            rule=RULE_NOTE,
        )
        for item in error.errors()
    ]


class DoctorsPractice:
    """One doctor's (or association's) practice database and its reference data."""

    def __init__(self, url: str, reference: ReferenceSet | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        self.reference = reference or load_sample_reference()

    def init(self) -> None:
        """Create or upgrade the tables (idempotent)."""
        migrate(self.engine, MIGRATIONS_PACKAGE, MIGRATION_TARGET)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    # --- set-up ---------------------------------------------------------------------------------------------

    def add_doctor(self, code: str, name: str, discipline_code: str) -> None:
        if discipline_code not in set(self.reference["disciplines"]["discipline_code"].to_list()):
            raise _problem("DOC-DISCIPLINE", f"discipline {discipline_code!r} is not in the reference data")
        with self.unit() as session:
            session.add(Doctor(code=code, name=name, discipline_code=discipline_code))

    def add_association(self, code: str, name: str, members: list[tuple[str, date]]) -> None:
        with self.unit() as session:
            session.add(Association(code=code, name=name))
            session.flush()
            for doctor_code, joined_on in members:
                session.add(AssociationMember(association_code=code, doctor_code=doctor_code, joined_on=joined_on))

    def add_patient(self, matricule: str, name: str, fund: str = "CNS", digital_opt_in: bool = False) -> None:
        with self.unit() as session:
            session.add(Patient(matricule=matricule, name=name, fund=fund, digital_opt_in=digital_opt_in))

    def doctor(self, code: str) -> Doctor | None:
        with self.sessions() as session:
            return session.scalars(select(Doctor).where(Doctor.code == code)).first()

    def doctors(self) -> list[Doctor]:
        with self.sessions() as session:
            return list(session.scalars(select(Doctor).order_by(Doctor.code)))

    def association_members(self, association_code: str, on: date) -> list[str]:
        with self.sessions() as session:
            rows = session.scalars(
                select(AssociationMember).where(
                    AssociationMember.association_code == association_code, AssociationMember.joined_on <= on
                )
            )
            return sorted(r.doctor_code for r in rows if r.left_on is None or r.left_on >= on)

    def patient(self, matricule: str) -> Patient | None:
        with self.sessions() as session:
            return session.scalars(select(Patient).where(Patient.matricule == matricule)).first()

    # --- fee notes ------------------------------------------------------------------------------------------

    def price(self, requests: list[ActRequest]) -> tuple[FeeNoteAct, ...]:
        """Fee-note lines at the official tariff valid on each service date."""
        acts = []
        for number, request in enumerate(requests, start=1):
            row = self.reference.act(request.act_code, request.service_date)
            if row is None:
                message = f"act {request.act_code} is not in the nomenclature on {request.service_date}"
                raise _problem("DOC-ACT-UNKNOWN", message, f"act {number}")
            unit = (Decimal(int(row["tariff_cents"])) / 100).quantize(CENT)
            acts.append(
                FeeNoteAct(
                    line=number,
                    act_code=request.act_code,
                    service_date=request.service_date,
                    quantity=request.quantity,
                    unit_amount=unit,
                    amount=(unit * request.quantity).quantize(CENT),
                    device_id=request.device_id,
                    performer_code=request.performer_code,
                )
            )
        return tuple(acts)

    def new_fee_note(
        self,
        fee_note_id: str,
        doctor_code: str,
        patient_matricule: str,
        issued_on: date,
        requests: list[ActRequest],
        mode: BillingMode = BillingMode.REIMBURSEMENT,
        association_code: str | None = None,
    ) -> FeeNote:
        """Price the acts and build the fee note (not saved: ``save_fee_note``)."""
        patient = self.patient(patient_matricule)
        if patient is None:
            raise _problem("DOC-PATIENT", f"patient {patient_matricule} is not known to this practice")
        acts = self.price(requests)
        try:
            return FeeNote(
                fee_note_id=fee_note_id,
                doctor_code=doctor_code,
                association_code=association_code,
                patient_matricule=patient_matricule,
                patient_name=patient.name,
                fund=patient.fund,
                issued_on=issued_on,
                mode=mode,
                acts=acts,
                total=sum((a.amount for a in acts), Decimal("0.00")),
            )
        except ValidationError as error:
            raise FindingsError(pydantic_findings(error)) from None

    def save_fee_note(self, note: FeeNote, status: str = "issued") -> None:
        """Save a fee note; the same id twice is refused (``DOC-DUPLICATE``) and nothing is written."""
        try:
            with self.unit() as session:
                if self.doctor(note.doctor_code) is None:
                    raise _problem("DOC-DOCTOR", f"doctor {note.doctor_code} is not set up in this practice")
                row = FeeNoteRow(
                    fee_note_id=note.fee_note_id,
                    doctor_code=note.doctor_code,
                    association_code=note.association_code,
                    patient_matricule=note.patient_matricule,
                    patient_name=note.patient_name,
                    fund=note.fund,
                    issued_on=note.issued_on,
                    mode=note.mode.value,
                    total=note.total,
                    paid_on=note.paid_on,
                    status=status,
                    created_at=datetime.now(),
                )
                row.acts = [
                    FeeNoteActRow(
                        line=a.line,
                        act_code=a.act_code,
                        service_date=a.service_date,
                        quantity=a.quantity,
                        unit_amount=a.unit_amount,
                        amount=a.amount,
                        device_id=a.device_id,
                        performer_code=a.performer_code,
                    )
                    for a in note.acts
                ]
                session.add(row)
        except IntegrityError:
            raise _problem("DOC-DUPLICATE", f"fee note {note.fee_note_id} is already saved") from None

    def fee_note(self, fee_note_id: str) -> FeeNote | None:
        with self.sessions() as session:
            row = session.scalars(
                select(FeeNoteRow).where(FeeNoteRow.fee_note_id == fee_note_id).options(selectinload(FeeNoteRow.acts))
            ).first()
            return None if row is None else _to_model(row)

    def fee_notes(self, doctor_code: str | None = None) -> list[FeeNote]:
        with self.sessions() as session:
            query = select(FeeNoteRow).options(selectinload(FeeNoteRow.acts)).order_by(FeeNoteRow.fee_note_id)
            if doctor_code:
                query = query.where(FeeNoteRow.doctor_code == doctor_code)
            return [_to_model(row) for row in session.scalars(query)]

    def set_status(self, fee_note_id: str, status: str) -> None:
        with self.unit() as session:
            row = session.scalars(select(FeeNoteRow).where(FeeNoteRow.fee_note_id == fee_note_id)).one()
            row.status = status


def _to_model(row: FeeNoteRow) -> FeeNote:
    return FeeNote(
        fee_note_id=row.fee_note_id,
        doctor_code=row.doctor_code,
        association_code=row.association_code,
        patient_matricule=row.patient_matricule,
        patient_name=row.patient_name,
        fund=row.fund,
        issued_on=row.issued_on,
        mode=BillingMode(row.mode),
        acts=tuple(
            FeeNoteAct(
                line=a.line,
                act_code=a.act_code,
                service_date=a.service_date,
                quantity=a.quantity,
                unit_amount=a.unit_amount,
                amount=a.amount,
                device_id=a.device_id,
                performer_code=a.performer_code,
            )
            for a in row.acts
        ),
        total=row.total,
        paid_on=row.paid_on,
    )
