"""Races with money at stake: two processes at the same moment over files that produce ledger rows and payments.
Whatever the interleaving, nothing is paid twice. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from tierspayant.schemes.be_nursing.mutuality.service import RefacService
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.store.fund.models import LedgerEntry

from ..be_refac import files as refac_files
from ..be_refac.helpers import FIRST_VISIT, OTHER, PLAIN
from .crashing import race
from .test_crash_kin import FAC_DAY, _prepared


def _ledger_rows(fund: FundService) -> int:
    with fund.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_the_same_fac_twice_at_once_is_paid_once(database_url: str, tmp_path: Path) -> None:
    fund, files = _prepared(database_url, tmp_path)
    runs = [
        {"url": database_url, "path": str(files["accepted"]), "outbox": str(tmp_path / f"out{n}"),
         "received_at": FAC_DAY.isoformat()}
        for n in (1, 2)
    ]  # fmt: skip
    assert sorted(race("kin", runs)) == ["accepted", "duplicate"]
    assert len(fund.payments_due(include_paid=True)) == 1 and _ledger_rows(fund) == 6
    fund.engine.dispose()


def test_two_facs_of_one_month_at_once_one_is_paid(database_url: str, tmp_path: Path) -> None:
    fund, files = _prepared(database_url, tmp_path)  # "refused": the same lines under another reference
    runs = [
        {"url": database_url, "path": str(files[kind]), "outbox": str(tmp_path / kind),
         "received_at": FAC_DAY.isoformat()}
        for kind in ("accepted", "refused")
    ]  # fmt: skip
    assert sorted(race("kin", runs)) == ["accepted", "refused"]
    assert len(fund.payments_due(include_paid=True)) == 1 and _ledger_rows(fund) == 6
    fund.engine.dispose()


def test_one_refac_sending_twice_at_once_and_its_copy_under_another_number_are_paid_once(
    database_url: str, tmp_path: Path
) -> None:
    invoices = (
        refac_files.invoice(PLAIN, refac_files.service(FIRST_VISIT), refac_files.service(424255, amount="12.34")),
        refac_files.invoice(OTHER, refac_files.service(FIRST_VISIT, amount="20.00"), number=2),
    )
    first = refac_files.write(refac_files.sending(*invoices, number=7), tmp_path, "920000_a.txt")
    renumbered = refac_files.write(refac_files.sending(*invoices, number=8), tmp_path, "920000_b.txt")
    service = RefacService(database_url)  # migrated before the race
    at = datetime(2025, 4, 2, 9, 30).isoformat()
    runs = [
        {"url": database_url, "path": str(path), "outbox": str(tmp_path / f"out{n}"), "received_at": at}
        for n, path in enumerate((first, first, renumbered))
    ]
    statuses = race("refac", runs)
    assert statuses.count("accepted") == 1  # the copy: a duplicate, or rejected for lines already paid
    assert len(service.registry.payments()) == 1 and service.registry.service_count() == 3
    service.close()
