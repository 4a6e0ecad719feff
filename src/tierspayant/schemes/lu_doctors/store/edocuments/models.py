"""Tables of the eDocuments vault: every deposited fee note version with its lineage and status history, the
doctors' published QR keys, and the audit of every access.

A fee note's versions share a ``lineage`` (the receipt id of its first version); (doctor, fee note number,
version) is unique, so a version deposited twice is refused by the database, not only by code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
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


class Document(Base):
    """One version of one fee note as deposited."""

    __tablename__ = "edoc_document"
    __table_args__ = (UniqueConstraint("doctor_code", "fee_note_number", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)  # the identifier confirming receipt
    lineage: Mapped[str] = mapped_column(String(40), index=True)  # receipt of the first version
    version: Mapped[int] = mapped_column(Integer)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("edoc_document.id"))
    doctor_code: Mapped[str] = mapped_column(String(8), index=True)
    fee_note_number: Mapped[str] = mapped_column(String(30))
    patient_matricule: Mapped[str] = mapped_column(String(13), index=True)
    fund: Mapped[str] = mapped_column(String(5))
    issued_on: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Euros)
    fund_share: Mapped[Decimal] = mapped_column(Euros)
    patient_share: Mapped[Decimal] = mapped_column(Euros)
    paid_on: Mapped[date | None] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the canonical document (JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    qr_text: Mapped[str | None] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), index=True)
    prepared_by: Mapped[str] = mapped_column(String(60))  # the user who prepared it (the doctor or an assistant)
    sent_by: Mapped[str] = mapped_column(String(60))
    deposited_at: Mapped[datetime] = mapped_column(DateTime)

    events: Mapped[list[StatusEvent]] = relationship(order_by="StatusEvent.id", cascade="all, delete-orphan")


class StatusEvent(Base):
    """Each status a document went through, who set it and why."""

    __tablename__ = "edoc_status_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("edoc_document.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime)
    by: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)


class IssuerKey(Base):
    """A doctor's published QR signing key (public half, as a JWK entry of the key set)."""

    __tablename__ = "edoc_issuer_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    doctor_code: Mapped[str] = mapped_column(String(8), index=True)
    entry: Mapped[str] = mapped_column(Text)  # the JSON entry of the key set
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime] = mapped_column(DateTime)


class AccessLog(Base):
    """Every read or write of a fee note or of a patient's documents: who, as what, did what, when."""

    __tablename__ = "edoc_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(12))
    on_behalf_of: Mapped[str | None] = mapped_column(String(13))
    action: Mapped[str] = mapped_column(String(30))
    receipt: Mapped[str | None] = mapped_column(String(40), index=True)
    patient_matricule: Mapped[str | None] = mapped_column(String(13), index=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
