"""REFAC through the platform's worker: a 920000 whose processing was killed at a step of the worker or of REFAC
ends, after a restart, with the nursing group's ``out/`` holding exactly the replies of a run without a crash
(931000 first, then the 920098 and 920900 replies), each once, and one payment. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from tempfile import mkdtemp

import pytest

from tierspayant.core import outbox as core_outbox
from tierspayant.platform import worker as platform_worker
from tierspayant.platform.accounts import Principal
from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.store.models import Deposit
from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.formats.naming import sending_name
from tierspayant.schemes.be_nursing.mutuality import service as refac_service
from tierspayant.schemes.be_nursing.platform.demo import GROUP, PERIOD, demo_sending

from .crashing import run_killed
from .platform_run import open_refac_platform, run_refac_worker_once

RECEIVED_AT = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)
POINTS = [
    platform_worker.PROCESSED,
    platform_worker.PLANNED,
    platform_worker.LINKED,
    refac_service.COMMITTED,
    core_outbox.ONE_PUBLISHED,
]


@pytest.fixture
def platform_url(database_url: str) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield database_url
        return
    import psycopg

    schema = database_url.rsplit("search_path%3D", 1)[1]
    plain = database_url.split("?")[0].replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}_mutuality"')
    yield database_url
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}_mutuality" CASCADE')


def _deposit(root: Path, url: str) -> Path:
    path = write_920000(demo_sending(), root / sending_name(GROUP, PERIOD, 1))
    context, refac = open_refac_platform(root, url)
    try:
        context.create_provider("infirmiere", "nurse-secret-1", "Groupe", GROUP)
        who = context.accounts.principal("infirmiere")
        assert isinstance(who, Principal)
        deposit_id = context.deposit_bytes(who, GROUP, path.name, path.read_bytes(), Channel.API)
        with context.sessions.begin() as session:
            session.get_one(Deposit, deposit_id).received_at = RECEIVED_AT
    finally:
        refac.service.close()
        context.close()
    return path


def _out(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "var" / "mailboxes").rglob("out/*")) if p.is_file()}


@cache
def _expected() -> dict[str, bytes]:
    root = Path(mkdtemp(prefix="refac-worker-oracle-"))
    url = f"sqlite:///{root / 'platform.db'}"
    _deposit(root, url)
    run_refac_worker_once(root, url)
    return _out(root)


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_a_step_then_restarted_gives_the_replies_once(point: str, platform_url: str, tmp_path: Path) -> None:
    _deposit(tmp_path, platform_url)
    arguments = {"root": str(tmp_path), "url": platform_url, "engine": "refac", "received_at": RECEIVED_AT.isoformat()}
    run_killed("worker", point, arguments)
    run_refac_worker_once(tmp_path, platform_url)

    assert _out(tmp_path) == _expected()
    assert {"931000", "920900"} <= {name.rsplit(".", 1)[1] for name in _expected()}  # acknowledgement, settlement
    context, refac = open_refac_platform(tmp_path, platform_url)
    try:
        assert [d.status for d in context.deposits.list()] == [DepositStatus.ACCEPTED]
        assert len(refac.service.registry.payments()) == 1
        assert all(row.answers_published for row in refac.service.registry.sending_rows())
    finally:
        refac.service.close()
        context.close()
