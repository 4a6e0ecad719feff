"""The ledger of paid services: the lines of accepted FACs, bulk-inserted in one operation, and the session
counters of the titres they were paid on (the history the next file's rules read)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Table, bindparam, or_, update
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
