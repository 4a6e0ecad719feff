"""KIN XML throughput: writing and reading a big FAC, and writing a RETFAC of the same size.

Every stage runs in its own forked child so that its peak memory (``ru_maxrss`` from ``wait4``) is its own. Stages:
the FAC generator (streaming writer); bare lxml ``iterparse`` (no validation — the floor); lxml
``iterparse(schema=…)`` (libxml2's streaming validation of the whole document); our validated pass (``KinScan``:
each top-level element validated against the same XSD when complete); ``fac_lines_frame`` (the fund's fast path);
``iter_file`` (a pydantic model per invoice); the RETFAC streaming writer.

``python -m benchmarks kin_xml`` (``make bench ONLY=kin_xml``); ``BENCH_KIN_XML_LINES`` sets the number of lines
(default 1,000,000, with 20,000 patients and 500 performers); the FAC is cached under ``var/bench/``.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree

from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.frames import fac_lines_frame
from tierspayant.schemes.lu_kin.formats.models import FileHeader, ReturnedInvoice, ReturnedLine
from tierspayant.schemes.lu_kin.formats.reader import iter_file
from tierspayant.schemes.lu_kin.formats.scan import KinScan
from tierspayant.schemes.lu_kin.formats.writer import KinStreamWriter
from tierspayant.schemes.lu_kin.formats.xsd import lxml_schema, namespace

DEFAULT_LINES = 1_000_000
GOAL_FRAME_RATIO = 1.3
FACTURE = f"{{{namespace('FAC', '01')}}}Facture"


def in_child(stage: Callable[[], int]) -> tuple[float, float, float]:
    """Run ``stage`` in a forked child: (wall seconds, CPU seconds, peak RSS in MB).

    CPU time (user + system of the child) is what the ratios use: the 2-core machine is shared, and under load
    wall time measures the neighbours as much as the code."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        start = time.perf_counter()
        stage()
        elapsed = time.perf_counter() - start
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(elapsed, out)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0 or not data:
        raise RuntimeError(f"benchmark stage failed (status {status})")
    elapsed = pickle.loads(data)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kilobytes


def bare_iterparse(path: Path) -> int:
    count = 0
    for _event, element in etree.iterparse(str(path), events=("end",), tag=FACTURE):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def lxml_streaming_validation(path: Path) -> int:
    count = 0
    for _event, element in etree.iterparse(str(path), events=("end",), tag=FACTURE, schema=lxml_schema("FAC")):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def validated_pass(path: Path) -> int:
    scan = KinScan(path)
    count = sum(1 for part in scan.parts() if part.kind == "item")
    assert scan.ok, scan.findings[:3]
    return count


def frame(path: Path) -> int:
    return fac_lines_frame(path)[1].height


def models(path: Path) -> int:
    _header, items = iter_file(path)
    return sum(len(invoice.lines) for invoice in items)


def write_retfac(path: Path, n_lines: int, n_patients: int) -> int:
    header = FileHeader(
        file_type="RETFAC",
        sender="CNS",
        billing_provider=examples.FACTURIER,
        reference="BENCHRET",
        send_date=date(2024, 4, 20),
        original_reference="BENCH",
        deposit_date=date(2024, 4, 2),
        payment_due_date=date(2024, 5, 2),
    )
    lines = 0
    with KinStreamWriter(path, header) as out:
        for invoice in examples.generate_invoices(n_lines, n_patients, 500, date(2024, 3, 1)):
            returned = [
                ReturnedLine.model_construct(
                    line_number=line.line_number,
                    amount_asked=line.amount_asked,
                    amount_covered=line.amount_asked,
                    insured_share=line.insured_share,
                    anomalies=[],
                )
                for line in invoice.lines
            ]
            out.write(
                ReturnedInvoice.model_construct(
                    invoice_number=invoice.invoice_number,
                    matricule=invoice.matricule,
                    lines=returned,
                    anomalies=[],
                    total_asked=invoice.total_asked,
                    total_covered=invoice.total_asked,
                    total_contested=Decimal("0.00"),
                )
            )
            lines += len(returned)
    return lines


def report(label: str, result: tuple[float, float, float], n_lines: int) -> None:
    wall, cpu, rss = result
    print(
        f"{label:46} {wall:7.2f} s wall {cpu:7.2f} s CPU {n_lines / cpu:10,.0f} lines/CPU-s  peak {rss:6.0f} MB",
        flush=True,
    )


def main() -> None:
    n_lines = int(os.environ.get("BENCH_KIN_XML_LINES", DEFAULT_LINES))
    n_patients = max(1, n_lines // 50)
    cache = Path("var/bench")
    cache.mkdir(parents=True, exist_ok=True)
    fac = cache / f"kin_xml_fac_{n_lines}.xml"
    results: dict[str, tuple[float, float, float]] = {}

    def generate() -> int:
        examples.generate_fac(fac, n_lines, n_patients, 500, date(2024, 3, 1), seed=1)
        return n_lines

    if not fac.exists():
        results["FAC writer (generate_fac)"] = in_child(generate)
        report("FAC writer (generate_fac)", results["FAC writer (generate_fac)"], n_lines)
    size_mb = fac.stat().st_size / 1e6
    print(f"FAC: {n_lines:,} lines, {n_patients:,} patients, {size_mb:,.0f} MB — {fac}", flush=True)
    stages: dict[str, Callable[[], int]] = {
        "bare iterparse (no validation)": lambda: bare_iterparse(fac),
        "lxml iterparse(schema=) streaming validation": lambda: lxml_streaming_validation(fac),
        "validated pass (KinScan, per-element XSD)": lambda: validated_pass(fac),
        "fac_lines_frame (Polars, validated)": lambda: frame(fac),
        "iter_file (pydantic models)": lambda: models(fac),
        "RETFAC writer (streaming)": lambda: write_retfac(cache / "kin_xml_retfac.xml", n_lines, n_patients),
    }
    for label, stage in stages.items():
        results[label] = in_child(stage)
        report(label, results[label], n_lines)
    (cache / "kin_xml_retfac.xml").unlink(missing_ok=True)
    validated = results["validated pass (KinScan, per-element XSD)"][1]
    lxml_validated = results["lxml iterparse(schema=) streaming validation"][1]
    frame_time = results["fac_lines_frame (Polars, validated)"][1]
    ratio = frame_time / validated
    print(
        f"\nCPU time: frame / validated pass = {ratio:.2f} (goal ≤ {GOAL_FRAME_RATIO}); "
        f"frame / lxml streaming validation = {frame_time / lxml_validated:.2f}; "
        f"validated pass / lxml streaming validation = {validated / lxml_validated:.2f}"
    )
    print(f"machine: nproc={os.cpu_count()}, Python {sys.version.split()[0]}, lxml {etree.__version__}")


if __name__ == "__main__":
    main()
