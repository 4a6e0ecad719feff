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

Each step runs in its own spawned process (``benchmarks.harness.measure``: CPU time of every thread, the step's own
peak memory, the load). It prints lines/s, the ratio b/a against the baseline (a) (goal ≤ 2) and the load.
``TIERSPAYANT_BENCH_LINES`` changes the size (default 1,000,000; 5,000 in quick mode).
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.harness import load, measure, row, size

LINES = size("TIERSPAYANT_BENCH_LINES", 1_000_000, 5_000)
GOAL_RATIO = 2.0
DEVICES = 500
MONTH = date(2025, 3, 1)
FOLDER = Path("var/bench/lu_doctors")


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
    print(f"generating a {lines:,}-line FACFORF once, into {path.parent} …", flush=True)
    if True:  # one block: the partial file is renamed only once complete
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


def main() -> None:
    path, acts_path = ensure_file()
    print(f"FACFORF of {LINES:,} lines, {path.stat().st_size / 1e6:,.0f} MB (generated once, untimed); {load()}")
    print("ratios are against the validated parse of the same file (CPU time, then wall time)", flush=True)
    a = measure(validated_parse, path, setup=(warm,))
    print(row("(a) validated parse, xmlsafe + XSD (baseline)", a, a.result, "lines", None), flush=True)
    b = measure(adjudication, path, setup=(load_context, acts_path))
    print(row("(b) parse + adjudication (rules, amounts)", b, b.result[0], "lines", a), flush=True)
    if a.result != b.result[0]:
        raise RuntimeError(f"line counts differ: {a.result} and {b.result[0]}")
    print(f"(b) outcome: {b.result[1]}")
    ratio = b.wall / a.wall
    verdict = "meets" if ratio <= GOAL_RATIO else "misses"
    print(f"ratio adjudication / validated parse: {ratio:.2f}x wall ({verdict} the goal of <= {GOAL_RATIO:.0f}x), "
          f"{b.cpu / a.cpu:.2f}x CPU")  # fmt: skip
    if os.environ.get("TIERSPAYANT_BENCH_INTAKE") == "1":
        url = prepare_database(acts_path, FOLDER / f"{LINES}" / "run")
        c = measure(whole_intake, path, setup=(open_fund, url))
        print(row("(c) whole intake (database, store, RETFORF)", c, LINES, "lines", a), flush=True)
        print(f"(c) outcome: {c.result[1]}")


if __name__ == "__main__":
    main()
