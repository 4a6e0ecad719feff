"""eFact 920000 reader: a generated sending of N record-50 lines read into typed, checked frames, against the bare
fixed-width split of the same file (``BE_EFACT_LINES``, default 1,000,000)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tierspayant.schemes.be_nursing.examples import generate_sending
from tierspayant.schemes.be_nursing.formats.frames import bare_split, read_sending
from tierspayant.schemes.be_nursing.mutuality.intake import COLUMNS as REFAC_COLUMNS  # the zones REFAC reads


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    lines = int(os.environ.get("BE_EFACT_LINES", "1000000"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "920000.txt"
        start = time.perf_counter()
        generate_sending(lines, path)
        print(f"generate_sending({lines:,}): {time.perf_counter() - start:.2f} s, {path.stat().st_size / 1e6:.0f} MB")
        columns = REFAC_COLUMNS["50"]
        split = best_of(3, lambda: bare_split(path, "50", columns))
        print(f"bare split of the records 50 into {len(columns)} text columns: {split:.2f} s")
        some = best_of(3, lambda: read_sending(path, columns=REFAC_COLUMNS))
        print(f"read_sending, checked, {len(columns)} typed columns of record 50: {some:.2f} s ({some / split:.1f}×)")
        every = best_of(1, lambda: read_sending(path))
        split_all = best_of(1, lambda: bare_split(path, "50"))
        print(
            f"read_sending, every data zone of every record: {every:.2f} s "
            f"(bare split of every record-50 zone: {split_all:.2f} s, {every / split_all:.1f}×)"
        )


if __name__ == "__main__":
    main()
