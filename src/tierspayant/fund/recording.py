"""What an accepted file leaves in the fund's database, written inside the file's one transaction.

Bulk rows (ledger entries, findings, session counters) go through one ``executemany`` per table — or PostgreSQL's
COPY for the ledger — never one statement per line.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from tierspayant.store.fund.models import (
    BillingMonth,
    Counter,
    Decision,
    Deposit,
    FindingSet,
    Payment,
    Titre,
    TitreAct,
)

LEDGER_COLUMNS = (
    "deposit_id",
    "matricule",
    "service_date",
    "act_code",
    "titre_id",
    "performer_code",
    "invoice_number",
    "line_number",
    "covered_cents",
)


def add_deposit(session: Session, **fields: Any) -> Deposit:
    deposit = Deposit(**fields)
    session.add(deposit)
    session.flush()  # the unique keys (sha256, provider + reference) are checked here, inside the transaction
    return deposit


def claim_billing_month(session: Session, provider_code: str, year: int, month: int, deposit_id: int) -> None:
    session.add(BillingMonth(provider_code=provider_code, year=year, month=month, deposit_id=deposit_id))
    session.flush()


def next_serials(session: Session, name: str, count: int) -> range:
    """``count`` new numbers of the sequence ``name`` (row-locked on PostgreSQL; SQLite serialises writers)."""
    counter = session.get(Counter, name, with_for_update=True)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
        session.flush()
    first = counter.value + 1
    counter.value += count
    session.flush()
    return range(first, first + count)


def add_decision(
    session: Session, deposit_id: int, request_id: str, matricule: str, outcome: str, titre_id: str | None
) -> None:
    session.add(
        Decision(deposit_id=deposit_id, request_id=request_id, matricule=matricule, outcome=outcome, titre_id=titre_id)
    )


def add_titre(session: Session, titre: Titre, acts: Sequence[tuple[str, int]]) -> None:
    session.add(titre)
    session.flush()
    session.add_all(TitreAct(titre_id=titre.titre_id, act_code=a, sessions=s, sessions_paid=0) for a, s in acts)


FINDING_COLUMNS = ("rule", "code", "label", "level", "effect", "key", "detail", "where")


def add_findings(session: Session, deposit_id: int, findings: pl.DataFrame) -> None:
    """Keep a file's findings (labelled and located) as one Parquet document, with a count per code."""
    frame = findings.select(FINDING_COLUMNS)
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    codes = dict(frame.group_by("code").len().sort("code").iter_rows())
    session.add(
        FindingSet(deposit_id=deposit_id, count=frame.height, codes=json.dumps(codes), parquet=buffer.getvalue())
    )


def load_findings(session: Session, deposit_id: int) -> pl.DataFrame:
    stored = session.get(FindingSet, deposit_id)
    if stored is None:
        return pl.DataFrame(schema=dict.fromkeys(FINDING_COLUMNS, pl.Utf8))
    return pl.read_parquet(io.BytesIO(stored.parquet))


def add_ledger(session: Session, deposit_id: int, paid: pl.DataFrame) -> None:
    """Insert the paid lines (``paid`` has the ledger columns but ``deposit_id``) in one bulk operation.

    Rows go in the order of the unique index (patient, day, act): appending to a B-tree in key order costs less
    than half of inserting in file order.
    """
    if paid.height == 0:
        return
    frame = paid.select(pl.lit(deposit_id, dtype=pl.Int64).alias("deposit_id"), *LEDGER_COLUMNS[1:]).sort(
        "matricule", "service_date", "act_code"
    )
    bulk_insert(session, "ledger_entry", LEDGER_COLUMNS, frame)


def bulk_insert(session: Session, table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    """One bulk insert of a frame: PostgreSQL ``COPY … FROM STDIN`` (CSV written by Polars), SQLite one
    ``executemany`` through the driver (dates as ISO text, the form SQLAlchemy stores them in)."""
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False)
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:  # type: ignore[union-attr]
            copy.write(buffer.getvalue())
        return
    dates = [name for name, dtype in frame.schema.items() if dtype == pl.Date]
    text_dates = frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d")) if dates else frame
    marks = ", ".join("?" for _ in columns)
    # The driver's own cursor, in the session's transaction: rows stream from the frame (no list of tuples).
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", text_dates.iter_rows())
    finally:
        cursor.close()


def count_sessions(session: Session, paid: pl.DataFrame) -> None:
    """Keep ``titre_act.sessions_paid`` and ``titre.first_service_on`` in step with the lines just paid."""
    if paid.height == 0:
        return
    per_act = paid.group_by("titre_id", "act_code").agg(pl.len().alias("n"))
    connection = session.connection()  # Core statements: executemany, no ORM bookkeeping
    titre_acts, titres = TitreAct.__table__, Titre.__table__
    assert isinstance(titre_acts, Table) and isinstance(titres, Table)
    connection.execute(
        update(titre_acts)
        .where(titre_acts.c.titre_id == bindparam("b_titre"), titre_acts.c.act_code == bindparam("b_act"))
        .values(sessions_paid=titre_acts.c.sessions_paid + bindparam("b_n")),
        [{"b_titre": t, "b_act": a, "b_n": n} for t, a, n in per_act.iter_rows()],
    )
    firsts = paid.group_by("titre_id").agg(pl.col("service_date").min().alias("first"))
    earlier = or_(titres.c.first_service_on.is_(None), titres.c.first_service_on > bindparam("b_first"))
    connection.execute(
        update(titres)
        .where(titres.c.titre_id == bindparam("b_titre"), earlier)
        .values(first_service_on=bindparam("b_first")),
        [{"b_titre": t, "b_first": first} for t, first in firsts.iter_rows()],
    )


def add_payment(session: Session, deposit_id: int, facturier: str, amount_cents: int, due_on: date) -> None:
    session.add(Payment(deposit_id=deposit_id, facturier=facturier, amount_cents=amount_cents, due_on=due_on))


def deposit_by_sha(session: Session, sha256: str) -> Deposit | None:
    return session.scalar(select(Deposit).where(Deposit.sha256 == sha256))


def deposit_by_reference(session: Session, provider_code: str, reference: str) -> Deposit | None:
    return session.scalar(select(Deposit).where(Deposit.provider_code == provider_code, Deposit.reference == reference))


def billing_month_taken(session: Session, provider_code: str, year: int, month: int) -> BillingMonth | None:
    return session.get(BillingMonth, (provider_code, year, month))


def now_utc() -> datetime:
    return datetime.now().replace(microsecond=0)
