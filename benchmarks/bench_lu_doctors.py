"""Device flat-rate adjudication benchmark (``make bench ONLY=lu_doctors``).

On one realistic FACFORF (default 1,000,000 invoice lines: one association's month, 200 doctors, 500 shared
scanners — enough to cross their annual thresholds —, invoices of 5 lines, one in ten a PID fee note with its
technical acts; cached under ``var/bench/lu_doctors/``) it times, each in its own child process:

  (a) the validated parse: ``read_flat_rates_frame`` — xmlsafe checks, streaming, every Entete / Facture / Releve
      validated against the layout-01 XSD, into a Polars frame;
  (b) the adjudication: the same parse, then ``adjudicate`` — every rule of rules.yaml over the whole file (DuckDB),
      the counting rules on the lines left open, the amounts covered. The fund's context (register of the 500
      devices, the patients' technical acts the third-party lines name, no history) is loaded before the clock starts.

With ``TIERSPAYANT_BENCH_INTAKE=1`` it also times (c) the fund's whole intake, ``DeviceFund.receive_flat_rates``, on
a fresh SQLite database holding the register and the patients' acts: the same as (b) plus loading the context from
the database, storing every paid line and writing the RETFORF.

It prints lines/s, the ratio b/a (goal ≤ 2), CPU seconds, each child's peak memory (``ru_maxrss``) and the load
average before and after (the machine is shared). ``TIERSPAYANT_BENCH_LINES`` changes the size.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

LINES = int(os.environ.get("TIERSPAYANT_BENCH_LINES", "1000000"))
DEVICES = 500
MONTH = date(2025, 3, 1)
FOLDER = Path("var/bench/lu_doctors")
console = Console()


def paths(lines: int = LINES) -> tuple[Path, Path]:
    folder = FOLDER / f"{lines}"
    return folder / f"F20000001{MONTH:%Y%m}_MED_FACFORF_01_20250401_BENCH{lines}.xml", folder / "patient_acts.parquet"


def ensure_file(lines: int = LINES) -> tuple[Path, Path]:
    import polars as pl

    from tierspayant.schemes.lu_doctors.examples import bench_devices, generate_flat_rates

    path, acts_path = paths(lines)
    if path.exists() and acts_path.exists():
        return path, acts_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with console.status(f"generating a {lines:,}-line FACFORF once, into {path.parent} …"):
        partial = path.with_suffix(".part")
        acts = generate_flat_rates(partial, lines, bench_devices(DEVICES), MONTH, seed=7, reference=f"BENCH{lines}")
        frame = pl.DataFrame(
            acts, schema=["fee_note_id", "doctor_code", "matricule", "service_date", "act_code"], orient="row"
        )
        frame.write_parquet(acts_path)
        partial.replace(path)
    return path, acts_path


def warm() -> None:
    """Untimed: import the modules and compile the XSD, so both measurements start from the same point."""
    from tierspayant.schemes.lu_doctors.formats.reader import read_flat_rates_frame
    from tierspayant.schemes.lu_doctors.formats.xsd import lxml_schema
    from tierspayant.schemes.lu_doctors.fund.adjudication import adjudicate, scheme_rules

    lxml_schema("FACFORF")
    del read_flat_rates_frame, adjudicate, scheme_rules


def validated_parse(_: None, path: Path) -> int:
    from tierspayant.schemes.lu_doctors.formats.reader import read_flat_rates_frame

    return read_flat_rates_frame(path).lines.height


def load_context(acts_path: Path) -> Any:
    import polars as pl

    from tierspayant.schemes.lu_doctors.examples import bench_devices
    from tierspayant.schemes.lu_doctors.fund.adjudication import DEVICE_SCHEMA, PATIENT_ACT_SCHEMA, FundContext
    from tierspayant.schemes.lu_doctors.reference import OPEN_END

    devices = pl.DataFrame(
        [(d, "ECHO", False, date(2025, 1, 1), OPEN_END, 1800, 9000, "DF21", "DF22") for d in bench_devices(DEVICES)],
        schema=DEVICE_SCHEMA,
        orient="row",
    )
    warm()
    acts = pl.read_parquet(acts_path).cast(PATIENT_ACT_SCHEMA)  # type: ignore[arg-type]
    empty = FundContext.empty()
    return FundContext(devices, acts, empty.paid, empty.usage, empty.usage_total)


def adjudication(context: Any, path: Path) -> tuple[int, dict[str, Any]]:
    import polars as pl

    from tierspayant.schemes.lu_doctors.formats.reader import read_flat_rates_frame
    from tierspayant.schemes.lu_doctors.fund.adjudication import adjudicate, scheme_rules
    from tierspayant.schemes.lu_doctors.reference import load_sample_reference

    reference = load_sample_reference()
    scheme_rules()
    started = time.process_time()
    batch = read_flat_rates_frame(path)
    parsed = time.process_time()
    result = adjudicate(batch, reference, context)
    done = time.process_time()
    lines = result.lines
    summary = {
        "paid full": int((lines["full_rate"]).sum()),
        "paid reduced": int(((lines["status"] == "paid") & ~lines["full_rate"]).sum()),
        "matched (PID technical acts)": int((lines["status"] == "matched").sum()),
        "refused": int((lines["status"] == "refused").sum()),
        "covered €": f"{result.covered_cents / 100:,.2f}",
        "findings": result.findings.group_by("code").len().sort("code").rows(),
        "CPU parse / rules+amounts": f"{parsed - started:.2f}s / {done - parsed:.2f}s",
    }
    assert not result.rejected and lines.filter(pl.col("status") == "refused").height == 0
    return lines.height, summary


def prepare_database(acts_path: Path, folder: Path) -> str:
    """A fresh fund database: the 500 scanners registered, the patients' technical acts recorded."""
    import shutil
    from datetime import datetime

    import polars as pl
    from sqlalchemy import insert

    from tierspayant.schemes.lu_doctors.examples import GYNAECOLOGIST, bench_devices
    from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
    from tierspayant.schemes.lu_doctors.store.fund.models import Device, PatientAct, ReceivedFile

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'fund.db'}"
    fund = DeviceFund(url)
    fund.init()
    with fund.unit() as session:
        file = ReceivedFile(name="bench-register", sha256="0" * 64, file_type="DECLAPP", provider_code=GYNAECOLOGIST,
                            reference="BENCH", received_at=datetime.now(), status="treated")  # fmt: skip
        session.add(file)
        session.flush()
        session.execute(
            insert(Device),
            [
                {"device_id": d, "declarant_code": GYNAECOLOGIST, "kind_code": "ECHO", "discipline_code": "GYN",
                 "nature": "nouveau", "brand": "Sonora", "model": "V8", "serial_number": d, "address": "Cabinet",
                 "in_hospital": False, "acquisition": "achat", "acquisition_value": 54500, "class_code": "2",
                 "annual_threshold": 1800, "amortisation_total": 9000, "full_code": "DF21", "reduced_code": "DF22",
                 "in_use_from": date(2025, 1, 1), "registered_on": date(2025, 1, 7), "file_id": file.id}
                for d in bench_devices(DEVICES)
            ],
        )  # fmt: skip
        acts = pl.read_parquet(acts_path).with_row_index("line").with_columns(pl.lit(1).alias("line"))
        rows = acts.to_dicts()
        for start in range(0, len(rows), 50_000):
            session.execute(insert(PatientAct), rows[start : start + 50_000])
    fund.engine.dispose()
    return url


