"""A national month on each rules engine (``make bench ONLY=scale``): DuckDB in-process vs Spark local[2] vs local[1].

The month (``schemes/be_nursing/refac/national``: every nurse's lines of one mutuality, default 10,000,000 lines,
generated once as Parquet under ``var/bench/scale/``) goes through every REFAC rule on each engine, each run in its
own child process (a JVM's master cannot change once started). In the same run it measures a baseline — DuckDB
reading every row table of the month once (count and sum of a column per table) — and prints, per engine:
wall seconds, lines/s, the ratio to the baseline and to DuckDB's rules, CPU seconds (the Python process and, for
Spark, its JVM), peak memory, the load average before and after, and whether the findings are identical to
DuckDB's (an order-independent digest of every finding row). Spark's session start (JVM launch) is shown apart.

``TIERSPAYANT_BENCH_SCALE_LINES`` sets the size; ``TIERSPAYANT_BENCH_QUICK=1`` (or ``--quick``) runs 5,000 lines on
DuckDB only: Spark in local mode needs minutes whatever the size (a JVM, then one job per rule: 141 s for 5,000 lines
on ``local[1]`` under load 19), and the suite's differential test already runs every rule on Spark;
``TIERSPAYANT_BENCH_SCALE_ENGINES=duckdb,local[2]`` picks the runs. Peak memory is each child's own (``VmHWM``, see
``benchmarks.harness``), or its JVM's when larger. Spark's driver gets
``TIERSPAYANT_SPARK_DRIVER_MEMORY`` (default here 4g).
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness import own_peak_mb

QUICK_LINES = 5_000
QUICK_RUNS = ("duckdb",)
FULL_LINES = 10_000_000
FOLDER = Path("var/bench/scale")
RUNS = ("duckdb", "local[2]", "local[1]")
console = Console(width=150)


def quick() -> bool:
    return os.environ.get("TIERSPAYANT_BENCH_QUICK") == "1" or "--quick" in sys.argv


def lines_wanted() -> int:
    if quick() and "TIERSPAYANT_BENCH_SCALE_LINES" not in os.environ:
        return QUICK_LINES
    return int(os.environ.get("TIERSPAYANT_BENCH_SCALE_LINES", FULL_LINES))


def _jvm_cpu_and_peak() -> tuple[float, int]:
    """CPU seconds and peak resident memory (KiB) of this process's Spark JVM, read from /proc."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None) if gateway is not None else None
    if proc is None:
        return 0.0, 0
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
    peak = 0
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1])
    return cpu, peak


def own_peak_kib() -> int:
    """This process's own peak RSS: ``ru_maxrss`` would carry the spawning parent's over (see benchmarks.harness)."""
    return int(own_peak_mb() * 1024)


def baseline(folder: str) -> dict[str, Any]:
    """DuckDB reading every column of every row table of the month once (a hash of each value summed, so nothing
    is answered from the Parquet statistics): the floor any engine pays to see the data."""
    import duckdb

    con = duckdb.connect()
    started, cpu = time.perf_counter(), time.process_time()
    for table in ("lines", "invoices", "all_services"):
        con.execute(f"SELECT sum(hash(COLUMNS(*)) % 1000) FROM read_parquet('{folder}/{table}/*.parquet')").fetchall()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "peak_kib": own_peak_kib(),
    }


