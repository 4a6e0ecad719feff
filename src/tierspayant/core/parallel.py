"""Splitting one large input across the machine's cores: a process pool safe to start at any time, and byte ranges.

Neutral: no scheme is imported here. A reader that wants both cores cuts its file at record boundaries
(``split_points``), hands each range to a process and merges what comes back in file order.

Why processes started by a **forkserver** (never ``fork``): the caller usually has Polars' and DuckDB's thread pools
running; a child forked from such a process can inherit a lock held by a thread that does not exist in the child
and stall in its first parallel operation (the ``make bench`` stall of issue 17). The forkserver is a fresh
interpreter started once (``exec``), which imports the ``preload`` modules and forks the workers from its own
single-threaded state: no inherited locks, and no import cost per worker.

``TIERSPAYANT_PROCESSES`` sets how many processes share a job (default: the usable cores; ``1`` turns splitting off).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.util
import os
import resource
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import BinaryIO

PROCESSES_ENV = "TIERSPAYANT_PROCESSES"
_CHUNK = 1 << 20

_pools: dict[tuple[int, tuple[str, ...]], ProcessPoolExecutor] = {}


def processes() -> int:
    """How many processes may share one job: ``TIERSPAYANT_PROCESSES``, else the cores this process may use."""
    value = os.environ.get(PROCESSES_ENV)
    if value:
        return max(1, int(value))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def pool(workers: int, preload: Sequence[str] = ()) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes forked by a forkserver that has imported ``preload`` — one per
    (size, preload) for the life of this process (a long-running worker pays the start-up once)."""
    key = (workers, tuple(preload))
    existing = _pools.get(key)
    if existing is not None:
        return existing
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if preload and context.get_start_method() == "forkserver":
        context.set_forkserver_preload(list(preload))
    created = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    _pools[key] = created
    return created


def discard(executor: ProcessPoolExecutor) -> None:
    """Forget a pool whose process died (``BrokenProcessPool``): the next ``pool`` call starts a fresh one."""
    for key, existing in list(_pools.items()):
        if existing is executor:
            del _pools[key]
    executor.shutdown(wait=False, cancel_futures=True)


def warm(workers: int, preload: Sequence[str] = ()) -> None:
    """Start the pool's processes now (set-up time), not inside the first job."""
    executor = pool(workers, preload)
    for future in [executor.submit(os.getpid) for _ in range(workers)]:
        future.result()


def _shutdown() -> None:
    for executor in _pools.values():
        executor.shutdown(wait=True, cancel_futures=True)
    _pools.clear()


# Shut the pools down at exit, also in a multiprocessing child: its exit skips ``atexit`` but runs these finalizers
# first, then joins its children — which, if still waiting for work, would keep it (and a ``| tail``) hanging.
multiprocessing.util.Finalize(None, _shutdown, exitpriority=100)
atexit.register(_shutdown)


def reset_peak() -> None:
    """Reset this process's peak RSS (``VmHWM``), so that a pooled worker reports the peak of one task."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """This process's peak RSS in MB (``VmHWM``; ``ru_maxrss`` where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def split_points(
    path: Path, start: int, end: int, parts: int, marker: bytes, last_share: float = 1.0
) -> list[int]:
    """Up to ``parts - 1`` offsets in ``(start, end)`` that cut ``path`` into ranges of about equal size (the last
    one ``last_share`` times the others), each just after an occurrence of ``marker`` (the end of a record),
    strictly increasing. Fewer when ``marker`` is rare.

    Only bytes are looked at: whether a cut is really between two records is for the reader to prove (a cut inside
    a comment or a nested element leaves a range that does not parse on its own).
    """
    points: list[int] = []
    if parts < 2 or end <= start:
        return points
    with open(path, "rb") as stream:
        for part in range(1, parts):
            share = part / (parts - 1 + last_share)
            target = max(start + int((end - start) * share), points[-1] if points else start)
            found = _find_after(stream, target, end, marker)
            if found is None:
                break
            if found < end and (not points or found > points[-1]):
                points.append(found)
    return points


def _find_after(stream: BinaryIO, at: int, end: int, marker: bytes) -> int | None:
    """The offset just after the first ``marker`` at or after ``at`` (before ``end``), or None."""
    position = at
    carry = b""
    while position < end:
        stream.seek(position)
        chunk = stream.read(min(_CHUNK, end - position))
        if not chunk:
            return None
        window = carry + chunk
        found = window.find(marker)
        if found >= 0:
            return position - len(carry) + found + len(marker)
        carry = window[-(len(marker) - 1) :] if len(marker) > 1 else b""
        position += len(chunk)
    return None


def count_newlines(path: Path, start: int, end: int) -> int:
    """How many ``\\n`` bytes lie in ``path[start:end]``."""
    total = 0
    with open(path, "rb") as stream:
        stream.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = stream.read(min(_CHUNK, remaining))
            if not chunk:
                break
            total += chunk.count(b"\n")
            remaining -= len(chunk)
    return total


__all__ = [
    "PROCESSES_ENV",
    "count_newlines",
    "discard",
    "peak_mb",
    "pool",
    "processes",
    "reset_peak",
    "split_points",
    "warm",
]
