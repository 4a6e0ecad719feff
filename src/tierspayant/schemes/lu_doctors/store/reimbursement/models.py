"""Tables of the fund's digital fee-note processing.

``payment`` has one row per fee note (unique doctor + number), whatever the channel (patient's page, scanned
paper, PID): a fee note claimed twice is paid once, by the database's unique constraint as well as by code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierspayant.schemes.lu_doctors.store.types import Euros
from tierspayant.store.database import CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=CONSTRAINT_NAMING)


class Insured(Base):
    """Which fund a person is insured with, over a period (the CNS pays for all four funds)."""

    __tablename__ = "dfn_insured"
    __table_args__ = (UniqueConstraint("matricule", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matricule: Mapped[str] = mapped_column(String(13), index=True)
    fund: Mapped[str] = mapped_column(String(5))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Claim(Base):
    """Every claim the fund received (page, paper, PID) and what became of it."""

    __tablename__ = "dfn_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_code: Mapped[str] = mapped_column(String(8), index=True)
    fee_note_number: Mapped[str] = mapped_column(String(30))
    receipt: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # paid | refused
    reason_code: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)


class Payment(Base):
    """The fund's share of one fee note, paid once: to the patient (reimbursement) or to the doctor (PID)."""

    __tablename__ = "dfn_payment"
    __table_args__ = (UniqueConstraint("doctor_code", "fee_note_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_code: Mapped[str] = mapped_column(String(8), index=True)
    fee_note_number: Mapped[str] = mapped_column(String(30))
    receipt: Mapped[str] = mapped_column(String(40))
    matricule: Mapped[str] = mapped_column(String(13), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # page | paper | pid
    payee: Mapped[str] = mapped_column(String(8))  # patient | doctor
    fund_percent: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Euros)
    transfer_id: Mapped[str] = mapped_column(String(35), unique=True)  # SEPA end-to-end id (≤ 35 characters)
    paid_at: Mapped[datetime] = mapped_column(DateTime)


class CompensationStatement(Base):
    """The compensation of digital sending owed to one doctor for one period, and when it was paid."""

    __tablename__ = "dfn_compensation"
    __table_args__ = (UniqueConstraint("doctor_code", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_code: Mapped[str] = mapped_column(String(8), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    documents: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Euros)
    detail: Mapped[str] = mapped_column(Text)  # the sub-periods: count × amount per document
    created_at: Mapped[datetime] = mapped_column(DateTime)
    paid_on: Mapped[date | None] = mapped_column(Date)
    transfer_id: Mapped[str | None] = mapped_column(String(35))
