"""What an accepted file leaves in the fund's database, written inside the file's one transaction.

Bulk rows (ledger entries, findings, session counters) go through one ``executemany`` per table — or PostgreSQL's
COPY for the ledger — never one statement per line.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.store.fund.models import (
    BillingMonth,
    Counter,
    Decision,
    Deposit,
    FindingSet,
    Titre,
    TitreAct,
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
    session: Session,
    deposit_id: int,
    request_id: str,
    matricule: str,
    outcome: str,
    titre_id: str | None,
    pending: str | None = None,
) -> None:
    session.add(
        Decision(
            deposit_id=deposit_id,
            request_id=request_id,
            matricule=matricule,
            outcome=outcome,
            titre_id=titre_id,
            pending=pending,
        )
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


def deposit_by_sha(session: Session, sha256: str) -> Deposit | None:
    return session.scalar(select(Deposit).where(Deposit.sha256 == sha256))


def deposit_by_reference(session: Session, provider_code: str, reference: str) -> Deposit | None:
    return session.scalar(select(Deposit).where(Deposit.provider_code == provider_code, Deposit.reference == reference))


def billing_month_taken(session: Session, provider_code: str, year: int, month: int) -> BillingMonth | None:
    return session.get(BillingMonth, (provider_code, year, month))
