"""REFAC: a recorded reception always ends with its acknowledgement (931000) and replies, whatever moment the
process was killed — the same files as a run without a crash, once, and one payment. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from tempfile import mkdtemp

import pytest

from tierspayant.core import outbox as core_outbox
from tierspayant.core.crashpoints import declared
from tierspayant.schemes.be_nursing.mutuality import service as refac_service
from tierspayant.schemes.be_nursing.mutuality.service import RefacService

from ..be_refac import files
from ..be_refac.helpers import FIRST_VISIT, OTHER, PLAIN
from .crashing import hidden_leftovers, run_killed, visible_files

RECEIVED = datetime(2025, 4, 2, 9, 30)
POINTS = [
    refac_service.DRAFTED,
    refac_service.STAGED,
    refac_service.COMMITTED,
    core_outbox.ONE_PUBLISHED,
    refac_service.PUBLISHED,
]


def test_every_crash_point_of_the_engine_is_exercised() -> None:
    assert set(declared("refac.")) | set(declared("outbox.")) == set(POINTS)


def _sending(folder: Path) -> Path:
    model = files.sending(
        files.invoice(PLAIN, files.service(FIRST_VISIT), files.service(424255, amount="12.34")),
        files.invoice(OTHER, files.service(FIRST_VISIT, amount="20.00"), number=2),
    )
    return files.write(model, folder)


@cache
def _expected() -> dict[str, bytes]:
    folder = Path(mkdtemp(prefix="refac-oracle-"))
    service = RefacService(f"sqlite:///{folder / 'refac.db'}")
    service.process(_sending(folder), folder / "out", RECEIVED)
    service.close()
    return visible_files(folder / "out")


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_any_step_then_rerun_gives_the_first_delivery_once(
    point: str, database_url: str, tmp_path: Path
) -> None:
    path, outbox = _sending(tmp_path), tmp_path / "out"
    service = RefacService(database_url)  # migrates the registry before the child uses it
    arguments = {"url": database_url, "path": str(path), "outbox": str(outbox), "received_at": RECEIVED.isoformat()}

    run_killed("refac", point, arguments)
    outcome = service.process(path, outbox, RECEIVED)

    assert outcome.status == "accepted" and outcome.acknowledgement is not None
    assert visible_files(outbox) == _expected()  # 931000 and 920900, once each, as without a crash
    assert sorted(visible_files(outbox)) == ["920000.920900", "920000.931000"]
    assert hidden_leftovers(outbox) == []
    assert len(service.registry.payments()) == 1 and service.registry.service_count() == 3
    assert all(row.answers_published for row in service.registry.sending_rows())
    assert service.process(path, tmp_path / "again", RECEIVED).status == "duplicate"
    service.close()


def test_killed_while_drafting_leaves_hidden_drafts_never_published(database_url: str, tmp_path: Path) -> None:
    path, outbox = _sending(tmp_path), tmp_path / "out"
    service = RefacService(database_url)
    arguments = {"url": database_url, "path": str(path), "outbox": str(outbox), "received_at": RECEIVED.isoformat()}
    run_killed("refac", refac_service.DRAFTED, arguments)
    drafts = [p.name for p in outbox.glob(".staging-*/*")]
    assert drafts and all(name.startswith(".draft-") for name in drafts)  # the body written ahead, hidden
    assert visible_files(outbox) == {}
    assert service.process(path, outbox, RECEIVED).status == "accepted"
    assert visible_files(outbox) == _expected() and hidden_leftovers(outbox) == []
    service.close()
