"""The fund database guards money by constraints too, on SQLite and PostgreSQL: one ledger row per patient, day and
act; one FAC per facturier and month; one accepted file per provider reference."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from tierspayant.schemes.lu_kin.fund import ledger, recording
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.store.fund.models import LedgerEntry
from tierspayant.store.database import transaction


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


def test_ledger_rows_survive_the_move_to_the_clustered_table(database_url: str) -> None:
    from sqlalchemy import text

    from tierspayant.schemes.lu_kin.fund.service import MIGRATIONS
    from tierspayant.store.database import make_engine, migrate

    engine = make_engine(database_url)
    migrate(engine, MIGRATIONS, revision="0002_finding_set")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO deposit (id, file_name, sha256, provider_code, file_type, reference, period_year,"
                " period_month, received_at, reference_version, item_count, accepted_count, asked_cents,"
                " covered_cents, outcome_json)"
                " VALUES (1, 'f', :sha, '70012345', 'FAC', 'R', 2024, 3, '2024-04-02 00:00:00', 'x', 1, 1, 0, 0, '{}')"
            ),
            {"sha": "d" * 64},
        )
        connection.execute(
            text(
                "INSERT INTO ledger_entry (id, deposit_id, matricule, service_date, act_code, titre_id, performer_code,"
                " invoice_number, line_number, covered_cents) VALUES (1, 1, '1956031401288', '2024-03-11', 'ZK11',"
                " 'T2024000000427', '70012345', 'MH1', 1, 2091)"
            )
        )
    migrate(engine, MIGRATIONS)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT matricule, act_code, covered_cents FROM ledger_entry")).all()
    assert [tuple(r) for r in rows] == [("1956031401288", "ZK11", 2091)]
    engine.dispose()


def _paid_lines(count: int) -> pl.DataFrame:
    """Paid lines in an order unlike the ledger's key (patient, day, act)."""
    return pl.DataFrame(
        {
            "matricule": [f"1980010100{(7 * i) % count:03d}" for i in range(count)],
            "service_date": [date(2024, 3, 1 + (i % 3)) for i in range(count)],
            "act_code": ["ZK11" if i % 2 else "ZK12" for i in range(count)],
            "titre_id": [f"T{i}" for i in range(count)],
            "performer_code": ["70012345"] * count,
            "invoice_number": [f"F{i // 4}" for i in range(count)],
            "line_number": [i % 4 + 1 for i in range(count)],
            "covered_cents": [2000 + i for i in range(count)],
        }
    )


def test_ledger_rows_stream_in_key_order_slice_by_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "ROWS_AT_ONCE", 4)  # slices of 4 rows: 4, 4 and a last one of 1
    paid = _paid_lines(9)
    frame = paid.select(pl.lit(7, dtype=pl.Int64).alias("deposit_id"), *ledger.LEDGER_COLUMNS[1:])
    order = frame.select(pl.arg_sort_by("matricule", "service_date", "act_code")).to_series()
    rows = [row for part in ledger._slices(frame, order, ["service_date"]) for row in part.iter_rows()]
    expected = [
        (7, m, d.isoformat(), a, t, p, n, ln, c)
        for (m, d, a, t, p, n, ln, c) in sorted(paid.rows(), key=lambda row: (row[0], row[1], row[2]))
    ]
    assert rows == expected
    unordered = [row for part in ledger._slices(frame, None, []) for row in part.iter_rows()]
    assert unordered == frame.rows()  # without an order: the frame's own, dates kept


def test_ledger_bulk_insert_reads_back_every_paid_line(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "ROWS_AT_ONCE", 5)  # slices of 5 rows: 5, 5, 5, 5, 3
    monkeypatch.setattr(ledger, "ROWS_PER_INSERT", 2)  # SQLite: INSERTs of 2 rows, then one of the slice's last row
    fund = FundService(database_url)
    fund.init()
    deposit_id = deposit(fund, "f" * 64, "LEDGER-1")
    paid = _paid_lines(23)
    with transaction(fund.sessions) as session:
        ledger.add_ledger(session, deposit_id, paid)
    with fund.sessions() as session:
        stored = session.execute(select(*(getattr(LedgerEntry, name) for name in ledger.LEDGER_COLUMNS))).all()
    assert sorted(tuple(row) for row in stored) == sorted((deposit_id, *row) for row in paid.rows())
