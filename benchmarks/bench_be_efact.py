"""eFact 920000 reader: a generated sending of N record-50 lines read into typed, checked frames, against the bare
fixed-width split of the same file (the baseline, measured in the same run).

``python -m benchmarks be_efact`` (``make bench ONLY=be_efact``); ``BE_EFACT_LINES`` sets N (default 1,000,000;
2,000 in quick mode). Each step runs once, in its own spawned process (``benchmarks.harness.measure``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.harness import load, measure, row, size
from tierspayant.schemes.be_nursing.examples import generate_sending
from tierspayant.schemes.be_nursing.formats.frames import bare_split, read_sending
from tierspayant.schemes.be_nursing.mutuality.intake import COLUMNS as REFAC_COLUMNS  # the zones REFAC reads


def generate(lines: int, path: Path) -> int:
    generate_sending(lines, path)
    return lines


def split(path: Path, every_zone: bool) -> int:
    return bare_split(path, "50", None if every_zone else REFAC_COLUMNS["50"]).height


def read(path: Path, every_zone: bool) -> int:
    sending = read_sending(path, columns=None if every_zone else REFAC_COLUMNS)
    if not sending.ok:
        raise RuntimeError(f"the generated sending does not read clean: {sending.findings[:3]}")
    return sending.frames["50"].height


def main() -> None:
    lines = size("BE_EFACT_LINES", 1_000_000, 2_000)
    some = len(REFAC_COLUMNS["50"])
    with tempfile.TemporaryDirectory(prefix="bench_be_efact_") as folder:
        path = Path(folder) / "920000.txt"
        generated = measure(generate, lines, path)
        print(f"920000: {lines:,} record-50 lines, {path.stat().st_size / 1e6:,.1f} MB; {load()}")
        print("ratios are against the bare split of the same zones (CPU time, then wall time)", flush=True)
        baseline = measure(split, path, False)
        print(row(f"bare split, {some} record-50 zones (baseline)", baseline, lines, "lines", None), flush=True)
        checked = measure(read, path, False)
        print(row(f"read_sending, checked, {some} typed zones", checked, lines, "lines", baseline), flush=True)
        every_split = measure(split, path, True)
        print(row("bare split, every record-50 zone (baseline)", every_split, lines, "lines", None), flush=True)
        every = measure(read, path, True)
        print(row("read_sending, every zone of every record", every, lines, "lines", every_split), flush=True)
        print(row("generate_sending (column-wise writer)", generated, lines, "lines", baseline))


if __name__ == "__main__":
    main()
