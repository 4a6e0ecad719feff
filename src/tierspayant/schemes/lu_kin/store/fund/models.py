"""Tables of the fund side (the CNS engine). The fund never shares tables with a practice: they exchange files.

Money is integer cents (exact on SQLite and PostgreSQL alike, and cheap to bulk-insert a million ledger rows).
Only files that were accepted are recorded: a file returned untreated leaves no row (the issue's "nothing recorded").
Database constraints back the rules that protect money: one accepted file per provider reference, one FAC per
facturier and calendar month, one ledger row per patient, day and act (a service is never paid twice).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
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
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierspayant.store.database import CONSTRAINT_NAMING

NAMING = CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- reference data versions (the files themselves, exactly as loaded) ---


class ReferenceVersion(Base):
    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16), unique=True)
    source: Mapped[str] = mapped_column(String(500))
    sample: Mapped[bool] = mapped_column(Boolean)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class ReferenceFile(Base):
    __tablename__ = "reference_file"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("reference_version.id"))
    name: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)


# --- registries ---


class Insured(Base):
    """A protected person known to the fund (personne protégée)."""

    __tablename__ = "insured"

    matricule: Mapped[str] = mapped_column(String(13), primary_key=True)
    birth_date: Mapped[date] = mapped_column(Date)


class Affiliation(Base):
    """A period during which the person is affiliated to a fund (CNS, CMFEP, …)."""

    __tablename__ = "affiliation"

    id: Mapped[int] = mapped_column(primary_key=True)
    matricule: Mapped[str] = mapped_column(ForeignKey("insured.matricule"), index=True)
    fund: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)


class Provider(Base):
    """A provider code: a physiotherapist, a liberal association, a joint-invoicing group or an institution."""

    __tablename__ = "provider"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))


class Membership(Base):
    """A member of an association (common code) or of a declared joint-invoicing group, for a period."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_code: Mapped[str] = mapped_column(ForeignKey("provider.code"), index=True)
    member_code: Mapped[str] = mapped_column(ForeignKey("provider.code"))
    kind: Mapped[str] = mapped_column(String(20))  # association | joint_invoicing
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    # import: an official (or SAMPLE) file (registries.add_provider) | registration: fund.registrations
    source: Mapped[str] = mapped_column(String(12), default="import", server_default="import")


# --- registrations (seed 002: provider codes, joint-invoicing groups, liberal associations) ---


class Registration(Base):
    """One request to the fund: a provider-code application, or a group's / association's member declarations."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # provider_code | member_declaration
    applicant: Mapped[str] = mapped_column(String(200))  # who asked
    provider_kind: Mapped[str] = mapped_column(String(20))  # physiotherapist | association | group | institution
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))  # pending | granted | refused | declared | confirmed
    provider_code: Mapped[str | None] = mapped_column(String(8), index=True)  # granted code, or the group's code
    reason: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


class RegistrationDocument(Base):
    """A document sent with a registration, kept exactly as received (PDF only)."""

    __tablename__ = "registration_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class RegistrationEvent(Base):
    """The history of a registration: who did what, when (applied, refused, granted, declared, confirmed)."""

    __tablename__ = "registration_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")


class MemberChange(Base):
    """A performer joining or leaving a joint-invoicing group or a liberal association from a date. A group's change
    counts once declared; an association's once the member confirmed it by a signed document."""

    __tablename__ = "member_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    group_code: Mapped[str] = mapped_column(ForeignKey("provider.code"), index=True)
    member_code: Mapped[str] = mapped_column(ForeignKey("provider.code"))
    change: Mapped[str] = mapped_column(String(5))  # join | leave
    on_date: Mapped[date] = mapped_column(Date)  # join: first day in; leave: first day out
    employment: Mapped[str] = mapped_column(String(10))  # employee | freelance
    document_id: Mapped[int | None] = mapped_column(ForeignKey("registration_document.id"))


