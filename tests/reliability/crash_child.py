"""Run one engine step in a child process (``python crash_child.py <engine> <json arguments>``).

The recovery tests start it with ``TIERSPAYANT_CRASH_AT`` naming a crash point; it dies there by SIGKILL.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path


def _ready() -> None:
    """Racing children: say so, then wait for the test's go (one line on stdin), so that both start together."""
    print("ready", flush=True)
    sys.stdin.readline()


def main(engine: str, arguments: dict[str, str]) -> None:
    received_at = datetime.fromisoformat(arguments["received_at"])
    if engine == "kin":
        from tierspayant.schemes.lu_kin.fund.service import FundService

        fund = FundService(arguments["url"])
        if arguments.get("race"):
            fund.reference()  # loaded before the start: the race is over the processing
            _ready()
        outcome = fund.process(Path(arguments["path"]), Path(arguments["outbox"]), received_at)
        print(json.dumps({"status": outcome.status}), flush=True)
    elif engine == "refac":
        from tierspayant.schemes.be_nursing.mutuality.service import RefacService

        refac = RefacService(arguments["url"])
        if arguments.get("race"):
            _ready()
        result = refac.process(Path(arguments["path"]), Path(arguments["outbox"]), received_at)
        print(json.dumps({"status": result.status}), flush=True)
    elif engine == "worker":
        from platform_run import run_worker_once  # a sibling module: this script's folder is on sys.path

        run_worker_once(Path(arguments["root"]), arguments["url"], arguments.get("engine", "kin"))
    else:
        raise SystemExit(f"unknown engine {engine}")


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
