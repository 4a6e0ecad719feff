"""A rich progress display for a national month: generating its parts, then each rule as it finishes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tierspayant.core.rules.model import Rule
from tierspayant.schemes.be_nursing.mutuality.evaluation import refac_rules
from tierspayant.schemes.be_nursing.mutuality.national import Month, generate_month, month_folder, open_month, run_month


@dataclass(frozen=True)
class MonthRun:
    engine: str
    lines: int
    findings: pl.DataFrame
    seconds: float
    cpu_seconds: float  # this process's CPU (the JVM's is counted by whoever started it: see bench_scale)


def progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def ensure_month(root: Path, lines: int, console: Console) -> Month:
    """The month of ``lines`` lines under ``root`` (generated once, then reused)."""
    folder = month_folder(root, lines)
    if (folder / "lines").is_dir() and any((folder / "lines").iterdir()) and (folder / ".complete").exists():
        return open_month(folder)
    with progress(console) as bar:
        task = bar.add_task("generating the month", total=lines, note="lines (Parquet parts)")
        month = generate_month(folder, lines, on_part=lambda n: bar.advance(task, n))
    (folder / ".complete").touch()
    return month


def run_with_progress(month: Month, engine: str, console: Console) -> MonthRun:
    rules = refac_rules()
    found = 0
    with progress(console) as bar:
        task = bar.add_task(f"{engine}: {month.lines:,} lines", total=len(rules), note="")

        def done(rule: Rule, hits: pl.DataFrame) -> None:
            nonlocal found
            found += hits.height
            bar.update(task, advance=1, note=f"{rule.id}: {hits.height:,} · {found:,} findings")

        started, cpu = time.perf_counter(), time.process_time()
        findings = run_month(month, engine, on_rule=done)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return MonthRun(engine, month.lines, findings, seconds, cpu_seconds)