class PaperRequest(Base):
    """An insured person's postal request for validation (seed 002), recorded by a fund agent and answered on paper:
    a titre (``channel='post'``: never billed in third-party payment, K218) or a written refusal with its reasons."""

    __tablename__ = "paper_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    matricule: Mapped[str] = mapped_column(String(13), index=True)
    received_on: Mapped[date] = mapped_column(Date)  # the day the post brought it
    prescriber_code: Mapped[str] = mapped_column(String(8))
    prescription_date: Mapped[date] = mapped_column(Date)
    pathology: Mapped[str] = mapped_column(String(20))
    acts: Mapped[str] = mapped_column(Text)  # JSON list of [act code, sessions] as prescribed
    facturier: Mapped[str] = mapped_column(String(8), default="")  # the practice the insured names, if any
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10))  # pending | granted | refused
    reason: Mapped[str | None] = mapped_column(Text)
    titre_id: Mapped[str | None] = mapped_column(String(14))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    letter: Mapped[bytes | None] = mapped_column(LargeBinary)  # the answer as posted (PDF)


# --- intake ---


class Deposit(Base):
    """An accepted file: who, which reference, when acknowledged, what it amounted to."""

    __tablename__ = "deposit"
    __table_args__ = (UniqueConstraint("provider_code", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    provider_code: Mapped[str] = mapped_column(String(8))
    file_type: Mapped[str] = mapped_column(String(6))
    reference: Mapped[str] = mapped_column(String(30))
    period_year: Mapped[int] = mapped_column(Integer)
    period_month: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    payment_due_on: Mapped[date | None] = mapped_column(Date)
    reference_version: Mapped[str] = mapped_column(String(16))
    item_count: Mapped[int] = mapped_column(Integer)  # requests (DEMAUT) or lines (FAC)
    accepted_count: Mapped[int] = mapped_column(Integer)  # accords or lines paid (fully or reduced)
    asked_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    covered_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    outcome_json: Mapped[str] = mapped_column(Text)  # the ProcessOutcome summary, returned again for a duplicate
    # False from the commit until the return files and receipts of its first delivery are all in the outbox
    answers_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())


class BillingMonth(Base):
    """One FAC per facturier and calendar month (art. 20): the primary key makes a second one impossible."""

    __tablename__ = "billing_month"

    provider_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id"))


class FindingSet(Base):
    """Every finding the rules made on an accepted file, as one Parquet document (rule, code, level, effect, key,
    detail, where). A national FAC can carry hundreds of thousands of findings: they are written and read back as a
    whole (``explain``, a duplicate's outcome), so one compressed columnar value per file costs a fraction of a row
    per finding. ``count`` and ``codes`` (code → count) stay queryable."""

    __tablename__ = "finding_set"

    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    codes: Mapped[str] = mapped_column(Text)  # JSON object: anomaly code → number of findings
    parquet: Mapped[bytes] = mapped_column(LargeBinary)


# --- authorisations ---


class Counter(Base):
    """Named sequences (titre serials per year): incremented inside the file's transaction."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Decision(Base):
    """The decision on one authorisation request."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("deposit_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id"))
    request_id: Mapped[str] = mapped_column(String(30))
    matricule: Mapped[str] = mapped_column(String(13))
    outcome: Mapped[str] = mapped_column(String(8))  # ACCORD | REFUS | SUSPENS
    titre_id: Mapped[str | None] = mapped_column(String(14))
    # a suspended request: what an accord would grant (JSON), decided later (fund.advice) without a new DEMAUT
    pending: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)  # a suspended request decided later: when


