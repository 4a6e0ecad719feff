"""REFAC throughput: a 920000 with N record-50 lines (each with its eID record 52) through the whole mutuality side —
read with every record's check digits and the check numbers verified, every rule of rules.yaml, propagation,
decision, replies written (920098 + 920900, or 920099), the registry and ledger committed — against the bare
fixed-width split of the same file into columns with Polars, measured in the same run; and against a second
baseline, the format's own floor: that split plus writing replies of the same size as REFAC's (a 931000, and two
annotated replies of every record with a neutral 450-character error part, one writer thread per file).

``python -m benchmarks be_refac`` (``make bench ONLY=be_refac``); ``BENCH_BE_REFAC_LINES`` sets N (default 1,000,000;
2,000 in quick mode). The split and REFAC each run in their own spawned process (``benchmarks.harness.measure``:
CPU time of every thread, the step's own peak memory).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.harness import load, measure, row, size
from tierspayant.schemes.be_nursing.examples import generate_sending
from tierspayant.schemes.be_nursing.formats.frames import bare_split, body_offset
from tierspayant.schemes.be_nursing.formats.reply_writer import NEUTRAL_ERROR_PART
from tierspayant.schemes.be_nursing.formats.zones import RECORDS
from tierspayant.schemes.be_nursing.mutuality.reference import sample_dir
from tierspayant.schemes.be_nursing.mutuality.service import RefacService

DEFAULT_LINES = 1_000_000
GOAL_WALL = 6.0  # issue 10: REFAC <= 6x the bare split in wall time ...
GOAL_CPU = 5.0  # ... and <= 5x in CPU time
REPLY_CHUNK = 8_192 * 351  # bytes of received records per write


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


def split(path: Path) -> int:
    """The baseline: every line of the file cut into the 52 zones of the record-50 layout, no typing, no checks."""
    return bare_split(path, "50", RECORDS["50"].names, every_line=True).height


def split_and_replies(path: Path) -> int:
    """The second baseline: the bare split, then the replies' bytes written as plainly as possible — a 931000 (the
    two segments) and two files of every record followed by the neutral error part (what a 920098 and a 920900
    hold without their errors and totals), one thread per file."""
    rows = split(path)
    data = path.read_bytes()
    start = body_offset(data)
    out = path.parent / "floor"
    out.mkdir(exist_ok=True)
    (out / "floor.931000").write_bytes(data[:start])

    def annotated(name: str) -> None:
        with open(out / name, "wb") as handle:
            handle.write(data[:start])
            for first in range(start, len(data), REPLY_CHUNK):
                handle.write(data[first : first + REPLY_CHUNK].replace(b"\n", NEUTRAL_ERROR_PART + b"\n"))

    threads = [threading.Thread(target=annotated, args=(name,)) for name in ("floor.920098", "floor.920900")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shutil.rmtree(out)
    return rows


def open_service(root: Path, reference: Path) -> RefacService:
    return RefacService(f"sqlite:///{root / 'refac.db'}", reference)


def refac(service: RefacService, root: Path) -> dict[str, Any]:
    try:
        outcome = service.process(root / "920000.txt", root / "outbox", received_at=datetime(2024, 4, 2, 9))
    finally:
        service.close()
    return {
        "status": outcome.status,
        "replies": ", ".join(outcome.replies),
        "lines": outcome.counts.lines,
        "rejected": outcome.counts.rejected_lines,
        "error_percentage": outcome.error_percentage,
        "written_mb": sum(p.stat().st_size for p in outcome.written) / 1e6,
    }


def main() -> None:
    n_lines = size("BENCH_BE_REFAC_LINES", DEFAULT_LINES, 2_000)
    with tempfile.TemporaryDirectory(prefix="bench_be_refac_") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        data = generate_sending(n_lines, root / "920000.txt", eid=True, period=202403, destination_mutuality=319)
        generated = time.perf_counter() - started
        reference = reference_for(data, root / "reference")
        del data
        print(f"generated {n_lines:,} record-50 lines (+ records 52), {(root / '920000.txt').stat().st_size / 1e6:,.1f}"
              f" MB in {generated:.1f} s (untimed set-up); {load()}")  # fmt: skip
        print("ratios are against the bare Polars split of the same file (CPU time, then wall time)", flush=True)
        baseline = measure(split, root / "920000.txt")
        print(row(f"bare Polars split, {len(RECORDS['50'].names)} zones (baseline)", baseline, n_lines, "lines",
                  None), flush=True)  # fmt: skip
        floor = measure(split_and_replies, root / "920000.txt")
        print(row("split + replies of the same size (the format's floor)", floor, n_lines, "lines", baseline),
              flush=True)  # fmt: skip
        whole = measure(refac, root, setup=(open_service, root, reference))
        print(row("REFAC, whole (read, rules, decision, replies)", whole, n_lines, "lines", baseline), flush=True)
        summary = whole.result
        print(
            f"REFAC: {summary['status']} ({summary['replies']}), {summary['lines']:,} lines, {summary['rejected']:,} "
            f"rejected, error rate {summary['error_percentage']} %, {summary['written_mb']:,.1f} MB of replies"
        )
        wall, cpu = whole.wall / baseline.wall, whole.cpu / baseline.cpu
        verdict = "meets" if wall <= GOAL_WALL and cpu <= GOAL_CPU else "misses"
        print(f"ratio REFAC / bare split: {wall:.2f}x wall, {cpu:.2f}x CPU ({verdict} the goal of <= {GOAL_WALL:.0f}x "
              f"wall and <= {GOAL_CPU:.0f}x CPU)")  # fmt: skip
        print(f"ratio REFAC / split + replies (the floor): {whole.wall / floor.wall:.2f}x wall, "
              f"{whole.cpu / floor.cpu:.2f}x CPU")  # fmt: skip
        print(f"peak memory: split {baseline.peak_mb:,.0f} MB, split + replies {floor.peak_mb:,.0f} MB, "
              f"REFAC {whole.peak_mb:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
