"""The fund's fast path: a FAC's billed lines (or a DEMAUT's prescribed acts) as one Polars frame.

Built in the same validated streaming pass as every other reading (``scan.py``), by appending element texts to
column lists — no pydantic object per line — then converting whole columns at once (dates, integers, amounts).
Because each ``Facture`` was just validated against the XSD, its element order is known, so values are taken by
position. The checks the models would make (invoice totals, file counts and totals) are made on the frame, set at
a time. Any problem raises ``FindingsError`` with every finding of the file.

Amounts are **integer cents** (``Int64``): exact, fast to sum in Polars and DuckDB; ``money.from_cents`` turns one
back into ``Decimal`` euros.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl
from lxml import etree
from pydantic import ValidationError

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.money import format_euros, from_cents, parse_euros, to_cents
from tierspayant.core.xmlsafe import Source, XmlLimits
from tierspayant.schemes.lu_kin.formats.models import FileHeader
from tierspayant.schemes.lu_kin.formats.reader import _Elements, validation_findings
from tierspayant.schemes.lu_kin.formats.scan import KinScan, Part

# One row per billed line; invoice columns repeated on each of its lines.
FAC_LINE_SCHEMA: Final[dict[str, Any]] = {
    "invoice_index": pl.Int32,  # position of the Facture in the file, from 1 (path /FAC/Facture[i])
    "invoice_number": pl.String,
    "matricule": pl.String,
    "fund": pl.String,
    "line_position": pl.Int32,  # position of the Ligne in its Facture, from 1 (path …/Ligne[j])
    "line_number": pl.Int32,
    "titre_id": pl.String,
    "service_date": pl.Date,
    "act_code": pl.String,
    "performer_code": pl.String,
    "place_category": pl.String,
    "tariff_cents": pl.Int64,
    "insured_share_cents": pl.Int64,
    "amount_asked_cents": pl.Int64,
}
# One row per prescribed act; request columns repeated on each of its acts.
DEMAUT_ACT_SCHEMA: Final[dict[str, Any]] = {
    "request_index": pl.Int32,
    "request_id": pl.String,
    "matricule": pl.String,
    "fund": pl.String,
    "prescriber_code": pl.String,
    "prescription_date": pl.Date,
    "pathology": pl.String,
    "performer_code": pl.String,
    "place_category": pl.String,
    "accident": pl.Boolean,
    "accident_date": pl.Date,
    "prescription_file": pl.String,
    "prescription_sha256": pl.String,
    "act_position": pl.Int32,
    "act_code": pl.String,
    "sessions": pl.Int32,
}
_LINE_FIELDS: Final = (
    "line_number",
    "titre_id",
    "service_date",
    "act_code",
    "performer_code",
    "place_category",
    "tariff_cents",
    "insured_share_cents",
    "amount_asked_cents",
)
_WIDTH: Final = len(_LINE_FIELDS)
_CHUNK_TOKENS: Final = 1_000_000  # a validated Ligne has exactly these 9 children, in this order


def _invoice_values(element: Any) -> list[str]:
    """The leaf values of a validated Facture in document order: NumeroFacture, Matricule, Caisse, 9 per Ligne,
    TotalTarif, TotalParticipation, TotalDemande.

    Fast way: the element's text in one C call, split on whitespace — no FAC value can contain whitespace (the
    XSD patterns forbid it), so in an indented file each leaf gives exactly one token. A file without whitespace
    between elements glues values together; the token count then falls short and the values are taken one by one.
    """
    tokens: list[str] = etree.tostring(element, method="text", encoding=str).split()
    if len(tokens) == 6 + _WIDTH * (len(element) - 6):
        return tokens
    children = list(element)
    leaves = [*children[:3], *(leaf for line in children[3:-3] for leaf in line), *children[-3:]]
    return [str(leaf.text).strip() for leaf in leaves]


def _cents(column: str) -> pl.Expr:
    return (pl.col(column).cast(pl.Decimal(14, 2)) * 100).cast(pl.Int64)


def _header(scan: KinScan, part: Part) -> FileHeader | None:
    assert scan.file_type is not None and scan.layout is not None and scan.namespace is not None
    try:
        return FileHeader.model_validate(_Elements(scan.namespace).header(part.element, scan.file_type, scan.layout))
    except ValidationError as error:
        scan.findings.extend(validation_findings(error, scan, part.line, part.path))
        return None


def _refuse_unless_ok(scan: KinScan, header: FileHeader | None) -> FileHeader:
    if scan.findings:
        raise FindingsError(list(scan.findings))
    if header is None:
        raise FindingsError([Finding("XSD-MISSING", "the file has no readable <Entete>", file=scan.label)])
    return header


def fac_lines_frame(
    source: Source, name: str | None = None, limits: XmlLimits = XmlLimits()
) -> tuple[FileHeader, pl.DataFrame]:
    """The billed lines of a FAC as a frame (see ``FAC_LINE_SCHEMA``; amounts in integer cents), validated.

    Constant memory in the XML (the frame itself is ~100 bytes per line). ``FindingsError`` lists every problem.
    """
    scan = KinScan(source, name, limits, expected_type="FAC")
    header: FileHeader | None = None
    # Every leaf value of every invoice, in document order, in ONE list (one conversion to Polars at the end);
    # per invoice only its line count and the line of its <Facture>. Columns are then cut by index arithmetic.
    tokens: list[str] = []
    chunks: list[pl.Series] = []  # tokens moved to Arrow every ~1M: a Python str costs ~60 bytes, Arrow ~15
    line_counts: list[int] = []
    source_lines: list[int] = []
    declared: dict[str, tuple[str, int]] = {}
    for part in scan.parts():
        if not part.valid:
            continue
        element = part.element
        if part.kind == "item":
            leaf_values = _invoice_values(element)
            tokens.extend(leaf_values)
            line_counts.append((len(leaf_values) - 6) // _WIDTH)
            if len(tokens) >= _CHUNK_TOKENS:
                chunks.append(pl.Series("value", tokens, dtype=pl.String))
                tokens = []
            source_lines.append(part.line)
        elif part.kind == "header":
            header = _header(scan, part)
        elif part.kind == "trailer":
            declared = {
                str(child.tag).rsplit("}", 1)[-1]: (str(child.text).strip(), child.sourceline or 0) for child in element
            }
    header = _refuse_unless_ok(scan, header)
    chunks.append(pl.Series("value", tokens, dtype=pl.String))
    del tokens
    column = pl.concat(chunks, rechunk=True)
    chunks.clear()
    invoices, lines = _cut_columns(column, line_counts, source_lines)
    del column
    _check_fac_totals(scan, invoices, lines, declared)
    if scan.findings:
        raise FindingsError(list(scan.findings))
    return header, lines.select(list(FAC_LINE_SCHEMA))


def _cut_columns(
    values: pl.Series, line_counts: list[int], source_lines: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Invoice frame and line frame from the flat token Series.

    Invoice i occupies ``6 + 9·n_i`` tokens from ``start_i``: NumeroFacture, Matricule, Caisse, 9 per line, then
    TotalTarif, TotalParticipation, TotalDemande.
    """
    counts = pl.Series("n", line_counts, dtype=pl.Int64)
    sizes = counts * _WIDTH + 6
    starts = sizes.cum_sum() - sizes
    invoices = pl.DataFrame(
        {
            "invoice_index": pl.int_range(1, len(line_counts) + 1, dtype=pl.Int32, eager=True),
            "n": counts,
            "start": starts,
            "source_line": pl.Series(source_lines, dtype=pl.Int64),
        }
    )
    head = {"invoice_number": 0, "matricule": 1, "fund": 2}
    tail = {"declared_tariff": 3, "declared_share": 2, "declared_asked": 1}  # counted back from the invoice's end
    invoices = invoices.with_columns(
        *(values.gather(starts + offset).alias(column) for column, offset in head.items()),
        *(values.gather(starts + sizes - back).alias(column) for column, back in tail.items()),
    ).with_columns(_cents("declared_tariff"), _cents("declared_share"), _cents("declared_asked"))
    lines = (
        invoices.select(
            "invoice_index",
            "invoice_number",
            "matricule",
            "fund",
            pl.int_ranges(pl.col("start") + 3, pl.col("start") + 3 + pl.col("n") * _WIDTH, _WIDTH).alias("at"),
            pl.int_ranges(1, pl.col("n") + 1, dtype=pl.Int32).alias("line_position"),
        )
        .explode("at", "line_position")
        .drop_nulls("at")
    )
    at = lines["at"]
    lines = lines.with_columns(
        *(values.gather(at + offset).alias(column) for offset, column in enumerate(_LINE_FIELDS))
    ).with_columns(
        pl.col("line_number").cast(pl.Int32),
        pl.col("service_date").str.to_date("%Y-%m-%d"),
        _cents("tariff_cents"),
        _cents("insured_share_cents"),
        _cents("amount_asked_cents"),
    )
    return invoices, lines


