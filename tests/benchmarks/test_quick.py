"""Every benchmark runs to its end (``make bench QUICK=1``: small sizes, a fresh process per benchmark), so a broken
benchmark fails the suite. What it prints is not checked for speed: speed is measured by ``make bench`` alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))


@pytest.mark.slow
def test_every_benchmark_runs_in_quick_mode() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert result.stdout.startswith("machine: "), result.stdout[:500]
    for name in BENCHMARKS:
        assert f"=== {name} ===" in result.stdout
        assert f"--- {name}: done in " in result.stdout, result.stdout[-4000:]
    assert "load average" in result.stdout
    # every benchmark states a ratio against a baseline measured in the same run
    for section in result.stdout.split("\n=== ")[1:]:
        assert "baseline" in section, section[:2000]


def test_an_unknown_benchmark_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "no_such_bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown benchmark(s): no_such_bench" in result.stderr
