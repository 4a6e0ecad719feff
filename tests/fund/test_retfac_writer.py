"""The columnar RETFAC writer: valid against the XSD (lxml and xmlschema), read back by the project's reader, and the
same document as the project's streaming writer, whatever the lines, amounts and remarks."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tierspayant.schemes.lu_kin.formats.models import Anomaly, FileHeader, Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.formats.xsd import lxml_schema, xsd_path
from tierspayant.schemes.lu_kin.fund.retfac_writer import anomaly_xml, write_retfac

HEADER = FileHeader.model_validate(
    {
        "file_type": "RETFAC",
        "sender": "CNS",
        "billing_provider": "70012345",
        "reference": "FA1",
        "send_date": date(2024, 4, 2),
        "original_reference": "FA1",
        "deposit_date": date(2024, 4, 2),
        "payment_due_date": date(2024, 5, 2),
    }
)
TEXT = st.text(alphabet=st.sampled_from("aéZ09 &<>'\"\t\n;:-"), min_size=1, max_size=40).filter(lambda t: t.strip())
ANOMALY = st.tuples(st.sampled_from(["K201", "K207", "K212"]), TEXT, st.none() | TEXT)
LINE = st.tuples(st.integers(0, 99_999_99), st.integers(0, 100), st.integers(0, 5000), st.lists(ANOMALY, max_size=3))
INVOICE = st.tuples(st.lists(LINE, min_size=1, max_size=4), st.lists(ANOMALY, max_size=2))


@settings(max_examples=25, deadline=None)
@given(st.lists(INVOICE, min_size=1, max_size=5), st.integers(1, 6))
def test_columnar_retfac_is_valid_and_equals_the_streaming_writer(
    invoices: list[tuple[list, list]], slice_lines: int
) -> None:
    rows, line_anomalies, invoice_anomalies = [], [], []
    for i, (lines, anomalies) in enumerate(invoices):
        number = f"MH-{i}"
        for n, (asked, covered_percent, insured, found) in enumerate(lines, start=1):
            row_id = len(rows)
            rows.append((row_id, number, "1956031401288", n, asked, asked * covered_percent // 100, insured))
            line_anomalies += [(row_id, code, label, remark) for code, label, remark in found]
        invoice_anomalies += [(number, code, label, remark) for code, label, remark in anomalies]
    lines_frame = pl.DataFrame(
        rows,
        schema={
            "row_id": pl.Int64,
            "invoice_number": pl.Utf8,
            "matricule": pl.Utf8,
            "line_number": pl.Int64,
            "asked_cents": pl.Int64,
            "covered_cents": pl.Int64,
            "insured_cents": pl.Int64,
        },
        orient="row",
    )
    anomaly_schema = {"code": pl.Utf8, "label": pl.Utf8, "remark": pl.Utf8}
    per_line = pl.DataFrame(line_anomalies, schema={"row_id": pl.Int64, **anomaly_schema}, orient="row")
    per_invoice = pl.DataFrame(invoice_anomalies, schema={"invoice_number": pl.Utf8, **anomaly_schema}, orient="row")
    with TemporaryDirectory() as folder:
        path = Path(folder) / "retfac.xml"
        totals = write_retfac(
            path,
            HEADER,
            lines_frame,
            anomaly_xml(per_line, "row_id", 3),
            anomaly_xml(per_invoice, "invoice_number", 2),
            slice_lines=slice_lines,
        )
        data = path.read_bytes()
        model = read_file(path)
        # the lines' anomalies made slice by slice from the findings: the same bytes
        write_retfac(
            path,
            HEADER,
            lines_frame,
            None,
            anomaly_xml(per_invoice, "invoice_number", 2),
            slice_lines=slice_lines,
            line_findings=per_line,
        )
        assert path.read_bytes() == data
    lxml_schema("RETFAC").assertValid(etree.parse(io.BytesIO(data)))
    xmlschema.XMLSchema(str(xsd_path("RETFAC"))).validate(io.BytesIO(data))
    assert isinstance(model, Retfac)
    assert model.line_count == len(rows) and int(model.total_covered * 100) == totals.covered_cents
    assert data.rstrip(b"\n") == to_bytes(model).rstrip(b"\n")


def test_untreated_retfac_carries_file_anomalies(tmp_path: Path) -> None:
    empty = pl.DataFrame(
        schema={
            "row_id": pl.Int64,
            "invoice_number": pl.Utf8,
            "matricule": pl.Utf8,
            "line_number": pl.Int64,
            "asked_cents": pl.Int64,
            "covered_cents": pl.Int64,
            "insured_cents": pl.Int64,
        }
    )
    none = pl.DataFrame(schema={"row_id": pl.Int64, "anomalies_xml": pl.Utf8})
    path = tmp_path / "r.xml"
    write_retfac(
        path,
        HEADER,
        empty,
        none,
        none.rename({"row_id": "invoice_number"}).cast({"invoice_number": pl.Utf8}),
        [Anomaly(code="K002", label="Fichier non exploitable", remark="line 3: <Ligne> & co")],
    )
    model = read_file(path)
    assert isinstance(model, Retfac) and not model.invoices
    assert model.anomalies[0].remark == "line 3: <Ligne> & co"
