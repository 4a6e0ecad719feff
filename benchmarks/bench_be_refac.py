"""REFAC throughput: a 920000 with N record-50 lines (each with its eID record 52) through the whole mutuality side —
read with every record's check digits and the check numbers verified, every rule of rules.yaml, propagation,
decision, replies written (920098 + 920900, or 920099), the registry and ledger committed — against the bare
fixed-width split of the same file into columns with Polars, measured in the same run.

``python -m benchmarks be_refac`` (``make bench ONLY=be_refac``); ``BENCH_BE_REFAC_LINES`` sets N (default 1,000,000).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import polars as pl

from tierspayant.schemes.be_nursing.examples import generate_sending
from tierspayant.schemes.be_nursing.formats.frames import bare_split
from tierspayant.schemes.be_nursing.formats.zones import RECORDS
from tierspayant.schemes.be_nursing.mutuality.reference import sample_dir
from tierspayant.schemes.be_nursing.mutuality.service import RefacService

DEFAULT_LINES = 1_000_000
GOAL_RATIO = 8.0


def reference_for(data: bytes, directory: Path) -> Path:
    """The SAMPLE reference set, with the generated patients registered as members of their mutuality (otherwise
    every invoice would be refused with 200742, which is not what a real file looks like)."""
    shutil.copytree(str(sample_dir()), directory, dirs_exist_ok=True)
    lines = pl.Series("line", data.decode("ascii").split("\n")[2:])  # after segments 200 and 300
    records_20 = lines.filter(lines.str.starts_with("20"))
    zone = RECORDS["20"]
    members = pl.DataFrame({"line": records_20}).select(
        pl.col("line").str.slice(zone.zone("niss").offset + 2, 11).alias("niss"),
        pl.col("line").str.slice(zone.zone("affiliation_mutuality").offset, 3).cast(pl.Int64).alias("mutuality"),
        pl.lit(0).alias("ct1"),
        pl.lit(0).alias("ct2"),
        pl.lit("2015-01-01").alias("valid_from"),
        pl.lit(None, dtype=pl.Utf8).alias("valid_to"),
    )
    members.unique("niss").write_csv(directory / "insurability.csv")
    return directory


def main() -> None:
    n_lines = int(os.environ.get("BENCH_BE_REFAC_LINES", DEFAULT_LINES))
    with tempfile.TemporaryDirectory(prefix="bench_be_refac_") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        data = generate_sending(n_lines, root / "920000.txt", eid=True, period=202403)
        generated = time.perf_counter() - started
        reference = reference_for(data, root / "reference")
        size_mb = len(data) / 1e6
        print(f"generated {n_lines:,} record-50 lines (+ records 52), {size_mb:,.0f} MB in {generated:.1f} s")

        started, cpu = time.perf_counter(), time.process_time()
        # the baseline: every line of the file cut into the 52 zones of the record-50 layout, no typing, no checks
        split = bare_split(root / "920000.txt", "50", RECORDS["50"].names, every_line=True)
        split_seconds, split_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"bare Polars split: {split.height:,} lines x {split.width} columns in {split_seconds:.2f} s "
            f"(CPU {split_cpu:.2f} s, all threads)"
        )

        service = RefacService(f"sqlite:///{root / 'refac.db'}", reference)
        try:
            started, cpu = time.perf_counter(), time.process_time()
            outcome = service.process(root / "920000.txt", root / "outbox", received_at=datetime(2024, 4, 2, 9))
            refac_seconds, refac_cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            service.close()
        written = sum(p.stat().st_size for p in outcome.written) / 1e6
        print(
            f"REFAC: {outcome.status} ({', '.join(outcome.replies)}), {outcome.counts.lines:,} lines, "
            f"{outcome.counts.rejected_lines:,} rejected, error rate {outcome.error_percentage} %, "
            f"{written:,.0f} MB of replies, in {refac_seconds:.2f} s (CPU {refac_cpu:.2f} s)"
        )
        ratio = refac_seconds / split_seconds
        rates = f"REFAC {n_lines / refac_seconds:,.0f} lines/s; bare split {n_lines / split_seconds:,.0f} lines/s"
        print(f"throughput: {rates}")
        verdict = "meets" if ratio <= GOAL_RATIO else "misses"
        print(f"ratio REFAC / bare split: {ratio:.1f}x ({verdict} the goal of <= {GOAL_RATIO:.0f}x)")
        print(f"ratio of CPU times: {refac_cpu / split_cpu:.1f}x (a shared machine's load shows less in CPU time)")


if __name__ == "__main__":
    main()
