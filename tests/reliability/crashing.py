"""Run an engine step in a child process that a crash point kills, and read an outbox back for comparison."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import tierspayant
from tierspayant.core.crashpoints import ENV

CHILD = Path(__file__).with_name("crash_child.py")
SOURCES = Path(tierspayant.__file__).resolve().parents[1]


def run_killed(engine: str, point: str, arguments: dict[str, str]) -> None:
    """Run ``engine`` with ``arguments`` in a child process and check that it died by SIGKILL at ``point``."""
    environment = {**os.environ, ENV: point, "PYTHONPATH": os.pathsep.join([str(SOURCES), str(CHILD.parent)])}
    done = subprocess.run(
        [sys.executable, str(CHILD), engine, json.dumps(arguments)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, f"{point} was not reached: rc {done.returncode}\n{done.stderr[-3000:]}"


def visible_files(folder: Path) -> dict[str, bytes]:
    """What a client can collect from ``folder``: every file whose name does not start with a dot, with its bytes."""
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def hidden_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) if folder.exists() else []
