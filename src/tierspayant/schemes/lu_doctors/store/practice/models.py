"""Tables of the doctor's side: doctors, associations of doctors, patients, fee notes and their acts.

One database per practice (SQLite file by default, PostgreSQL by URL). A fee note's id is unique, and so is each
(fee note, line): a note saved twice is refused by the database, not only by code. Device tables (issue 11) and
digital fee-note tables (issue 14) come in their own migrations.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tierspayant.schemes.lu_doctors.store.types import Euros
from tierspayant.store.database import CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=CONSTRAINT_NAMING)


class Doctor(Base):
    """A doctor known to this practice, with the discipline that decides which acts and devices apply."""

    __tablename__ = "doctor"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # CNS provider code (8 digits)
    name: Mapped[str] = mapped_column(String(200))
    discipline_code: Mapped[str] = mapped_column(String(10))


class Association(Base):
    """An association of doctors (it may declare devices and bill under its own code)."""

    __tablename__ = "association"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class AssociationMember(Base):
    """A doctor's period in an association."""

    __tablename__ = "association_member"
    __table_args__ = (UniqueConstraint("association_code", "doctor_code", "joined_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_code: Mapped[str] = mapped_column(ForeignKey("association.code"))
    doctor_code: Mapped[str] = mapped_column(ForeignKey("doctor.code"))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class Patient(Base):
    """A patient: matricule, name, fund, and whether they opted for digital healthcare administration."""

    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    matricule: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    fund: Mapped[str] = mapped_column(String(5), default="CNS")
    digital_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)


class FeeNoteRow(Base):
    """A fee note as saved (the pydantic ``FeeNote`` is its in-memory form)."""

    __tablename__ = "fee_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_note_id: Mapped[str] = mapped_column(String(30), unique=True)
    doctor_code: Mapped[str] = mapped_column(ForeignKey("doctor.code"))
    association_code: Mapped[str | None] = mapped_column(String(8))
    patient_matricule: Mapped[str] = mapped_column(String(13), index=True)
    patient_name: Mapped[str] = mapped_column(String(200))
    fund: Mapped[str] = mapped_column(String(5))
    issued_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(Euros)
    paid_on: Mapped[date | None] = mapped_column(Date)
    # draft → issued → sent (deposited / billed); the digital fee-note layer adds its own statuses in its tables
    status: Mapped[str] = mapped_column(String(20), default="issued")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)

    acts: Mapped[list[FeeNoteActRow]] = relationship(
        back_populates="fee_note", order_by="FeeNoteActRow.line", cascade="all, delete-orphan"
    )


class FeeNoteActRow(Base):
    __tablename__ = "fee_note_act"
    __table_args__ = (UniqueConstraint("fee_note_pk", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_note_pk: Mapped[int] = mapped_column(ForeignKey("fee_note.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    act_code: Mapped[str] = mapped_column(String(10))
    service_date: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount: Mapped[Decimal] = mapped_column(Euros)
    amount: Mapped[Decimal] = mapped_column(Euros)
    device_id: Mapped[str | None] = mapped_column(String(20), index=True)
    performer_code: Mapped[str | None] = mapped_column(String(8))

    fee_note: Mapped[FeeNoteRow] = relationship(back_populates="acts")


# --- issue 11: devices and device flat rates (migration 0002_devices) -------------------------------------------


class PracticeDevice(Base):
    """A device as the practice knows it: declared (waiting), registered with the fund's figures, refused or
    closed; or adopted with the identifier a colleague passed on."""

    __tablename__ = "practice_device"
    __table_args__ = (UniqueConstraint("declaration_file", "declaration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    declaration_file: Mapped[str | None] = mapped_column(String(120))
    declaration_number: Mapped[int | None] = mapped_column(Integer)
    kind_code: Mapped[str] = mapped_column(String(10))
    discipline_code: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    serial_number: Mapped[str] = mapped_column(String(200))
    # declared | registered | refused | closing | closed | adopted
    status: Mapped[str] = mapped_column(String(12))
    in_use_from: Mapped[date | None] = mapped_column(Date)
    class_code: Mapped[str | None] = mapped_column(String(10))
    annual_threshold: Mapped[int | None] = mapped_column(Integer)
    amortisation_total: Mapped[int | None] = mapped_column(Integer)
    full_code: Mapped[str | None] = mapped_column(String(10))
    reduced_code: Mapped[str | None] = mapped_column(String(10))
    closed_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[str | None] = mapped_column(Text)


class FlatRateClaim(Base):
    """One flat-rate line billed: on a PID fee note or a third-party flat-rate note; what the return said of it."""

    __tablename__ = "flat_rate_claim"
    __table_args__ = (
        UniqueConstraint("fee_note_id", "line"),
        Index("ix_flat_rate_claim_device_date", "device_id", "service_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_note_id: Mapped[str] = mapped_column(String(30))  # the note that bills the flat rate (= invoice number)
    line: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(12))  # pid | tiers_payant
    doctor_code: Mapped[str] = mapped_column(String(8))
    matricule: Mapped[str] = mapped_column(String(13))
    fund: Mapped[str] = mapped_column(String(5))
    device_id: Mapped[str] = mapped_column(String(20))
    service_date: Mapped[date] = mapped_column(Date)
    billed_code: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Euros)
    technical_act: Mapped[str | None] = mapped_column(String(10))
    patient_note_id: Mapped[str | None] = mapped_column(String(30))  # third party: the patient's fee note
    # draft → sent → paid | refused
    status: Mapped[str] = mapped_column(String(10), default="draft")
    sent_in: Mapped[str | None] = mapped_column(String(120))
    paid_code: Mapped[str | None] = mapped_column(String(10))
    covered: Mapped[Decimal | None] = mapped_column(Euros)
    anomalies: Mapped[str | None] = mapped_column(Text)


class DeviceExchangeFile(Base):
    """A file sent to or received from the fund, kept as sent; a return imported twice changes nothing."""

    __tablename__ = "device_exchange_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_type: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    content: Mapped[bytes] = mapped_column(LargeBinary)
