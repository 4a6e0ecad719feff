"""Start-up time of the command line: ``tierspayant --help`` against ``python -c pass`` (the interpreter alone, the
baseline), measured in the same run; goal < 0.5 s (issue 12). Each command runs ``BENCH_STARTUP_RUNS`` times (default
10; 2 in quick mode), one after the other; the median and the fastest wall time and the median CPU time (user +
system of the child) are printed. Then one ``-X importtime`` run of ``import tierspayant.cli`` names the heaviest
top-level imports.

``python -m benchmarks startup`` (``make bench ONLY=startup``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import load, size

GOAL_SECONDS = 0.5


def command_line() -> list[str]:
    """The installed ``tierspayant`` script (what a user types), or the same entry point through the interpreter."""
    script = Path(sys.executable).parent / "tierspayant"
    if script.exists():
        return [str(script), "--help"]
    return [sys.executable, "-c", "import sys; from tierspayant.cli import app; sys.argv[0] = 'tierspayant'; app()",
            "--help"]  # fmt: skip


def timed(command: list[str], runs: int) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) of each run of ``command``."""
    walls, cpus = [], []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - started)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
        cpus.append(usage.ru_utime + usage.ru_stime)
    return walls, cpus


def heaviest_imports(limit: int = 8) -> list[tuple[str, float]]:
    """Top-level packages by their own import time (seconds, ``self`` column summed over the package's modules) when
    ``tierspayant.cli`` is imported: where the start-up goes."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tierspayant.cli"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        package = fields[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(fields[0]) / 1e6
    return sorted(totals.items(), key=lambda item: -item[1])[:limit]


def main() -> None:
    runs = size("BENCH_STARTUP_RUNS", 10, 2)
    print(f"{runs} runs each, one after the other; {load()}")
    baseline_walls, baseline_cpus = timed([sys.executable, "-c", "pass"], runs)
    help_walls, help_cpus = timed(command_line(), runs)
    base_wall, base_cpu = statistics.median(baseline_walls), statistics.median(baseline_cpus)
    for label, walls, cpus in (
        ("python -c pass (baseline)", baseline_walls, baseline_cpus),
        ("tierspayant --help", help_walls, help_cpus),
    ):
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"{label:28} median {wall:6.3f} s wall (fastest {min(walls):6.3f} s), median {cpu:6.3f} s CPU, "
              f"{1 / wall:6.1f} starts/s; {wall / base_wall:5.1f}× the baseline's wall, "
              f"{cpu / max(base_cpu, 1e-3):5.1f}× its CPU")  # fmt: skip
    verdict = "meets" if statistics.median(help_walls) < GOAL_SECONDS else "misses"
    print(f"tierspayant --help: {verdict} the goal of < {GOAL_SECONDS} s (median wall); {load()}")
    heavy = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in heaviest_imports())
    print(f"import time of tierspayant.cli by package (-X importtime, one run): {heavy}")


if __name__ == "__main__":
    main()
