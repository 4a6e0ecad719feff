"""Run every benchmark (``make bench``), or only those named (``python -m benchmarks kin_fund``); ``--quick``
(``make bench QUICK=1``) runs each at a small size.

Each benchmark module runs in its own fresh Python process (never in this one, never forked from a process whose
Polars or DuckDB thread pools have started), so one benchmark cannot stall or colour the next. The machine and its
load are printed once; each benchmark prints its own figures. The exit status is non-zero if any benchmark failed.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import QUICK_ENV, load, machine

QUICK_TIMEOUT = 600  # seconds per benchmark in quick mode: a stall is a failure, not a hang


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    quick = "--quick" in argv or os.environ.get(QUICK_ENV) == "1"
    wanted_names = [a for a in argv if a != "--quick"]
    unknown = set(wanted_names) - {n.removeprefix("bench_") for n in names()}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names())}", file=sys.stderr)
        return 2
    wanted = [n for n in names() if not wanted_names or n.removeprefix("bench_") in wanted_names]
    env = dict(os.environ, **({QUICK_ENV: "1"} if quick else {}))
    print(machine(), flush=True)
    print(f"{load()} at the start{'; QUICK mode: small sizes, figures not meaningful' if quick else ''}", flush=True)
    failed: list[str] = []
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            result = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}"],
                env=env,
                cwd=Path(__file__).resolve().parents[1],
                timeout=QUICK_TIMEOUT if quick else None,
            )
            ok = result.returncode == 0
        except subprocess.TimeoutExpired:
            print(f"{name}: still running after {QUICK_TIMEOUT} s in quick mode — stopped", flush=True)
            ok = False
        print(
            f"--- {name}: {'done' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s; {load()}", flush=True
        )
        if not ok:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
