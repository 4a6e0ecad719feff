"""Tables of the mutuality side (REFAC).

- ``refac_sending``: every sending processed, with its outcome (one row per reception, accepted or not);
- ``refac_sending_number``: the numbers taken for good — a number once accepted can never be used again by the same
  third party in the same invoiced year, even after a cancellation (negative invoicing); the primary key makes two
  concurrent acceptances of one number impossible, not only unlikely;
- ``refac_ledger_segment``: the ledger of accepted record-50 lines, one columnar segment per accepted sending,
  which later sendings are checked against (first basic visit of the day, cumulation, prerequisites, ceiling).

Money is integer cents (SQLite has no exact decimal type; cents keep SQLite and PostgreSQL identical).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierspayant.store.database import CONSTRAINT_NAMING

NAMING = CONSTRAINT_NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RefacSending(Base):
    """One reception of a 920000 file and what REFAC answered."""

    __tablename__ = "refac_sending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the invoicing records (10 … 96)
    third_party: Mapped[str | None] = mapped_column(String(12))
    invoiced_year: Mapped[int | None] = mapped_column(Integer)
    invoiced_month: Mapped[int | None] = mapped_column(Integer)
    sending_number: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    # accepted (920900 [+ 920098]) | rejected (920099) | refused (920999) | duplicate (920098 "already accepted")
    status: Mapped[str] = mapped_column(String(12))
    reply_kind: Mapped[str] = mapped_column(String(6))
    refusal_type: Mapped[str | None] = mapped_column(String(2))
    error_percentage: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_lines: Mapped[int] = mapped_column(Integer, default=0)
    rejected_lines: Mapped[int] = mapped_column(Integer, default=0)
    accepted_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_date: Mapped[date | None] = mapped_column(Date)
    payment_order: Mapped[int | None] = mapped_column(Integer)  # rank in the order of reception of accepted files
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # False from the commit until its replies are all in the outbox (a crash in between: the next run delivers them)
    answers_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
    answer_names: Mapped[str] = mapped_column(
        Text, default="", server_default=""
    )  # replies, one per line, 931000 first

    __table_args__ = (Index("ix_refac_sending_number", "third_party", "invoiced_year", "sending_number"),)


class RefacSendingNumber(Base):
    """A sending number taken for good by an accepted sending."""

    __tablename__ = "refac_sending_number"

    third_party: Mapped[str] = mapped_column(String(12), primary_key=True)
    invoiced_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sending_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    sending_id: Mapped[int] = mapped_column(ForeignKey("refac_sending.id"))


class RefacLedgerSegment(Base):
    """The accepted service lines (records 50) of one accepted sending, as one compressed Parquet segment.

    REFAC reads the ledger set-at-a-time (the history of a file's patients and dates, once per file) and writes it
    one sending at a time, so it is stored column-wise: a million lines are written and read back in a fraction of a
    second, where one row per line would take seconds each way. The date range and the distinct codes of a segment
    let the history query skip the segments that cannot matter. Columns of the Parquet data:
    ``registry.HISTORY_SCHEMA``.
    """

    __tablename__ = "refac_ledger_segment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sending_id: Mapped[int] = mapped_column(ForeignKey("refac_sending.id"))
    first_service_date: Mapped[date] = mapped_column(Date)
    last_service_date: Mapped[date] = mapped_column(Date)
    line_count: Mapped[int] = mapped_column(Integer)
    codes: Mapped[str] = mapped_column(Text)  # " 424896 425014 … " — distinct nomenclature codes, space-framed
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_refac_ledger_segment_dates", "first_service_date", "last_service_date"),)


class RefacRegularisation(Base):
    """An a-posteriori correction (M38 sheet) of an earlier sending, compensated on a later payment to the same third
    party: ``amount_cents`` > 0 is taken back, < 0 is owed to the nurse. ``sending_id``: the accepted sending whose
    payment compensates it (NULL while open)."""

    __tablename__ = "refac_regularisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    third_party: Mapped[str] = mapped_column(String(12), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    sending_id: Mapped[int | None] = mapped_column(ForeignKey("refac_sending.id"))


class McnMessage(Base):
    """A MyCareNet message other than eFact received by the mutuality (801000 insurability consultation, 420900
    palliative notification, agreement request) and what it answered; ``data``: the request and answer zones."""

    __tablename__ = "mcn_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(6))
    file_name: Mapped[str] = mapped_column(String(255))
    third_party: Mapped[str] = mapped_column(String(12))
    niss: Mapped[str] = mapped_column(String(11), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # accepted | refused | pending (palliative: doctor missing)
    reply_kind: Mapped[str] = mapped_column(String(6))
    effective_from: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