def engine_run(folder: str, run: str) -> dict[str, Any]:
    """Every REFAC rule over the month on one engine (``duckdb`` or a Spark master such as ``local[2]``)."""
    from tierspayant.commands.month_progress import run_with_progress
    from tierspayant.core.rules import configure
    from tierspayant.schemes.be_nursing.mutuality.national import open_month

    engine = "duckdb" if run == "duckdb" else "spark"
    session_seconds = 0.0
    if engine == "spark":
        os.environ.setdefault("TIERSPAYANT_SPARK_DRIVER_MEMORY", "4g")
        configure(engine, run)
        from tierspayant.core.rules.spark import spark_session

        started = time.perf_counter()
        spark_session()
        session_seconds = time.perf_counter() - started
    month = open_month(Path(folder))
    done = run_with_progress(month, engine, Console(stderr=True))
    jvm_cpu, jvm_peak = _jvm_cpu_and_peak() if engine == "spark" else (0.0, 0)
    # order-independent: a sum of row hashes (each reduced so that ten million of them cannot overflow)
    digest = int((done.findings.hash_rows(seed=1) % 1_000_000_007).sum()) if done.findings.height else 0
    return {
        "seconds": done.seconds,
        "cpu": done.cpu_seconds,
        "jvm_cpu": jvm_cpu,
        "peak_kib": max(own_peak_kib(), jvm_peak),
        "session_seconds": session_seconds,
        "findings": done.findings.height,
        "digest": digest,
    }


def _in_child(function: Any, *args: Any) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(function, args)
    return result


def main() -> None:
    from tierspayant.commands.month_progress import ensure_month

    lines = lines_wanted()
    default_runs = QUICK_RUNS if quick() else RUNS
    runs = [r for r in os.environ.get("TIERSPAYANT_BENCH_SCALE_ENGINES", ",".join(default_runs)).split(",") if r]
    month = ensure_month(FOLDER, lines, console)
    console.print(
        f"month: {lines:,} lines under {month.folder} · machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores · Python {platform.python_version()}"
    )
    if quick() and "TIERSPAYANT_BENCH_SCALE_ENGINES" not in os.environ:
        console.print("quick mode: DuckDB only (the Spark runs take minutes at any size: `make bench ONLY=scale`)")
    results: dict[str, dict[str, Any]] = {}
    loads: dict[str, tuple[float, float]] = {}
    for name, function, args in [("baseline", baseline, (str(month.folder),))] + [
        (run, engine_run, (str(month.folder), run)) for run in runs
    ]:
        before = os.getloadavg()[0]
        results[name] = _in_child(function, *args)
        loads[name] = (before, os.getloadavg()[0])
        console.print(f"{name}: {results[name]['seconds']:.2f} s, load {before:.2f}→{loads[name][1]:.2f}")

    base = results["baseline"]["seconds"]
    duck = results.get("duckdb", {}).get("seconds")
    reference_digest = results.get("duckdb", {}).get("digest")
    table = Table(title=f"National month: {lines:,} lines, every REFAC rule")
    for column in ("run", "wall s", "lines/s", "× baseline", "× DuckDB", "CPU s (py+JVM)", "peak MB", "load 1m",
                   "findings", "same as DuckDB", "JVM start s"):  # fmt: skip
        table.add_column(column, justify="right")
    for name, result in results.items():
        seconds = result["seconds"]
        cpu = result["cpu"] + result.get("jvm_cpu", 0.0)
        same = "—" if name in ("baseline", "duckdb") or reference_digest is None else (
            "yes" if (result["digest"], result["findings"]) == (reference_digest, results["duckdb"]["findings"])
            else "NO"
        )  # fmt: skip
        table.add_row(
            name,
            f"{seconds:.2f}",
            f"{lines / seconds:,.0f}",
            f"{seconds / base:.1f}",
            f"{seconds / duck:.2f}" if duck else "—",
            f"{cpu:.1f}",
            f"{result['peak_kib'] / 1024:,.0f}",
            f"{loads[name][0]:.2f}→{loads[name][1]:.2f}",
            f"{result.get('findings', ''):,}" if "findings" in result else "—",
            same,
            f"{result.get('session_seconds', 0.0):.1f}" if name.startswith("local") else "—",
        )
    console.print(table)
    if "local[1]" in results and "local[2]" in results:
        console.print(
            f"Spark scaling local[1] → local[2]: {results['local[1]']['seconds'] / results['local[2]']['seconds']:.2f}×"
        )


if __name__ == "__main__":
    main()
