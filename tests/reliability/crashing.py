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


def race(engine: str, runs: list[dict[str, str]]) -> list[str]:
    """Start one child per run, let them all begin at the same moment, and return their outcomes' statuses."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SOURCES), str(CHILD.parent)])}
    environment.pop(ENV, None)
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), engine, json.dumps({**run, "race": "1"})],
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for run in runs
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    for child in children:  # go
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    statuses = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-3000:]
        statuses.append(json.loads(out.strip().splitlines()[-1])["status"])
    return statuses
