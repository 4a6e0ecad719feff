"""Tables of the fund's (CNS) side of the device flat rates: the device register, received files, paid flat rates.

The same file twice is never paid twice, by the database itself: a received file is unique by name, by SHA-256 and
by (provider, type, reference); a paid flat rate is unique by (billing code, invoice, line).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierspayant.schemes.lu_doctors.store.types import Euros
from tierspayant.store.database import CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=CONSTRAINT_NAMING)


class ReceivedFile(Base):
    __tablename__ = "received_file"
    __table_args__ = (UniqueConstraint("provider_code", "file_type", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_type: Mapped[str] = mapped_column(String(8))
    provider_code: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # treated | rejected
    answer_name: Mapped[str | None] = mapped_column(String(120))
    answer: Mapped[str | None] = mapped_column(Text)  # the answer file as sent (XML text)


class Device(Base):
    """One declared device: what the register answered, and its closing when taken out of service."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), unique=True)
    declarant_code: Mapped[str] = mapped_column(String(8))
    kind_code: Mapped[str] = mapped_column(String(10))
    discipline_code: Mapped[str] = mapped_column(String(10))
    nature: Mapped[str] = mapped_column(String(10))  # nouveau | occasion
    brand: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    serial_number: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200))
    in_hospital: Mapped[bool] = mapped_column(Boolean, default=False)
    acquisition: Mapped[str] = mapped_column(String(10))
    purchase_country: Mapped[str | None] = mapped_column(String(2))
    acquisition_value: Mapped[Decimal] = mapped_column(Euros)
    class_code: Mapped[str] = mapped_column(String(10))
    annual_threshold: Mapped[int] = mapped_column(Integer)
    amortisation_total: Mapped[int] = mapped_column(Integer)
    full_code: Mapped[str] = mapped_column(String(10))
    reduced_code: Mapped[str] = mapped_column(String(10))
    in_use_from: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)  # first day out of service
    close_reason: Mapped[str | None] = mapped_column(String(10))
    registered_on: Mapped[date] = mapped_column(Date)
    file_id: Mapped[int] = mapped_column(ForeignKey("received_file.id"))


class DeviceUser(Base):
    __tablename__ = "device_user"
    __table_args__ = (UniqueConstraint("device_id", "doctor_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.device_id"))
    doctor_code: Mapped[str] = mapped_column(String(8))


class PatientAct(Base):
    """A technical act billed to a patient (reimbursement claim or digital fee note) as the fund knows it: what a
    third-party flat rate is matched against."""

    __tablename__ = "patient_act"
    __table_args__ = (
        UniqueConstraint("fee_note_id", "doctor_code", "line"),
        Index("ix_patient_act_match", "matricule", "service_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_note_id: Mapped[str] = mapped_column(String(30))
    doctor_code: Mapped[str] = mapped_column(String(8))
    line: Mapped[int] = mapped_column(Integer)
    matricule: Mapped[str] = mapped_column(String(13))
    service_date: Mapped[date] = mapped_column(Date)
    act_code: Mapped[str] = mapped_column(String(10))


class PaidFlatRate(Base):
    """A flat-rate line the fund accepted (full or reduced): the history the threshold and amortisation count on."""

    __tablename__ = "paid_flat_rate"
    __table_args__ = (
        UniqueConstraint("billing_code", "invoice_number", "line"),
        Index("ix_paid_flat_rate_device_year", "device_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("received_file.id"))
    billing_code: Mapped[str] = mapped_column(String(8))
    invoice_number: Mapped[str] = mapped_column(String(30))
    line: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(12))
    doctor_code: Mapped[str] = mapped_column(String(8))
    matricule: Mapped[str] = mapped_column(String(13))
    device_id: Mapped[str] = mapped_column(String(20))
    service_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    billed_code: Mapped[str] = mapped_column(String(10))
    paid_code: Mapped[str] = mapped_column(String(10))
    full_rate: Mapped[bool] = mapped_column(Boolean)
    covered: Mapped[Decimal] = mapped_column(Euros)
    technical_act: Mapped[str | None] = mapped_column(String(10))
    fee_note_ref: Mapped[str | None] = mapped_column(String(30))
    payment_date: Mapped[date] = mapped_column(Date)
