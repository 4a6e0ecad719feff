"""The fund database guards money by constraints too, on SQLite and PostgreSQL: one ledger row per patient, day and
act; one FAC per facturier and month; one accepted file per provider reference."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from tierspayant.fund import recording
from tierspayant.fund.service import FundService
from tierspayant.store.database import transaction
from tierspayant.store.fund.models import LedgerEntry


def deposit(fund: FundService, sha: str, reference: str) -> int:
    with transaction(fund.sessions) as session:
        return recording.add_deposit(
            session,
            file_name=f"{reference}.xml",
            sha256=sha,
            provider_code="70012345",
            file_type="FAC",
            reference=reference,
            period_year=2024,
            period_month=3,
            received_at=datetime(2024, 4, 2),
            reference_version="x",
            item_count=0,
            accepted_count=0,
            outcome_json="{}",
        ).id


def test_migration_creates_every_table(database_url: str) -> None:
    fund = FundService(database_url)
    fund.init()
    tables = set(inspect(fund.engine).get_table_names())
    assert {"deposit", "ledger_entry", "titre", "titre_act", "finding_set", "payment", "billing_month"} <= tables


def test_constraints_refuse_what_would_pay_twice(database_url: str) -> None:
    fund = FundService(database_url)
    fund.init()
    first = deposit(fund, "a" * 64, "R1")
    with pytest.raises(IntegrityError):
        deposit(fund, "b" * 64, "R1")  # the same provider reference again
    with pytest.raises(IntegrityError):
        deposit(fund, "a" * 64, "R2")  # the same file again
    second = deposit(fund, "c" * 64, "R3")
    with transaction(fund.sessions) as session:
        recording.claim_billing_month(session, "70012345", 2024, 3, first)
    with pytest.raises(IntegrityError), transaction(fund.sessions) as session:
        recording.claim_billing_month(session, "70012345", 2024, 3, second)
    entry = {
        "matricule": "1956031401288",
        "service_date": date(2024, 3, 11),
        "act_code": "ZK11",
        "titre_id": "T2024000000427",
        "performer_code": "70012345",
        "invoice_number": "MH1",
        "line_number": 1,
        "covered_cents": 2091,
    }
    with transaction(fund.sessions) as session:
        session.add(LedgerEntry(deposit_id=first, **entry))
    with pytest.raises(IntegrityError), transaction(fund.sessions) as session:
        session.add(LedgerEntry(deposit_id=second, **{**entry, "line_number": 2}))
