"""The REFAC registry: which sending numbers are taken, what each reception got, and the ledger of accepted services.

Everything a sending changes is written in one transaction (:meth:`RefacRegistry.record`): a refused or rejected
file leaves only its reception row, an accepted one adds its number and its services together or not at all.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from tierspayant.schemes.be_nursing.store.mutuality.models import (
    RefacLedgerSegment,
    RefacRegularisation,
    RefacSending,
    RefacSendingNumber,
)
from tierspayant.store.database import make_engine, migrate, session_factory, transaction

MIGRATIONS = "tierspayant.schemes.be_nursing.store.mutuality.migrations"

HISTORY_SCHEMA = pl.Schema(
    [
        ("niss", pl.Utf8),
        ("nomenclature_code", pl.Int64),
        ("first_service_date", pl.Date),
        ("last_service_date", pl.Date),
        ("care_provider", pl.Utf8),
        ("units", pl.Int64),
        ("insurance_amount", pl.Int64),  # cents
        ("third_party", pl.Utf8),
        ("invoice_number", pl.Utf8),
        ("same_day_repetition", pl.Int64),  # 03 second identical service that day, 04 third or later
        ("service_time", pl.Int64),  # HHMM; absent from segments written before it was kept (read as null)
    ]
)


@dataclass(frozen=True)
class SendingKey:
    """A sending number is unique per third party (the nurse or group) and invoiced year (error 100721)."""

    third_party: str
    invoiced_year: int
    sending_number: int


@dataclass(frozen=True)
class PriorSending:
    id: int
    status: str
    reply_kind: str
    digest: str
    received_at: datetime
    cancelled_at: datetime | None
    payment_date: date | None


@dataclass(frozen=True)
class Regularisation:
    """An M38 a-posteriori correction: > 0 taken back, < 0 owed to the nurse; compensated on ``sending_id``."""

    id: int
    third_party: str
    amount_cents: int
    reason: str
    registered_at: datetime
    sending_id: int | None


@dataclass(frozen=True)
class Payment:
    """One accepted sending's payment: when, to whom, for which file, in which reception rank; the amount paid is the
    accepted amount minus the regularisations compensated on it (cents)."""

    payment_date: date
    third_party: str
    accepted_cents: int
    file_name: str
    payment_order: int | None
    received_at: datetime
    sending_id: int = 0
    sending_number: int | None = None
    regularisations: tuple[Regularisation, ...] = ()

    @property
    def regularised_cents(self) -> int:
        return sum(r.amount_cents for r in self.regularisations)

    @property
    def paid_cents(self) -> int:
        return self.accepted_cents - self.regularised_cents


@dataclass(frozen=True)
class SendingRecord:
    """What one reception produced; written by :meth:`RefacRegistry.record`."""

    file_name: str
    digest: str
    key: SendingKey | None
    invoiced_month: int | None
    received_at: datetime
    status: str
    reply_kind: str
    refusal_type: str | None = None
    error_percentage: float | None = None
    line_count: int = 0
    accepted_lines: int = 0
    rejected_lines: int = 0
    accepted_cents: int = 0
    rejected_cents: int = 0
    payment_date: date | None = None
    payment_order: int | None = None


class RefacRegistry:
    """The mutuality's REFAC database, on SQLite by default or PostgreSQL by URL; migrated on opening."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        migrate(self.engine, MIGRATIONS)
        self._sessions = session_factory(self.engine)

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, for the mutuality's other services on the same database (MyCareNet messages)."""
        return self._sessions

    def close(self) -> None:
        self.engine.dispose()

    # -- sending numbers ---------------------------------------------------------------------------------------

    def prior_sendings(self, key: SendingKey) -> list[PriorSending]:
        """Every earlier reception with this sending number, oldest first."""
        query = (
            select(RefacSending)
            .where(
                RefacSending.third_party == key.third_party,
                RefacSending.invoiced_year == key.invoiced_year,
                RefacSending.sending_number == key.sending_number,
            )
            .order_by(RefacSending.received_at, RefacSending.id)
        )
        with self._sessions() as session:
            return [_prior(row) for row in session.scalars(query)]

    def accepted_with_number(self, key: SendingKey) -> PriorSending | None:
        """The sending that took this number for good, if any (cancelled or not)."""
        query = (
            select(RefacSending)
            .join(RefacSendingNumber, RefacSendingNumber.sending_id == RefacSending.id)
            .where(
                RefacSendingNumber.third_party == key.third_party,
                RefacSendingNumber.invoiced_year == key.invoiced_year,
                RefacSendingNumber.sending_number == key.sending_number,
            )
        )
        with self._sessions() as session:
            row = session.scalars(query).first()
            return None if row is None else _prior(row)

    def cancel(self, key: SendingKey, at: datetime) -> None:
        """Record that an accepted sending was cancelled (negative invoicing); its number stays taken."""
        accepted = self.accepted_with_number(key)
        if accepted is None:
            raise KeyError(f"no accepted sending {key}")
        with transaction(self._sessions) as session:
            session.execute(update(RefacSending).where(RefacSending.id == accepted.id).values(cancelled_at=at))

    # -- payment order -----------------------------------------------------------------------------------------

    def payment_rank(self, received_at: datetime) -> int:
        """1 + the accepted sendings received before ``received_at``: the rank in the order of reception."""
        query = select(func.count()).where(RefacSending.status == "accepted", RefacSending.received_at <= received_at)
        with self._sessions() as session:
            return int(session.execute(query).scalar_one()) + 1

    # -- M38 regularisations ----------------------------------------------------------------------------------------

    def add_regularisation(self, third_party: str, amount_cents: int, reason: str, at: datetime) -> int:
        """Register an a-posteriori correction (M38) to compensate on the third party's next accepted sending."""
        with transaction(self._sessions) as session:
            row = RefacRegularisation(
                third_party=third_party.zfill(11), amount_cents=amount_cents, reason=reason[:200], registered_at=at
            )
            session.add(row)
            session.flush()
            return row.id

    def regularisations(self, third_party: str | None = None) -> list[Regularisation]:
        query = select(RefacRegularisation).order_by(RefacRegularisation.registered_at, RefacRegularisation.id)
        if third_party is not None:
            query = query.where(RefacRegularisation.third_party == third_party)
        with self._sessions() as session:
            return [_regularisation(r) for r in session.scalars(query)]

    # -- history -----------------------------------------------------------------------------------------------

    def history(
        self,
        niss: Sequence[str],
        first_day: date,
        last_day: date,
        codes_any_time: Iterable[int] = (),
    ) -> pl.DataFrame:
        """Accepted services of these patients the rules need, in ONE query: every service in
        ``[first_day, last_day]``, plus services with ``codes_any_time`` (prerequisites) on or before ``last_day``.

        The query selects the ledger segments whose date range or codes can matter; their rows are then kept by
        a join on the patients and a filter on the dates, in Polars. Rows come in the order of acceptance.
        """
        wanted = sorted(set(niss))
        codes = sorted(set(codes_any_time))
        if not wanted:
            return pl.DataFrame(schema=HISTORY_SCHEMA)
        segment = RefacLedgerSegment
        in_window = and_(segment.first_service_date <= last_day, segment.last_service_date >= first_day)
        with_codes = [segment.codes.like(f"% {code} %") for code in codes]
        when = or_(in_window, and_(segment.first_service_date <= last_day, or_(*with_codes))) if codes else in_window
        query = select(segment.data).where(when).order_by(segment.id)
        with self.engine.connect() as connection:
            blobs = connection.execute(query).scalars().all()
        if not blobs:
            return pl.DataFrame(schema=HISTORY_SCHEMA)
        rows = pl.concat([_segment_rows(blob) for blob in blobs], how="vertical").cast(HISTORY_SCHEMA)
        keep = (pl.col("first_service_date") <= last_day) & (
            (pl.col("last_service_date") >= first_day) | pl.col("nomenclature_code").is_in(codes)
        )
        return rows.filter(keep).join(pl.DataFrame({"niss": wanted}), on="niss", how="semi", maintain_order="left")

    # -- recording ---------------------------------------------------------------------------------------------

    def record(
        self,
        sending: SendingRecord,
        services: pl.DataFrame | None = None,
        *,
        answer_names: Sequence[str] = (),
        answers_published: bool = True,
    ) -> int:
        """Write a reception; when accepted, also take its number and add its accepted services — all or nothing.

        ``services`` has the columns of ``HISTORY_SCHEMA``. Raises ``sqlalchemy.exc.IntegrityError`` if the number
        was taken meanwhile (two receptions of one number at the same time), leaving nothing written.
        """
        key = sending.key
        with transaction(self._sessions) as session:
            row = RefacSending(
                file_name=sending.file_name[:255],
                digest=sending.digest,
                third_party=key.third_party if key else None,
                invoiced_year=key.invoiced_year if key else None,
                invoiced_month=sending.invoiced_month,
                sending_number=key.sending_number if key else None,
                received_at=sending.received_at,
                status=sending.status,
                reply_kind=sending.reply_kind,
                refusal_type=sending.refusal_type,
                error_percentage=sending.error_percentage,
                line_count=sending.line_count,
                accepted_lines=sending.accepted_lines,
                rejected_lines=sending.rejected_lines,
                accepted_cents=sending.accepted_cents,
                rejected_cents=sending.rejected_cents,
                payment_date=sending.payment_date,
                payment_order=sending.payment_order,
                answers_published=answers_published,
                answer_names="\n".join(answer_names),
            )
            session.add(row)
            session.flush()
            if sending.status == "accepted" and key is not None:
                session.add(
                    RefacSendingNumber(
                        third_party=key.third_party,
                        invoiced_year=key.invoiced_year,
                        sending_number=key.sending_number,
                        sending_id=row.id,
                    )
                )
                if services is not None and services.height:
                    session.add(ledger_segment(row.id, services))
                _compensate(session, row)
            return row.id

    def mark_answered(self, sending_id: int) -> None:
        """Every reply of this reception is in the outbox."""
        with transaction(self._sessions) as session:
            row = session.get(RefacSending, sending_id)
            assert row is not None
            row.answers_published = True

    def unanswered(self, digest: str) -> RefacSending | None:
        """A reception of this content whose replies a crash left undelivered, if any."""
        query = select(RefacSending).where(RefacSending.digest == digest, RefacSending.answers_published.is_(False))
        with self._sessions() as session:
            return session.scalars(query.order_by(RefacSending.id)).first()

    def sending_rows(self, limit: int = 500) -> list[RefacSending]:
        """The latest receptions, newest first, as stored (for the mutuality agent's register page)."""
        with self._sessions() as session:
            return list(session.scalars(select(RefacSending).order_by(RefacSending.id.desc()).limit(limit)))

    def sendings(self) -> list[PriorSending]:
        with self._sessions() as session:
            return [_prior(r) for r in session.scalars(select(RefacSending).order_by(RefacSending.id))]

    def payments(self) -> list[Payment]:
        """What the mutuality pays: every accepted, not cancelled sending in the order of reception (which is also
        the order of the payment dates: reception + 14 days), ranked 1, 2, … whatever order they were processed in,
        with the regularisations compensated on each."""
        query = (
            select(RefacSending)
            .where(RefacSending.status == "accepted", RefacSending.cancelled_at.is_(None))
            .where(RefacSending.payment_date.is_not(None))
            .order_by(RefacSending.received_at, RefacSending.id)
        )
        with self._sessions() as session:
            rows = list(session.scalars(query))
            compensated: dict[int, list[Regularisation]] = {}
            ids = [r.id for r in rows]
            for start in range(0, len(ids), 5000):
                chosen = ids[start : start + 5000]
                regs = select(RefacRegularisation).where(RefacRegularisation.sending_id.in_(chosen))
                for reg in session.scalars(regs.order_by(RefacRegularisation.registered_at, RefacRegularisation.id)):
                    compensated.setdefault(reg.sending_id or 0, []).append(_regularisation(reg))
            return [
                Payment(
                    r.payment_date,
                    r.third_party or "",
                    r.accepted_cents,
                    r.file_name,
                    rank,
                    r.received_at,
                    sending_id=r.id,
                    sending_number=r.sending_number,
                    regularisations=tuple(compensated.get(r.id, ())),
                )
                for rank, r in enumerate(rows, start=1)
                if r.payment_date is not None
            ]

    def payment_letter(self, sending_id: int) -> Payment | None:
        """One payment with its regularisations (the payment letter)."""
        return next((p for p in self.payments() if p.sending_id == sending_id), None)

    def service_count(self) -> int:
        with self._sessions() as session:
            return int(session.execute(select(func.coalesce(func.sum(RefacLedgerSegment.line_count), 0))).scalar_one())


