"""Tables of the practice side: set-up, patients, prescriptions, authorisation, sessions, billing and returns.

One database per practice (SQLite file by default, PostgreSQL by URL). Exchange files are recorded with their
SHA-256 so that importing the same return twice changes nothing; a second FAC for the same facturier and month is
refused by a unique constraint, not only by code.
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

from tierspayant.schemes.lu_kin.store.practice.types import Euros, Percent
from tierspayant.store.database import CONSTRAINT_NAMING

NAMING = CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Practice(Base):
    """The practice: where it is, how it invoices, when it opened or closed (for the IT flat rate proration)."""

    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="LU")
    # separate | association | group
    invoicing_form: Mapped[str] = mapped_column(String(20))
    # the common association code or the group's billing physiotherapist; None for separate invoicing
    facturier_code: Mapped[str | None] = mapped_column(String(8))
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class Physiotherapist(Base):
    __tablename__ = "physiotherapist"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Membership(Base):
    """A physiotherapist's period in an association (common code) or a joint-invoicing group (declared performer)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("facturier_code", "performer_code", "joined_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facturier_code: Mapped[str] = mapped_column(String(8), index=True)
    performer_code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))  # association | group
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class Patient(Base):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    matricule: Mapped[str] = mapped_column(String(13), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    fund: Mapped[str] = mapped_column(String(5))  # CNS | CMFEP | CMFEC | EMCFL | AAA
    third_party: Mapped[bool] = mapped_column(Boolean, default=True)
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(5))  # fr | de | en: the printed documents' (None: the user's)


class Prescription(Base):
    __tablename__ = "prescription"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    prescriber_code: Mapped[str] = mapped_column(String(8))
    prescribed_on: Mapped[date] = mapped_column(Date)
    pathology_category: Mapped[str] = mapped_column(String(30))
    performer_code: Mapped[str] = mapped_column(String(8))
    place_category: Mapped[str] = mapped_column(String(10))
    accident: Mapped[bool] = mapped_column(Boolean, default=False)
    accident_date: Mapped[date | None] = mapped_column(Date)
    scan_name: Mapped[str] = mapped_column(String(200))
    scan_sha256: Mapped[str] = mapped_column(String(64))
    # deferred: a scan weighs up to a few MB and only the DEMAUT package needs it (loaded there with ``undefer``)
    scan: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # pending (not yet requested) | requested | accepted | refused | suspended
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[Patient] = relationship()
    acts: Mapped[list[PrescriptionAct]] = relationship(
        order_by="PrescriptionAct.id", cascade="all, delete-orphan", back_populates="prescription"
    )


class PrescriptionAct(Base):
    __tablename__ = "prescription_act"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescription.id"), index=True)
    act_code: Mapped[str] = mapped_column(String(10))
    sessions: Mapped[int] = mapped_column(Integer)

    prescription: Mapped[Prescription] = relationship(back_populates="acts")


class ExchangeFile(Base):
    """Every file built or imported. ``sha256`` makes a re-import recognisable; ``name`` is the KIN file name."""

    __tablename__ = "exchange_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    file_type: Mapped[str] = mapped_column(String(6))  # DEMAUT | RETAUT | FAC | RETFAC
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    facturier_code: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    # a return file: the DEMAUT / FAC it answers; a RETFAC also gives the deposit date and the payment due date
    answers_file_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_file.id"))
    deposit_date: Mapped[date | None] = mapped_column(Date)
    payment_due_date: Mapped[date | None] = mapped_column(Date)
    returned_untreated: Mapped[bool] = mapped_column(Boolean, default=False)


