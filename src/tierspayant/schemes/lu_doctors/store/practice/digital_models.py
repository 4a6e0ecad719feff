"""The doctor's tables of digital fee notes (issue 14), on the practice store's metadata: the patient's dated
choice of digital healthcare administration, the assistants' delegated rights, and each fee note's digital life
(eDocuments receipt and status, PID outcome, who prepared, signed and sent it)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tierspayant.schemes.lu_doctors.store.practice.models import Base
from tierspayant.schemes.lu_doctors.store.types import Euros


class DigitalChoice(Base):
    """A patient's choice, dated: the latest choice on or before a day is the one in force that day."""

    __tablename__ = "digital_choice"
    __table_args__ = (UniqueConstraint("matricule", "chosen_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matricule: Mapped[str] = mapped_column(String(13), index=True)
    opted_in: Mapped[bool] = mapped_column(Boolean)
    chosen_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class AssistantRight(Base):
    """A right (prepare, sign, send) the doctor delegated to an assistant; revoked rows are kept."""

    __tablename__ = "assistant_right"

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant: Mapped[str] = mapped_column(String(60), index=True)
    doctor_code: Mapped[str] = mapped_column(String(8))
    right: Mapped[str] = mapped_column(String(10))
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class DigitalFeeNote(Base):
    """One fee note's digital state on the doctor's side (mirrors eDocuments after each refresh)."""

    __tablename__ = "digital_fee_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_note_id: Mapped[str] = mapped_column(String(30), unique=True)
    doctor_code: Mapped[str] = mapped_column(String(8), index=True)
    with_qr: Mapped[bool] = mapped_column(Boolean)
    sent: Mapped[bool] = mapped_column(Boolean)
    receipt: Mapped[str | None] = mapped_column(String(40))
    lineage: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12))  # not_sent | eDocuments statuses
    fund_share: Mapped[Decimal] = mapped_column(Euros)
    patient_share: Mapped[Decimal] = mapped_column(Euros)
    pid_state: Mapped[str | None] = mapped_column(String(10))  # paid | refused | fallback
    pid_transfer_id: Mapped[str | None] = mapped_column(String(35))
    pid_amount: Mapped[Decimal | None] = mapped_column(Euros)
    pid_reason: Mapped[str | None] = mapped_column(Text)
    reimbursed_reason: Mapped[str | None] = mapped_column(Text)
    prepared_by: Mapped[str] = mapped_column(String(60))
    signed_by: Mapped[str | None] = mapped_column(String(60))
    sent_by: Mapped[str | None] = mapped_column(String(60))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