def _check_fac_totals(
    scan: KinScan, invoices: pl.DataFrame, lines: pl.DataFrame, declared: dict[str, tuple[str, int]]
) -> None:
    """Invoice totals and file counts/totals against the lines, set at a time (what the models check one by one)."""
    sums = lines.group_by("invoice_index").agg(
        pl.col("tariff_cents").sum().alias("tariff"),
        pl.col("insured_share_cents").sum().alias("share"),
        pl.col("amount_asked_cents").sum().alias("asked"),
    )
    checks = [
        ("declared_tariff", "tariff", "TotalTarif"),
        ("declared_share", "share", "TotalParticipation"),
        ("declared_asked", "asked", "TotalDemande"),
    ]
    joined = invoices.join(sums, on="invoice_index", how="left")
    for declared_col, computed_col, element in checks:
        wrong = joined.filter(pl.col(declared_col) != pl.col(computed_col))
        for row in wrong.head(100).iter_rows(named=True):
            scan.add(
                "KIN-TOTAL",
                f"<{element}> declares {_euros(row[declared_col])} but the lines give {_euros(row[computed_col])}",
                row["source_line"],
                f"/FAC/Facture[{row['invoice_index']}]/{element}",
            )
    totals = {
        "NombreFactures": (invoices.height, str),
        "NombreLignes": (lines.height, str),
        "TotalDemande": (int(lines["amount_asked_cents"].sum() or 0), _euros),
    }
    for element, (computed, show) in totals.items():
        if element not in declared:
            continue
        text, line = declared[element]
        value = _text_cents(text) if element == "TotalDemande" else int(text)
        if value != computed:
            scan.add(
                "KIN-TOTAL",
                f"<{element}> declares {text} but the content gives {show(computed)}",  # type: ignore[operator]
                line,
                f"/FAC/Totaux/{element}",
            )