def open_fund(url: str) -> Any:
    from tierspayant.schemes.lu_doctors.formats.xsd import lxml_schema
    from tierspayant.schemes.lu_doctors.fund.service import DeviceFund

    lxml_schema("FACFORF")
    lxml_schema("RETFORF")
    return DeviceFund(url)


def whole_intake(fund: Any, path: Path) -> tuple[int, dict[str, Any]]:
    result = fund.receive_flat_rates(path, path.name, date(2025, 4, 3))
    return LINES, {
        "status": result.status,
        "covered €": f"{result.covered:,.2f}",
        "answer MB": len(result.answer) / 1e6,
    }


def _child(target: Callable[..., Any], args: tuple[Any, ...], queue: Any, setup: tuple[Any, ...] | None) -> None:
    if setup is not None:
        args = (setup[0](*setup[1:]), *args)
    wall, cpu = time.perf_counter(), time.process_time()
    result = target(*args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    queue.put((result, wall, cpu, peak_kib))


def measure(
    target: Callable[..., Any], *args: Any, setup: tuple[Any, ...] | None = None
) -> tuple[Any, float, float, int]:
    """``target(*args)`` in a fresh child process: (result, wall s, CPU s, peak RSS KiB); ``setup`` runs first,
    untimed, and its result becomes ``target``'s first argument."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, args, queue, setup))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed in its child process")
    return result  # type: ignore[no-any-return]


def main() -> None:
    path, acts_path = ensure_file()
    size_mb = path.stat().st_size / 1e6
    load_before = os.getloadavg()
    a = measure(validated_parse, path, setup=(warm,))
    b = measure(adjudication, path, setup=(load_context, acts_path))
    c = None
    if os.environ.get("TIERSPAYANT_BENCH_INTAKE") == "1":
        url = prepare_database(acts_path, FOLDER / f"{LINES}" / "run")
        c = measure(whole_intake, path, setup=(open_fund, url))
    load_after = os.getloadavg()
    lines = a[0]
    if lines != b[0][0]:
        raise RuntimeError(f"line counts differ: {lines} and {b[0][0]}")
    table = Table(title=f"Device flat rates — FACFORF of {lines:,} lines ({size_mb:,.0f} MB), {os.cpu_count()} CPUs")
    for column in ("step", "wall s", "CPU s", "lines/s (wall)", "lines/s (CPU)", "peak RSS MB"):
        table.add_column(column, justify="right" if column != "step" else "left")
    steps = [("(a) validated parse", a), ("(b) parse + adjudication", b)]
    if c is not None:
        steps.append(("(c) whole intake (database, store, RETFORF)", c))
    for label, (_, wall, cpu, peak) in steps:
        table.add_row(label, f"{wall:.2f}", f"{cpu:.2f}", f"{lines / wall:,.0f}", f"{lines / cpu:,.0f}",
                      f"{peak / 1024:,.0f}")  # fmt: skip
    console.print(table)
    console.print(f"b/a (wall) = {b[1] / a[1]:.2f}   b/a (CPU) = {b[2] / a[2]:.2f}   goal ≤ 2.0")
    console.print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    console.print(f"(b) outcome: {b[0][1]}")
    if c is not None:
        console.print(f"(c) outcome: {c[0][1]}; c/a (wall) = {c[1] / a[1]:.2f}, c/a (CPU) = {c[2] / a[2]:.2f}")


if __name__ == "__main__":
    main()
