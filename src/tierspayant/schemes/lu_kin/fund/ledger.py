"""The ledger of paid services: the lines of accepted FACs, bulk-inserted in one operation, and the session
counters of the titres they were paid on (the history the next file's rules read)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.store.fund.models import Titre, TitreAct

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


ROWS_AT_ONCE = 50_000  # rows turned into Python values at a time on their way to the driver


def add_ledger(session: Session, deposit_id: int, paid: pl.DataFrame) -> None:
    """Insert the paid lines (``paid`` has the ledger columns but ``deposit_id``) in one bulk operation.

    Rows go in the order of the unique index (patient, day, act): appending to a B-tree in key order costs less
    than half of inserting in file order. Only that order is computed (4 bytes a line), not a sorted copy.
    """
    if paid.height == 0:
        return
    order = paid.select(pl.arg_sort_by("matricule", "service_date", "act_code")).to_series()
    frame = paid.select(pl.lit(deposit_id, dtype=pl.Int64).alias("deposit_id"), *LEDGER_COLUMNS[1:])
    bulk_insert(session, "ledger_entry", LEDGER_COLUMNS, frame, order)


def bulk_insert(
    session: Session, table: str, columns: Sequence[str], frame: pl.DataFrame, order: pl.Series | None = None
) -> None:
    """One bulk insert of a frame (its rows taken in ``order`` when given: row indexes): PostgreSQL ``COPY … FROM
    STDIN`` (CSV written by Polars), SQLite one ``executemany`` through the driver (dates as ISO text, the form
    SQLAlchemy stores them in)."""
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        (frame if order is None else frame[order]).write_csv(buffer, include_header=False)
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:  # type: ignore[union-attr]
            copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" for _ in columns)
    driver_executemany(session, f"INSERT INTO {table} ({names}) VALUES ({marks})", frame, order)


def driver_executemany(session: Session, statement: str, frame: pl.DataFrame, order: pl.Series | None = None) -> None:
    """``statement`` (``?`` placeholders) once per row of ``frame`` (in ``order`` when given), through the driver's
    own cursor in the session's transaction: rows stream from the frame a slice at a time, no SQLAlchemy parameter
    processing (on SQLite dates go as ISO text, the form SQLAlchemy stores them in)."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        statement = statement.replace("?", "%s")
    dates = [] if postgres else [name for name, dtype in frame.schema.items() if dtype == pl.Date]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(statement, _rows(frame, order, dates))
    finally:
        cursor.close()


def _rows(frame: pl.DataFrame, order: pl.Series | None, dates: list[str]) -> Iterator[tuple[Any, ...]]:
    for start in range(0, frame.height, ROWS_AT_ONCE):
        part = frame.slice(start, ROWS_AT_ONCE) if order is None else frame[order.slice(start, ROWS_AT_ONCE)]
        if dates:
            part = part.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d"))
        yield from part.iter_rows()


def count_sessions(session: Session, paid: pl.DataFrame) -> None:
    """Keep ``titre_act.sessions_paid`` and ``titre.first_service_on`` in step with the lines just paid."""
    if paid.height == 0:
        return
    per_act = paid.group_by("titre_id", "act_code").agg(pl.len().alias("n"))
    driver_executemany(
        session,
        f"UPDATE {TitreAct.__tablename__} SET sessions_paid = sessions_paid + ? WHERE titre_id = ? AND act_code = ?",
        per_act.select("n", "titre_id", "act_code"),
    )
    firsts = paid.group_by("titre_id").agg(pl.col("service_date").min().alias("first"))
    driver_executemany(
        session,
        f"UPDATE {Titre.__tablename__} SET first_service_on = ? "
        "WHERE titre_id = ? AND (first_service_on IS NULL OR first_service_on > ?)",
        firsts.select("first", "titre_id", pl.col("first").alias("earlier")),
    )
