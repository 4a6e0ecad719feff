"""What every benchmark shares: the machine and its load, the quick mode, and one measured step in its own process.

Each measured step runs in a fresh process started with ``spawn`` (never ``fork``: a child forked after Polars'
or DuckDB's thread pool started deadlocks in its first parallel operation — the ``make bench`` stall of issue 17).
Its peak memory is that process's own high-water mark (``VmHWM`` of ``/proc/self/status``, reset through
``/proc/self/clear_refs`` after the untimed set-up): ``ru_maxrss`` would not do, Linux carries it over ``fork`` and
``exec``, so a spawned child reports its parent's peak when the parent was bigger.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import platform
import queue as queues
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUICK_ENV = "TIERSPAYANT_BENCH_QUICK"


def quick() -> bool:
    """``make bench QUICK=1``: every benchmark at a small size, to prove it runs (CI), not to measure."""
    return os.environ.get(QUICK_ENV) == "1"


def size(env: str, full: int, small: int) -> int:
    """A benchmark's size: ``env`` if set, else ``small`` in quick mode, else ``full``."""
    value = os.environ.get(env)
    return int(value) if value else (small if quick() else full)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def machine() -> str:
    """CPU model, cores, memory, Python: printed once per ``make bench``."""
    model = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024**2:.1f} GiB RAM"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"machine: {model}, {os.cpu_count()} cores ({usable} usable){memory}, "
        f"Python {platform.python_version()} ({sys.implementation.name}), {platform.system()} {platform.release()}"
    )


@dataclass(frozen=True)
class Measurement:
    """One step: its result, wall and CPU seconds (user + system, every thread), its own peak RSS, and the
    1-minute load average when it ended."""

    result: Any
    wall: float
    cpu: float
    peak_mb: float
    load: float


def own_peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: the best there is


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # "5": reset the peak RSS (Linux ≥ 4.0)


def _child(target: Callable[..., Any], args: tuple[Any, ...], out: Any, setup: tuple[Any, ...] | None) -> None:
    if setup is not None:
        args = (setup[0](*setup[1:]), *args)
    _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    result = target(*args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out.put(Measurement(result, wall, cpu, own_peak_mb(), os.getloadavg()[0]))


def measure(target: Callable[..., Any], *args: Any, setup: tuple[Any, ...] | None = None) -> Measurement:
    """Run ``target(*args)`` in a fresh spawned process and measure it. ``setup`` = (function, *arguments) runs first
    in that process, untimed and outside the peak; its result becomes ``target``'s first argument. ``target`` and
    ``setup`` must be module-level functions (they are pickled by name)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_child, args=(target, args, out, setup))
    process.start()
    while True:
        try:
            measurement: Measurement = out.get(timeout=1)
            break
        except queues.Empty:
            if not process.is_alive():
                raise RuntimeError(f"{target.__name__} failed in its process (exit code {process.exitcode})") from None
    process.join()
    return measurement


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "∞"


def row(label: str, step: Measurement, count: int, unit: str, baseline: Measurement | None) -> str:
    """One printed line per step: wall, CPU, throughput (per wall second and per CPU second), ratio to the baseline
    (CPU, then wall), peak memory, load."""
    ratio = "baseline"
    if baseline is not None:
        cpu_ratio = step.cpu / baseline.cpu if baseline.cpu > 0 else float("inf")
        wall_ratio = step.wall / baseline.wall if baseline.wall > 0 else float("inf")
        ratio = f"{cpu_ratio:5.2f}× CPU {wall_ratio:5.2f}× wall"
    return (
        f"{label:44} {step.wall:7.2f} s wall {step.cpu:7.2f} s CPU  {rate(count, step.wall):>9} {unit}/s "
        f"{rate(count, step.cpu):>9} {unit}/CPU-s  {ratio:>22}  peak {step.peak_mb:6.0f} MB  load {step.load:.1f}"
    )
