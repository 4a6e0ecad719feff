"""The platform's worker: a deposit whose processing was killed at any step (the worker's or the fund engine's)
ends, after a restart, with the provider's ``out/`` holding exactly the answers of a run without a crash — the same
names and bytes, acknowledgement included, nothing twice — every deposit finished, and one payment due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from tempfile import mkdtemp

import pytest

from tierspayant.core.crashpoints import declared
from tierspayant.platform import worker as platform_worker
from tierspayant.platform.accounts import Principal
from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.sftp.mailbox import Area
from tierspayant.platform.store.models import Deposit
from tierspayant.schemes.lu_kin.formats.models import Retaut
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.fund import service as fund_service

from ..fund.files import demaut_package, fac_on_titres
from .crashing import hidden_leftovers, run_killed
from .platform_run import open_platform, run_worker_once

PROVIDER = "70012345"  # the provider of the example files
DEMAUT_AT = datetime(2024, 3, 7, 9, 30, tzinfo=UTC)
FAC_AT = datetime(2024, 4, 2, 9, 30, tzinfo=UTC)
ENGINE_POINTS = [fund_service.COMMITTED, fund_service.RECEIPTS]  # the engine's points, reached under the worker
POINTS = [*declared("worker."), *ENGINE_POINTS]


def test_every_crash_point_of_the_worker_is_exercised() -> None:
    assert set(POINTS) >= {
        platform_worker.CLAIMED,
        platform_worker.ARCHIVED,
        platform_worker.PROCESSED,
        platform_worker.PLANNED,
        platform_worker.CONFIRMED,
        platform_worker.LINKED,
        platform_worker.PUBLISHED,
    }


@pytest.fixture
def platform_url(database_url: str) -> Iterator[str]:
    """The platform's URL; on PostgreSQL the fund's schema beside the platform's is created (and dropped)."""
    if database_url.startswith("sqlite"):
        yield database_url
        return
    import psycopg

    schema = database_url.rsplit("search_path%3D", 1)[1]
    plain = database_url.split("?")[0].replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}_fund"')
    yield database_url
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}_fund" CASCADE')


def _deposit(root: Path, url: str, path: Path, at: datetime) -> int:
    """Deposit a file in the provider's mailbox, received at ``at`` (fixed, so that every answer is reproducible)."""
    context, fund = open_platform(root, url)
    try:
        if context.accounts.principal("alpha") is None:
            context.create_provider("alpha", "alpha-secret-1", "Alpha Physio", PROVIDER)
        who = context.accounts.principal("alpha")
        assert isinstance(who, Principal)
        deposit_id = context.deposit_bytes(who, PROVIDER, path.name, path.read_bytes(), Channel.API)
        with context.sessions.begin() as session:
            session.get_one(Deposit, deposit_id).received_at = at
        return deposit_id
    finally:
        fund.close()
        context.close()


def _out(root: Path) -> dict[str, bytes]:
    folder = root / "var" / "mailboxes"
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("out/*")) if p.is_file()}


@cache
def _demaut() -> Path:
    """One DEMAUT package for every run (its scans carry their time of making)."""
    return demaut_package(Path(mkdtemp(prefix="worker-demaut-")))


def _granted_fac(root: Path, url: str) -> Path:
    """The example DEMAUT deposited and processed; the FAC on the titres of its RETAUT (not yet deposited)."""
    _deposit(root, url, _demaut(), DEMAUT_AT)
    run_worker_once(root, url)
    (retaut_name,) = [name for name in _out(root) if "_RETAUT_" in name]
    retaut = read_file(next((root / "var" / "mailboxes").rglob(f"out/{retaut_name}")))
    assert isinstance(retaut, Retaut)
    return fac_on_titres(root, {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id is not None})


@cache
def _expected() -> dict[str, bytes]:
    root = Path(mkdtemp(prefix="worker-oracle-"))
    url = f"sqlite:///{root / 'platform.db'}"
    fac = _granted_fac(root, url)
    _deposit(root, url, fac, FAC_AT)
    run_worker_once(root, url)
    return _out(root)


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_any_step_then_restarted_gives_the_first_delivery_once(
    point: str, platform_url: str, tmp_path: Path
) -> None:
    fac = _granted_fac(tmp_path, platform_url)
    _deposit(tmp_path, platform_url, fac, FAC_AT)

    run_killed("worker", point, {"root": str(tmp_path), "url": platform_url, "received_at": FAC_AT.isoformat()})
    run_worker_once(tmp_path, platform_url)  # the restart

    expected = _expected()
    assert sorted(_out(tmp_path)) == sorted(expected)
    assert _out(tmp_path) == expected
    context, fund = open_platform(tmp_path, platform_url)
    try:
        statuses = [d.status for d in context.deposits.list()]
        assert statuses.count(DepositStatus.ACCEPTED) == 2 and len(statuses) == 2
        assert [p.file_name for p in fund.service.payments_due(include_paid=True)] == [fac.name]
        mailbox = context.mailboxes.get(PROVIDER)
        assert mailbox.list(Area.IN) == [] and hidden_leftovers(mailbox.path_of(Area.OUT, "x").parent) == []
        assert not any(context.settings.work_dir.iterdir())
    finally:
        fund.close()
        context.close()
    # The provider sends the same FAC again later: now it is a duplicate, never paid twice.
    _deposit(tmp_path, platform_url, fac, FAC_AT)
    run_worker_once(tmp_path, platform_url)
    context, fund = open_platform(tmp_path, platform_url)
    try:
        assert [d.status for d in context.deposits.list()].count(DepositStatus.DUPLICATE) == 1
        assert len(fund.service.payments_due(include_paid=True)) == 1
    finally:
        fund.close()
        context.close()
