"""What goes in and out of the eDocuments vault (pydantic): actors, deposits, documents and their statuses."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote

if TYPE_CHECKING:
    from tierspayant.schemes.lu_doctors.reference.digital import Shares


class Status(StrEnum):
    """A document's status, as the doctor, the patient and the fund see it.

    ``deposited``: received, not yet paid (the patient sees it, cannot claim it); ``available``: paid, available to
    the patient for reimbursement; ``submitted``: claimed (from the patient's page or a scanned paper fee note);
    ``reimbursed`` / ``refused``: the fund's decision (a PID payment is ``reimbursed`` at once); ``replaced``: a
    correction replaced this version.
    """

    DEPOSITED = "deposited"
    AVAILABLE = "available"
    SUBMITTED = "submitted"
    REIMBURSED = "reimbursed"
    REFUSED = "refused"
    REPLACED = "replaced"


class Role(StrEnum):
    DOCTOR = "doctor"
    ASSISTANT = "assistant"
    PATIENT = "patient"
    FUND = "fund"


@dataclass(frozen=True)
class Actor:
    """Who calls the vault: ``name`` is the user (or matricule, or fund code); ``doctor_code`` is the doctor a
    doctor or an assistant acts for."""

    role: Role
    name: str
    doctor_code: str | None = None

    @property
    def label(self) -> str:
        return self.name if self.role is not Role.ASSISTANT else f"{self.name} for {self.doctor_code}"


class Deposit(BaseModel):
    """A fee note sent to eDocuments by the doctor's software."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fee_note: FeeNote
    fund_percent: Decimal
    fund_share: Decimal = Field(ge=0)
    patient_share: Decimal = Field(ge=0)
    qr_text: str | None = None
    pdf_base64: str | None = None
    prepared_by: str = Field(min_length=1, max_length=60)

    @classmethod
    def of(cls, note: FeeNote, shares: Shares, qr_text: str | None, pdf: bytes, prepared_by: str) -> Deposit:
        """The deposit of an issued fee note: its shares, its QR text and its page (PDF)."""
        return cls(
            fee_note=note,
            fund_percent=shares.fund_percent,
            fund_share=shares.fund,
            patient_share=shares.patient,
            qr_text=qr_text,
            pdf_base64=base64.b64encode(pdf).decode("ascii"),
            prepared_by=prepared_by,
        )


class Receipt(BaseModel):
    """The vault's confirmation of receipt."""

    receipt: str
    lineage: str
    version: int
    status: Status


class Event(BaseModel):
    status: Status
    at: datetime
    by: str
    reason: str | None = None


class DocumentView(BaseModel):
    """One version of a fee note as the vault shows it (never its PDF: ask for it)."""

    receipt: str
    lineage: str
    version: int
    doctor_code: str
    fee_note_number: str
    patient_matricule: str
    fund: str
    issued_on: date
    total: Decimal
    fund_share: Decimal
    patient_share: Decimal
    paid_on: date | None
    mode: str
    status: Status
    has_qr: bool
    content_sha256: str  # SHA-256 of the canonical document (the QR code carries its first 16 bytes)
    prepared_by: str
    sent_by: str
    deposited_at: datetime
    history: list[Event]


class Decision(BaseModel):
    status: Status
    reason: str | None = None
