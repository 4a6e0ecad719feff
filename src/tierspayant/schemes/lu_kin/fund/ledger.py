"""The ledger of paid services: the lines of accepted FACs, bulk-inserted in one operation, and the session
counters of the titres they were paid on (the history the next file's rules read)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from itertools import chain

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


ROWS_AT_ONCE = 20_000  # rows turned into Python values at a time on their way to the driver (bounds their memory)
# SQLite: rows per INSERT … VALUES (…), (…) statement. One driver call then binds many rows: a quarter less time than
# a statement per row (an ad-hoc timing on 560,000 ledger rows); 200 × 9 values stay far below SQLite's limit.
ROWS_PER_INSERT = 200


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
    STDIN`` (CSV written by Polars), SQLite multi-row ``INSERT`` statements through the driver (dates as ISO text,
    the form SQLAlchemy stores them in)."""
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        (frame if order is None else frame[order]).write_csv(buffer, include_header=False)
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:  # type: ignore[union-attr]
            copy.write(buffer.getvalue())
        return
    _insert_sqlite(session, f"INSERT INTO {table} ({names}) VALUES ", len(columns), frame, order)


def _insert_sqlite(session: Session, head: str, width: int, frame: pl.DataFrame, order: pl.Series | None) -> None:
    """``ROWS_PER_INSERT`` rows per statement, the rows of a slice flattened into one list of values."""
    row = "(" + ", ".join("?" for _ in range(width)) + ")"
    step = ROWS_PER_INSERT * width
    full = head + ", ".join([row] * ROWS_PER_INSERT)
    dates = [name for name, dtype in frame.schema.items() if dtype == pl.Date]
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for part in _slices(frame, order, dates):
            values = list(chain.from_iterable(zip(*(column.to_list() for column in part.get_columns()), strict=True)))
            whole = len(values) - len(values) % step
            cursor.executemany(full, (values[at : at + step] for at in range(0, whole, step)))
            if whole < len(values):
                cursor.execute(head + ", ".join([row] * ((len(values) - whole) // width)), values[whole:])
    finally:
        cursor.close()


def driver_executemany(session: Session, statement: str, frame: pl.DataFrame) -> None:
    """``statement`` (``?`` placeholders) once per row of ``frame``, through the driver's own cursor in the session's
    transaction: rows stream from the frame a slice at a time, no SQLAlchemy parameter processing (on SQLite dates
    go as ISO text, the form SQLAlchemy stores them in)."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        statement = statement.replace("?", "%s")
    dates = [] if postgres else [name for name, dtype in frame.schema.items() if dtype == pl.Date]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(statement, (row for part in _slices(frame, None, dates) for row in part.iter_rows()))
    finally:
        cursor.close()


def _slices(frame: pl.DataFrame, order: pl.Series | None, dates: list[str]) -> Iterator[pl.DataFrame]:
    """``ROWS_AT_ONCE`` rows at a time (in ``order`` when given), ``dates`` as ISO text."""
    for start in range(0, frame.height, ROWS_AT_ONCE):
        part = frame.slice(start, ROWS_AT_ONCE) if order is None else frame[order.slice(start, ROWS_AT_ONCE)]
        yield part.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d")) if dates else part


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
