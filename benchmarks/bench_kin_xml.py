"""KIN XML throughput: writing and reading a big FAC, and writing a RETFAC of the same size.

Every stage runs in its own fresh spawned process (``benchmarks.harness.measure``: its CPU time and its own peak
memory). Stages: the FAC generator (streaming writer); bare lxml ``iterparse`` (no validation — the floor, and the
baseline of every ratio); lxml ``iterparse(schema=…)`` (libxml2's streaming validation of the whole document); our
validated pass (``KinScan``: each top-level element validated against the same XSD when complete);
``fac_lines_frame`` (the fund's fast path); ``iter_file`` (a pydantic model per invoice); the RETFAC streaming writer.

``python -m benchmarks kin_xml`` (``make bench ONLY=kin_xml``); ``BENCH_KIN_XML_LINES`` sets the number of lines
(default 1,000,000, with 20,000 patients and 500 performers; 2,000 in quick mode); the FAC is written under
``var/bench/``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree

from benchmarks.harness import Measurement, load, measure, row, size
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


def generate(path: Path, n_lines: int, n_patients: int) -> int:
    examples.generate_fac(path, n_lines, n_patients, 500, date(2024, 3, 1), seed=1)
    return n_lines


def main() -> None:
    n_lines = size("BENCH_KIN_XML_LINES", DEFAULT_LINES, 2_000)
    n_patients = max(1, n_lines // 50)
    cache = Path("var/bench")
    cache.mkdir(parents=True, exist_ok=True)
    fac = cache / f"kin_xml_fac_{n_lines}.xml"
    retfac = cache / f"kin_xml_retfac_{n_lines}.xml"
    written = measure(generate, fac, n_lines, n_patients)  # the FAC writer, measured (its row comes later)
    print(f"FAC: {n_lines:,} lines, {n_patients:,} patients, {fac.stat().st_size / 1e6:,.1f} MB — {fac}; {load()}")
    print(f"lxml {etree.__version__}, libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}; ratios are against "
          "the bare iterparse (CPU time, then wall time)", flush=True)  # fmt: skip
    stages: dict[str, tuple[Callable[..., int], tuple[object, ...]]] = {
        "bare iterparse (no validation)": (bare_iterparse, (fac,)),
        "lxml iterparse(schema=) streaming validation": (lxml_streaming_validation, (fac,)),
        "validated pass (KinScan, per-element XSD)": (validated_pass, (fac,)),
        "fac_lines_frame (Polars, validated)": (frame, (fac,)),
        "iter_file (pydantic models)": (models, (fac,)),
        "RETFAC writer (streaming)": (write_retfac, (retfac, n_lines, n_patients)),
    }
    results: dict[str, Measurement] = {}
    baseline: Measurement | None = None
    for label, (function, args) in stages.items():
        results[label] = measure(function, *args)
        print(row(label, results[label], n_lines, "lines", baseline), flush=True)
        baseline = baseline or results[label]
    print(row("FAC writer (generate_fac, streaming)", written, n_lines, "lines", baseline))
    retfac.unlink(missing_ok=True)
    validated = results["validated pass (KinScan, per-element XSD)"].cpu
    lxml_validated = results["lxml iterparse(schema=) streaming validation"].cpu
    frame_time = results["fac_lines_frame (Polars, validated)"].cpu
    print(
        f"\nCPU time: frame / validated pass = {frame_time / validated:.2f} (goal ≤ {GOAL_FRAME_RATIO}); "
        f"frame / lxml streaming validation = {frame_time / lxml_validated:.2f}; "
        f"validated pass / lxml streaming validation = {validated / lxml_validated:.2f}"
    )


if __name__ == "__main__":
    main()