class BillingMonth(Base):
    """One FAC per facturier per calendar month (art. 20): the unique key refuses a second one."""

    __tablename__ = "billing_month"
    __table_args__ = (UniqueConstraint("facturier_code", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facturier_code: Mapped[str] = mapped_column(String(8))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    exchange_file_id: Mapped[int] = mapped_column(ForeignKey("exchange_file.id"))


class AuthorisationRequest(Base):
    """One prescription sent in one DEMAUT; its decision comes back in a RETAUT."""

    __tablename__ = "authorisation_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(30), unique=True)  # the identifier written in the DEMAUT
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescription.id"), index=True)
    demaut_file_id: Mapped[int] = mapped_column(ForeignKey("exchange_file.id"))
    decision: Mapped[str | None] = mapped_column(String(10))  # accord | refus | suspens (None: no answer yet)
    motivation: Mapped[str | None] = mapped_column(Text)
    retaut_file_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_file.id"))

    prescription: Mapped[Prescription] = relationship()
    anomalies: Mapped[list[RequestAnomaly]] = relationship(order_by="RequestAnomaly.id", cascade="all, delete-orphan")


class RequestAnomaly(Base):
    __tablename__ = "request_anomaly"

    id: Mapped[int] = mapped_column(primary_key=True)
    authorisation_request_id: Mapped[int] = mapped_column(ForeignKey("authorisation_request.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(Text)
    remark: Mapped[str | None] = mapped_column(Text)


class Titre(Base):
    """A titre de prise en charge: the accord of a request, identified for billing."""

    __tablename__ = "titre"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(30), unique=True)
    # None for a titre recorded from the paper the insured brought (no request of the practice behind it)
    authorisation_request_id: Mapped[int | None] = mapped_column(ForeignKey("authorisation_request.id"))
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescription.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    coverage_rate: Mapped[Decimal] = mapped_column(Percent)
    # electronic: granted on the practice's DEMAUT (third-party payment possible) | post: the insured sent the
    # prescription by post and brought the paper titre — no third-party payment (seed 002)
    channel: Mapped[str] = mapped_column(String(10), default="electronic", server_default="electronic")

    patient: Mapped[Patient] = relationship()
    prescription: Mapped[Prescription] = relationship()
    acts: Mapped[list[TitreAct]] = relationship(order_by="TitreAct.id", cascade="all, delete-orphan")


class TitreAct(Base):
    __tablename__ = "titre_act"

    id: Mapped[int] = mapped_column(primary_key=True)
    titre_id: Mapped[int] = mapped_column(ForeignKey("titre.id"), index=True)
    act_code: Mapped[str] = mapped_column(String(10))
    sessions: Mapped[int] = mapped_column(Integer)


class TreatmentSession(Base):
    """A session done under a titre. ``rebill`` is set when a contested line was corrected and must go out again."""

    __tablename__ = "treatment_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    titre_id: Mapped[int] = mapped_column(ForeignKey("titre.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    performed_on: Mapped[date] = mapped_column(Date, index=True)
    act_code: Mapped[str] = mapped_column(String(10))
    performer_code: Mapped[str] = mapped_column(String(8))
    place_category: Mapped[str] = mapped_column(String(10))
    facturier_code: Mapped[str] = mapped_column(String(8), index=True)
    rebill: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # cancelled after a refused line (an unbilled session is deleted): kept so the history stays whole
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    titre: Mapped[Titre] = relationship()
    patient: Mapped[Patient] = relationship()


class BilledLine(Base):
    """One session on one FAC; the RETFAC fills in what the fund covered. A re-billed session gets a new line."""

    __tablename__ = "billed_line"
    __table_args__ = (UniqueConstraint("fac_file_id", "invoice_number", "line_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    fac_file_id: Mapped[int] = mapped_column(ForeignKey("exchange_file.id"), index=True)
    billing_month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM of the FAC
    invoice_number: Mapped[str] = mapped_column(String(30))
    line_number: Mapped[int] = mapped_column(Integer)
    tariff: Mapped[Decimal] = mapped_column(Euros)
    insured_share: Mapped[Decimal] = mapped_column(Euros)
    amount_asked: Mapped[Decimal] = mapped_column(Euros)
    # billed (no return yet) | paid | reduced | refused
    status: Mapped[str] = mapped_column(String(10), default="billed")
    amount_covered: Mapped[Decimal | None] = mapped_column(Euros)
    returned_insured_share: Mapped[Decimal | None] = mapped_column(Euros)
    retfac_file_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_file.id"))

    session: Mapped[TreatmentSession] = relationship()
    anomalies: Mapped[list[LineAnomaly]] = relationship(order_by="LineAnomaly.id", cascade="all, delete-orphan")


class LineAnomaly(Base):
    __tablename__ = "line_anomaly"

    id: Mapped[int] = mapped_column(primary_key=True)
    billed_line_id: Mapped[int] = mapped_column(ForeignKey("billed_line.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(Text)
    remark: Mapped[str | None] = mapped_column(Text)


class PatientInvoice(Base):
    """The insured share invoiced to a patient on a printed mémoire d'honoraires."""

    __tablename__ = "patient_invoice"
    __table_args__ = (UniqueConstraint("patient_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    month: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal] = mapped_column(Euros)
    path: Mapped[str] = mapped_column(Text)
    printed_at: Mapped[datetime] = mapped_column(DateTime)


class ItFlatRateRequest(Base):
    """The annual IT flat rate asked for a year: one per postal address (``address_key``) and year."""

    __tablename__ = "it_flat_rate_request"
    __table_args__ = (UniqueConstraint("year", "address_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    address_key: Mapped[str] = mapped_column(String(300))
    services_counted: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Euros)
    eligible: Mapped[bool] = mapped_column(Boolean)
    requested_on: Mapped[date] = mapped_column(Date)
