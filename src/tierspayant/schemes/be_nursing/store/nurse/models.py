"""Tables of the nurse's (or nursing group's) side of eFact: visits to invoice, sendings, and what replies said.

One database per nurse or group (SQLite by default, PostgreSQL by URL); it never shares tables with a mutuality.
A sending number is unique per third-party number by constraint (never re-used once used), replies are recorded
with their SHA-256 so importing the same reply twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierspayant.store.database import CONSTRAINT_NAMING

NAMING = CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NurseSending(Base):
    """A 920000 built and sent; ``status``: sent, acknowledged, refused (920999), rejected (920099: resend with the
    same number), informative (920098), settled (920900)."""

    __tablename__ = "nurse_sending"
    __table_args__ = (UniqueConstraint("third_party_number", "sending_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    third_party_number: Mapped[str] = mapped_column(String(12))
    sending_number: Mapped[int] = mapped_column(Integer)
    invoiced_period: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="sent")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    payment_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class NurseVisit(Base):
    """One visit to invoice; ``status``: pending, invoiced, accepted, rejected (to correct), informative."""

    __tablename__ = "nurse_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(25), unique=True)  # record 50 zone 28: finds the line in replies
    origin: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the visit as first recorded
    patient_niss: Mapped[str] = mapped_column(String(11), index=True)
    service_date: Mapped[date] = mapped_column(Date)
    nomenclature_code: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, object]] = mapped_column(JSON)  # the visit as recorded (amounts as text, eID reading)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    sending_id: Mapped[int | None] = mapped_column(ForeignKey("nurse_sending.id"), nullable=True)
    rejection_codes: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    comment: Mapped[str] = mapped_column(Text, default="")
    corrections: Mapped[int] = mapped_column(Integer, default=0)


class NursePatient(Base):
    """A patient and the insurability answer (801900) stored for them, reused in records 20 and 51."""

    __tablename__ = "nurse_patient"

    niss: Mapped[str] = mapped_column(String(11), primary_key=True)
    data: Mapped[dict[str, object]] = mapped_column(JSON)


class NurseReply(Base):
    """A reply imported (by its SHA-256: the same file twice is recognised)."""

    __tablename__ = "nurse_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(6))
    sending_id: Mapped[int | None] = mapped_column(ForeignKey("nurse_sending.id"), nullable=True)
    file_name: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime)