def _text_cents(text: str) -> int:
    return to_cents(parse_euros(text))  # XSD-valid MontantType: at most 2 decimals, nothing is rounded


def _euros(cents: int) -> str:
    return format_euros(from_cents(cents))


def demaut_requests_frame(
    source: Source, name: str | None = None, limits: XmlLimits = XmlLimits()
) -> tuple[FileHeader, pl.DataFrame]:
    """The requests of a DEMAUT as a frame, one row per prescribed act (see ``DEMAUT_ACT_SCHEMA``), validated."""
    scan = KinScan(source, name, limits, expected_type="DEMAUT")
    header: FileHeader | None = None
    columns: dict[str, list[Any]] = {column: [] for column in DEMAUT_ACT_SCHEMA}
    requests = 0
    declared_count: tuple[str, int] | None = None
    elements: _Elements | None = None
    for part in scan.parts():
        if not part.valid:
            continue
        if elements is None:
            assert scan.namespace is not None
            elements = _Elements(scan.namespace)
        if part.kind == "item":
            requests += 1
            _append_request(elements, part, columns)
        elif part.kind == "header":
            header = _header(scan, part)
        elif part.kind == "trailer":
            count = part.element.find(elements.q("NombreDemandes"))
            if count is not None:
                declared_count = (str(count.text), count.sourceline or 0)
    header = _refuse_unless_ok(scan, header)
    if declared_count is not None and int(declared_count[0]) != requests:
        scan.add(
            "KIN-TOTAL",
            f"<NombreDemandes> declares {declared_count[0]} but the content gives {requests}",
            declared_count[1],
            "/DEMAUT/Controle/NombreDemandes",
        )
        raise FindingsError(list(scan.findings))
    frame = pl.DataFrame(
        {
            column: pl.Series(values, dtype=pl.String if dtype == pl.Date else dtype)
            for (column, values), dtype in zip(columns.items(), DEMAUT_ACT_SCHEMA.values(), strict=True)
        }
    ).with_columns(pl.col("prescription_date").str.to_date("%Y-%m-%d"), pl.col("accident_date").str.to_date("%Y-%m-%d"))
    return header, frame.select(list(DEMAUT_ACT_SCHEMA))


def _append_request(elements: _Elements, part: Part, columns: dict[str, list[Any]]) -> None:
    data = elements.request(part.element)
    acts = data["acts"]
    repeated = {
        "request_index": part.index,
        "request_id": data["request_id"],
        "matricule": data["matricule"],
        "fund": data["fund"],
        "prescriber_code": data["prescriber_code"],
        "prescription_date": data["prescription_date"],
        "pathology": data["pathology"],
        "performer_code": data["performer_code"],
        "place_category": data["place_category"],
        "accident": data["accident"],
        "accident_date": data["accident_date"],
        "prescription_file": data["prescription"]["file_name"],
        "prescription_sha256": data["prescription"]["sha256"],
    }
    for column, value in repeated.items():
        columns[column].extend([value] * len(acts))
    columns["act_position"].extend(range(1, len(acts) + 1))
    columns["act_code"].extend(act["act_code"] for act in acts)
    columns["sessions"].extend(int(act["sessions"]) for act in acts)


__all__ = ["DEMAUT_ACT_SCHEMA", "FAC_LINE_SCHEMA", "demaut_requests_frame", "fac_lines_frame"]
