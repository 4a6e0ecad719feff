"""What the rules need from the past, fetched ONCE per file for the patients / titres / providers of that file.

Each function runs one query per chunk of keys (never one per line) and returns a Polars frame with a fixed schema,
so that an empty history still gives the rules a table to join.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Executable, select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.fund.registries import (
    AFFILIATION_SCHEMA,
    INSURED_SCHEMA,
    MEMBERSHIP_SCHEMA,
    PROVIDER_SCHEMA,
)
from tierspayant.schemes.lu_kin.store.fund.models import (
    Affiliation,
    Insured,
    LedgerEntry,
    Membership,
    Provider,
    Titre,
    TitreAct,
)

CHUNK = 5000  # bound parameters per query: well under SQLite's and PostgreSQL's limits

TITRE_SCHEMA = {
    "titre_id": pl.Utf8,
    "matricule": pl.Utf8,
    "facturier": pl.Utf8,
    "pathology": pl.Utf8,
    "issued_on": pl.Date,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
    "rate_e2": pl.Int64,
    "first_service_on": pl.Date,
    "channel": pl.Utf8,
}
TITRE_ACT_SCHEMA = {"titre_id": pl.Utf8, "act_code": pl.Utf8, "sessions": pl.Int64, "sessions_paid": pl.Int64}
LEDGER_SCHEMA = {
    "matricule": pl.Utf8,
    "service_date": pl.Date,
    "act_code": pl.Utf8,
    "titre_id": pl.Utf8,
    "deposit_id": pl.Int64,
}


def _fetch(
    session: Session, build: Callable[[list[Any]], Executable], keys: Iterable[Any], schema: dict[str, Any]
) -> pl.DataFrame:
    unique = sorted(set(keys))
    rows: list[Sequence[Any]] = []
    for start in range(0, len(unique), CHUNK):
        rows.extend(tuple(row) for row in session.execute(build(unique[start : start + CHUNK])))
    return pl.DataFrame(rows, schema=schema, orient="row")


def insured(session: Session, matricules: Iterable[str]) -> pl.DataFrame:
    return _fetch(
        session,
        lambda keys: select(Insured.matricule, Insured.birth_date).where(Insured.matricule.in_(keys)),
        matricules,
        INSURED_SCHEMA,
    )


def affiliations(session: Session, matricules: Iterable[str]) -> pl.DataFrame:
    columns = (Affiliation.matricule, Affiliation.fund, Affiliation.valid_from, Affiliation.valid_to)
    return _fetch(
        session, lambda keys: select(*columns).where(Affiliation.matricule.in_(keys)), matricules, AFFILIATION_SCHEMA
    )


def memberships(session: Session, group_codes: Iterable[str]) -> pl.DataFrame:
    columns = (
        Membership.group_code,
        Membership.member_code,
        Membership.kind,
        Membership.valid_from,
        Membership.valid_to,
    )
    return _fetch(
        session, lambda keys: select(*columns).where(Membership.group_code.in_(keys)), group_codes, MEMBERSHIP_SCHEMA
    )


def providers(session: Session, codes: Iterable[str]) -> pl.DataFrame:
    columns = (Provider.code, Provider.name, Provider.kind)
    return _fetch(session, lambda keys: select(*columns).where(Provider.code.in_(keys)), codes, PROVIDER_SCHEMA)


def titres(session: Session, titre_ids: Iterable[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The titres quoted in a file and their acts (with the sessions already paid on each)."""
    ids = sorted(set(titre_ids))
    columns = (
        Titre.titre_id,
        Titre.matricule,
        Titre.facturier,
        Titre.pathology,
        Titre.issued_on,
        Titre.valid_from,
        Titre.valid_to,
        Titre.rate_e2,
        Titre.first_service_on,
        Titre.channel,
    )
    head = _fetch(session, lambda keys: select(*columns).where(Titre.titre_id.in_(keys)), ids, TITRE_SCHEMA)
    act_columns = (TitreAct.titre_id, TitreAct.act_code, TitreAct.sessions, TitreAct.sessions_paid)
    acts = _fetch(session, lambda keys: select(*act_columns).where(TitreAct.titre_id.in_(keys)), ids, TITRE_ACT_SCHEMA)
    return head, acts


def ledger(session: Session, matricules: Iterable[str], first_day: date, last_day: date) -> pl.DataFrame:
    """Services already paid for these patients between ``first_day`` and ``last_day`` (the file's service dates)."""
    columns = (
        LedgerEntry.matricule,
        LedgerEntry.service_date,
        LedgerEntry.act_code,
        LedgerEntry.titre_id,
        LedgerEntry.deposit_id,
    )
    return _fetch(
        session,
        lambda keys: select(*columns).where(
            LedgerEntry.matricule.in_(keys), LedgerEntry.service_date.between(first_day, last_day)
        ),
        matricules,
        LEDGER_SCHEMA,
    )