class Titre(Base):
    """A titre de prise en charge: the accord quoted on every billed line."""

    __tablename__ = "titre"

    titre_id: Mapped[str] = mapped_column(String(14), primary_key=True)
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposit.id"))
    request_id: Mapped[str] = mapped_column(String(30))
    matricule: Mapped[str] = mapped_column(String(13), index=True)
    facturier: Mapped[str] = mapped_column(String(8))
    prescriber_code: Mapped[str] = mapped_column(String(8))
    prescription_date: Mapped[date] = mapped_column(Date)
    pathology: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    rate_e2: Mapped[int] = mapped_column(Integer)  # coverage rate in 1/100 %
    first_service_on: Mapped[date | None] = mapped_column(Date)  # first paid session (the 30-day start delay)
    # electronic: granted on a DEMAUT (third-party payment) | post: the insured asked by post and got a paper titre,
    # which is never billed in third-party payment (seed 002, rule K218)
    channel: Mapped[str] = mapped_column(String(10), default="electronic", server_default="electronic")


class TitreAct(Base):
    """An act covered by a titre, the sessions authorised and the sessions paid so far (kept in step by the ledger)."""

    __tablename__ = "titre_act"

    titre_id: Mapped[str] = mapped_column(ForeignKey("titre.titre_id"), primary_key=True)
    act_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer)
    sessions_paid: Mapped[int] = mapped_column(Integer, default=0)


# --- billing ---


class LedgerEntry(Base):
    """An accepted (paid) service. Its key — patient, day, act — is the last guard against paying one service twice.

    Kept narrow and clustered on that key on purpose (a national month is a million rows, inserted in key order;
    SQLite stores it WITHOUT ROWID: one B-tree instead of a table plus an index): what was paid, for whom, when, on
    which titre and line; the facturier and the file's other amounts are on the deposit and in the return file.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = ({"sqlite_with_rowid": False},)

    matricule: Mapped[str] = mapped_column(String(13), primary_key=True)
    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    act_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id"))
    titre_id: Mapped[str] = mapped_column(String(14))
    performer_code: Mapped[str] = mapped_column(String(8))
    invoice_number: Mapped[str] = mapped_column(String(30))
    line_number: Mapped[int] = mapped_column(Integer)
    covered_cents: Mapped[int] = mapped_column(BigInteger)


class Payment(Base):
    """What the fund owes a facturier for one accepted FAC, due 30 days after the acknowledgement (art. 21–22)."""

    __tablename__ = "payment"

    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id"), primary_key=True)
    facturier: Mapped[str] = mapped_column(String(8), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)


# --- the annual IT flat rate (seed 002, convention art. 38) ---


class ItFlatRateRequest(Base):
    """A practice's request for the IT flat rate of one year and the fund's decision on it (fund.it_flat_rate).

    Refused requests are kept too (the answer and its reason); only accepted ones are paid, in June, by a payment run.
    """

    __tablename__ = "it_flat_rate_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    received_on: Mapped[date] = mapped_column(Date)
    practice_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400))  # as written on the form
    address_key: Mapped[str] = mapped_column(String(400), index=True)  # normalised: one payment per postal address
    unit: Mapped[str | None] = mapped_column(String(100))  # floor or unit of a separate practice at a shared address
    evidence_name: Mapped[str | None] = mapped_column(String(255))  # the supporting document of a separate practice
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    facturiers: Mapped[str] = mapped_column(String(200))  # the codes the practice bills under, sorted, space-separated
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    services_claimed: Mapped[int | None] = mapped_column(Integer)  # what the form says (information only)
    services_counted: Mapped[int] = mapped_column(Integer)  # what the fund's ledger says (decides)
    threshold: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    days_active: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # accepted | refused
    reasons: Mapped[str] = mapped_column(Text, default="")  # JSON list of findings (code, message) when refused
    reference_version: Mapped[str] = mapped_column(String(16))
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_file: Mapped[str | None] = mapped_column(String(255))


class ItFlatRateCode(Base):
    """A facturier code paid for a year: the primary key makes a second accepted request for it impossible."""

    __tablename__ = "it_flat_rate_code"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("it_flat_rate_request.id"))


Index("ix_deposit_provider_type", Deposit.provider_code, Deposit.file_type)