def ledger_segment(sending_id: int, services: pl.DataFrame) -> RefacLedgerSegment:
    """One sending's accepted services as a compressed Parquet segment, with what the history query prunes on."""
    frame = services.select(list(HISTORY_SCHEMA)).cast(HISTORY_SCHEMA)
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=False)
    codes = frame["nomenclature_code"].unique().sort().to_list()
    return RefacLedgerSegment(
        sending_id=sending_id,
        first_service_date=frame["first_service_date"].min(),
        last_service_date=frame["last_service_date"].max(),
        line_count=frame.height,
        codes=" " + " ".join(str(code) for code in codes) + " ",
        data=buffer.getvalue(),
    )


def _compensate(session: Session, sending: RefacSending) -> None:
    """Attach the third party's open regularisations to this accepted sending, oldest first, each one that still fits:
    what is taken back never exceeds the accepted amount (one that does not fit waits for a later payment)."""
    query = (
        select(RefacRegularisation)
        .where(RefacRegularisation.third_party == sending.third_party, RefacRegularisation.sending_id.is_(None))
        .where(RefacRegularisation.registered_at <= sending.received_at + timedelta(days=14))
        .order_by(RefacRegularisation.registered_at, RefacRegularisation.id)
    )
    taken = 0
    for reg in session.scalars(query):
        if taken + reg.amount_cents > sending.accepted_cents:
            continue
        taken += reg.amount_cents
        reg.sending_id = sending.id


def _regularisation(row: RefacRegularisation) -> Regularisation:
    return Regularisation(row.id, row.third_party, row.amount_cents, row.reason, row.registered_at, row.sending_id)


def _segment_rows(blob: bytes) -> pl.DataFrame:
    """One ledger segment's rows in ``HISTORY_SCHEMA``; a column added since the segment was written is null."""
    frame = pl.read_parquet(io.BytesIO(blob))
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in HISTORY_SCHEMA.items() if c not in frame.columns]
    return frame.with_columns(missing).select(list(HISTORY_SCHEMA)) if missing else frame.select(list(HISTORY_SCHEMA))


def _prior(row: RefacSending) -> PriorSending:
    return PriorSending(
        id=row.id,
        status=row.status,
        reply_kind=row.reply_kind,
        digest=row.digest,
        received_at=row.received_at,
        cancelled_at=row.cancelled_at,
        payment_date=row.payment_date,
    )
