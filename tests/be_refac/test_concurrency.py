"""The same sending processed by several processes at once: exactly one acceptance; every other process answers —
920098 "already accepted" for the same file (exit status 0), 920999 for another file under that number (exit
status 2) — instead of dying on the registry's unique key. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tierspayant.schemes.be_nursing.mutuality import service as refac_service
from tierspayant.schemes.be_nursing.mutuality.service import RefacService
from tierspayant.schemes.be_nursing.store.mutuality.registry import PriorSending, SendingKey

from . import files
from .helpers import DIABETES_PATH, FIRST_VISIT, OTHER, PLAIN, UNKNOWN

RECEIVED = datetime(2025, 4, 2, 9, 30)


def _file(tmp_path: Path, niss: str = PLAIN, name: str = "920000.txt") -> Path:
    return files.write(files.sending(files.invoice(niss, files.service(FIRST_VISIT), files.service())), tmp_path, name)


class _CheckedBeforeTheOther(RefacService):
    """A REFAC process whose number check runs just before another process commits the same number: the check says
    "free", then the other process accepts — the interleavings two real processes can produce. ``lose_at`` 1: the
    other commits before our rules read the history; 2: after our last check, just before our commit."""

    def __init__(self, database_url: str, other: Path, outbox: Path, lose_at: int) -> None:
        super().__init__(database_url)
        self._other, self._outbox, self._calls = other, outbox, 0
        checked = self.registry.accepted_with_number

        def check_then_lose(key: SendingKey) -> PriorSending | None:
            found = checked(key)
            self._calls += 1
            if self._calls == lose_at:
                rival = RefacService(database_url)
                # REFAC processes take turns on the registry's lock (store.database.exclusive), which this process
                # holds; the rival plays a writer that does not take it, so the registry's unique key is what stops
                # the second acceptance — the defence that remains if the lock is ever missing.
                try:
                    with pytest.MonkeyPatch.context() as patch:
                        patch.setattr(refac_service, "exclusive", lambda *_: contextlib.nullcontext())
                        assert rival.process(self._other, self._outbox / "rival", RECEIVED).status == "accepted"
                finally:
                    rival.close()
            return found

        self.registry.accepted_with_number = check_then_lose  # type: ignore[method-assign]


LOSE_AT = pytest.mark.parametrize("lose_at", [1, 2], ids=["before-the-rules", "at-commit"])


@LOSE_AT
def test_the_loser_of_a_race_on_the_same_file_answers_920098(database_url: str, tmp_path: Path, lose_at: int) -> None:
    path = _file(tmp_path)
    loser = _CheckedBeforeTheOther(database_url, path, tmp_path, lose_at)
    try:
        outcome = loser.process(path, tmp_path / "loser", RECEIVED)
    finally:
        loser.close()
    assert (outcome.status, outcome.reply_kind) == ("duplicate", "920098")
    assert sorted(p.name for p in (tmp_path / "loser").iterdir()) == ["920000.920098", "920000.931000"]
    assert [s.status for s in RefacService(database_url).registry.sendings()] == ["accepted", "duplicate"]


@LOSE_AT
def test_the_loser_of_a_race_with_another_file_answers_920999(database_url: str, tmp_path: Path, lose_at: int) -> None:
    winner = _file(tmp_path / "w", OTHER)
    loser_file = _file(tmp_path / "l")
    loser = _CheckedBeforeTheOther(database_url, winner, tmp_path, lose_at)
    try:
        outcome = loser.process(loser_file, tmp_path / "loser", RECEIVED)
    finally:
        loser.close()
    assert (outcome.status, outcome.reply_kind) == ("refused", "920999")
    assert outcome.findings[0].code == "E301040"
    assert sorted(p.name for p in (tmp_path / "loser").iterdir()) == ["920000.920999", "920000.931000"]


def test_without_a_race_the_file_is_simply_accepted(database_url: str, tmp_path: Path) -> None:
    service = RefacService(database_url)
    try:
        assert service.process(_file(tmp_path), tmp_path / "out", RECEIVED).status == "accepted"
    finally:
        service.close()


@pytest.mark.parametrize("same_file", [True, False], ids=["same-file", "other-file"])
def test_processes_started_together_give_one_acceptance_and_answers(
    database_url: str, tmp_path: Path, same_file: bool
) -> None:
    """Four real `tierspayant be refac process` processes on one database: exit statuses as documented."""
    RefacService(database_url).close()  # migrate once, before the processes start
    patients = [PLAIN] * 4 if same_file else [PLAIN, OTHER, UNKNOWN, DIABETES_PATH]  # four different files
    paths = [_file(tmp_path / f"p{i}", niss) for i, niss in enumerate(patients)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "tierspayant.cli", "be", "refac", "process", str(path), "--database",
             database_url, "--received-at", RECEIVED.isoformat(), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        for path in paths
    ]
    results = [(p.wait(timeout=300), p.stderr.read().decode() if p.stderr else "") for p in started]
    statuses = sorted(code for code, _ in results)
    assert all("IntegrityError" not in err and "Traceback" not in err for _, err in results), results
    if same_file:
        assert statuses == [0, 0, 0, 0]  # one acceptance, three 920098 "already accepted"
    else:
        assert statuses.count(0) == 1 and statuses.count(2) == 3  # one acceptance, three 920999
    registry = RefacService(database_url).registry
    assert [s.status for s in registry.sendings()].count("accepted") == 1
    for path in paths:
        assert {p.suffix for p in (path.parent / "replies").iterdir()} >= {".931000"}
