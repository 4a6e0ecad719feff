"""Write a RETFAC straight from the adjudication frames, set at a time.

The project's streaming writer (``schemes.lu_kin.xml.writer.KinStreamWriter``) builds every element through lxml,
one Python call per element: about 15 µs per returned line, so 15 s for a national month of a million lines — more
than the whole budget of the fund's intake. Here every line's XML is built by Polars string expressions over whole
columns, invoices are assembled with one ``group_by``, and the text is written in large slices: the same bytes as the
streaming writer (a test compares them byte for byte), at a fraction of the cost. The output is validated against
the RETFAC XSD in the tests and read back with the project's reader.

Written to a path given by the caller (the service writes into a staging folder and renames after commit).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import polars as pl

from tierspayant.core.money import CENT
from tierspayant.schemes.lu_kin.formats.models import Anomaly, FileHeader
from tierspayant.schemes.lu_kin.formats.xsd import namespace

MAX_ANOMALIES = 50  # per line / invoice / file (XSD maxOccurs)
SLICE_LINES = 50_000  # about this many lines (whole invoices) turned into text at a time: bounds the text's memory
# (it is made beside the ledger's insert, so it adds to the fund engine's peak: ~40 MB less than with 100,000 lines
# at a time on a 1M-line FAC)


@dataclass(frozen=True, slots=True)
class RetfacTotals:
    invoice_count: int
    line_count: int
    asked_cents: int
    covered_cents: int

    @property
    def contested_cents(self) -> int:
        return self.asked_cents - self.covered_cents


def _indent(depth: int) -> str:
    return "\n" + "  " * depth


def _escape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _euros(column: str) -> pl.Expr:
    # Integer cents → "12.34" through an exact decimal (no float), the fastest exact formatting Polars offers.
    return (pl.col(column).cast(pl.Decimal(20, 0)) * pl.lit(CENT)).cast(pl.Utf8)


def _leaf(name: str, value: pl.Expr, depth: int) -> list[pl.Expr]:
    return [pl.lit(f"{_indent(depth)}<{name}>"), value, pl.lit(f"</{name}>")]


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def anomaly_xml(frame: pl.DataFrame, key: str, depth: int) -> pl.DataFrame:
    """``key`` → ``anomalies_xml``: the ``Anomalie`` elements of each key (at most 50, in the frame's order).

    ``frame`` has ``key``, ``code``, ``label`` and ``remark`` (nullable) columns.
    """
    if frame.height == 0:
        return pl.DataFrame(schema={key: frame.schema[key], "anomalies_xml": pl.Utf8})
    # Code and label repeat: their text is built once per (code, label), then joined.
    heads = (
        frame.select("code", "label")
        .unique()
        .with_columns(
            pl.concat_str(
                [
                    pl.lit(f"{_indent(depth)}<Anomalie>"),
                    *_leaf("Code", pl.col("code"), depth + 1),
                    *_leaf("Libelle", _escape(pl.col("label").str.slice(0, 200)), depth + 1),
                ]
            ).alias("head")
        )
    )
    has_remark = pl.col("remark").is_not_null() & (pl.col("remark") != "")
    remark = pl.concat_str(_leaf("Remarque", _escape(pl.col("remark").str.slice(0, 1000)), depth + 1))
    elements = frame.join(heads, on=["code", "label"], how="left", maintain_order="left").select(
        key,
        pl.concat_str(
            [
                pl.col("head"),
                pl.when(has_remark).then(remark).otherwise(pl.lit("")),
                pl.lit(f"{_indent(depth)}</Anomalie>"),
            ]
        ).alias("anomalies_xml"),
    )
    if elements.get_column(key).is_unique().all():  # the usual case: one anomaly per line
        return elements
    return elements.group_by(key, maintain_order=True).agg(pl.col("anomalies_xml").head(MAX_ANOMALIES).str.join(""))


def _header_xml(header: FileHeader, file_anomalies: Sequence[Anomaly]) -> str:
    ns = namespace(header.file_type, header.layout)
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>\n",
        f'<RETFAC xmlns="{ns}" Layout="{header.layout}">',
        f"{_indent(1)}<Entete>",
        f"{_indent(2)}<Emetteur>{header.sender}</Emetteur>",
        f"{_indent(2)}<Facturier>{header.billing_provider}</Facturier>",
        f"{_indent(2)}<Reference>{header.reference}</Reference>",
        f"{_indent(2)}<DateEnvoi>{header.send_date.isoformat()}</DateEnvoi>",
        *([f"{_indent(2)}<Logiciel>{_escape_text(header.software)}</Logiciel>"] if header.software else []),
        f"{_indent(2)}<ReferenceOrigine>{header.original_reference}</ReferenceOrigine>",
        f"{_indent(2)}<DateDepot>{header.deposit_date}</DateDepot>",
        f"{_indent(2)}<DateEcheance>{header.payment_due_date}</DateEcheance>",
        f"{_indent(1)}</Entete>",
    ]
    for anomaly in file_anomalies[:MAX_ANOMALIES]:
        parts.append(f"{_indent(1)}<Anomalie>{_indent(2)}<Code>{anomaly.code}</Code>")
        parts.append(f"{_indent(2)}<Libelle>{_escape_text(anomaly.label)}</Libelle>")
        if anomaly.remark:
            parts.append(f"{_indent(2)}<Remarque>{_escape_text(anomaly.remark)}</Remarque>")
        parts.append(f"{_indent(1)}</Anomalie>")
    return "".join(parts)


def _trailer_xml(totals: RetfacTotals) -> str:
    def euros(cents: int) -> str:
        return f"{cents // 100}.{cents % 100:02d}"

    return (
        f"{_indent(1)}<Totaux>"
        f"{_indent(2)}<NombreFactures>{totals.invoice_count}</NombreFactures>"
        f"{_indent(2)}<NombreLignes>{totals.line_count}</NombreLignes>"
        f"{_indent(2)}<TotalDemande>{euros(totals.asked_cents)}</TotalDemande>"
        f"{_indent(2)}<TotalPrisEnCharge>{euros(totals.covered_cents)}</TotalPrisEnCharge>"
        f"{_indent(2)}<TotalConteste>{euros(totals.contested_cents)}</TotalConteste>"
        f"{_indent(1)}</Totaux>\n</RETFAC>"
    )


_AMOUNTS = ["asked_cents", "covered_cents", "insured_cents"]


def _text(lines: pl.DataFrame, line_anomalies: pl.DataFrame, invoice_anomalies: pl.DataFrame) -> pl.DataFrame:
    """One text per line: the invoice's opening on its first line, the invoice's closing on its last line."""
    # The amounts part of a line depends only on its three amounts, and a month has few distinct triples: format
    # each triple once and join, instead of formatting three decimals on every line.
    amounts = (
        lines.select(_AMOUNTS)
        .unique()
        .with_columns(
            pl.concat_str(
                [
                    *_leaf("MontantDemande", _euros("asked_cents"), 3),
                    *_leaf("MontantPrisEnCharge", _euros("covered_cents"), 3),
                    *_leaf("Participation", _euros("insured_cents"), 3),
                ]
            ).alias("amounts_xml")
        )
    )
    invoices = (
        lines.group_by("invoice_seq", maintain_order=True)
        .agg(
            pl.col("invoice_number").first(), pl.col("matricule").first(), pl.col("asked_cents", "covered_cents").sum()
        )
        .join(invoice_anomalies, on="invoice_number", how="left", maintain_order="left")
        .with_columns((pl.col("asked_cents") - pl.col("covered_cents")).alias("contested_cents"))
        .select(
            "invoice_seq",
            pl.concat_str(
                [
                    pl.lit(f"{_indent(1)}<Facture>"),
                    *_leaf("NumeroFacture", pl.col("invoice_number"), 2),
                    *_leaf("Matricule", pl.col("matricule"), 2),
                ]
            ).alias("opening_xml"),
            pl.concat_str(
                [
                    pl.col("anomalies_xml").fill_null(""),
                    *_leaf("TotalDemande", _euros("asked_cents"), 2),
                    *_leaf("TotalPrisEnCharge", _euros("covered_cents"), 2),
                    *_leaf("TotalConteste", _euros("contested_cents"), 2),
                    pl.lit(f"{_indent(1)}</Facture>"),
                ]
            ).alias("closing_xml"),
        )
    )
    first = (pl.col("invoice_seq") != pl.col("invoice_seq").shift(1)).fill_null(True)
    last = (pl.col("invoice_seq") != pl.col("invoice_seq").shift(-1)).fill_null(True)
    return (
        lines.join(amounts, on=_AMOUNTS, how="left", maintain_order="left")
        .join(line_anomalies, on="row_id", how="left", maintain_order="left")
        .join(invoices, on="invoice_seq", how="left", maintain_order="left")
        .select(
            pl.concat_str(
                [
                    pl.when(first).then(pl.col("opening_xml")).otherwise(pl.lit("")),
                    pl.lit(f"{_indent(2)}<Ligne>"),
                    *_leaf("NumeroLigne", pl.col("line_number").cast(pl.Utf8), 3),
                    pl.col("amounts_xml"),
                    pl.col("anomalies_xml").fill_null(""),
                    pl.lit(f"{_indent(2)}</Ligne>"),
                    pl.when(last).then(pl.col("closing_xml")).otherwise(pl.lit("")),
                ]
            ).alias("xml")
        )
    )


def write_retfac(
    destination: Path,
    header: FileHeader,
    lines: pl.DataFrame,
    line_anomalies: pl.DataFrame | None,
    invoice_anomalies: pl.DataFrame,
    file_anomalies: Sequence[Anomaly] = (),
    slice_lines: int = SLICE_LINES,
    line_findings: pl.DataFrame | None = None,
) -> RetfacTotals:
    """Write the RETFAC to ``destination``.

    ``lines`` (file order, an invoice's lines together): ``row_id``, ``invoice_number``, ``matricule``,
    ``line_number``, ``asked_cents``, ``covered_cents``, ``insured_cents``. ``line_anomalies`` /
    ``invoice_anomalies``: ``row_id`` / ``invoice_number`` → ``anomalies_xml`` (from :func:`anomaly_xml`).
    ``line_findings`` (``row_id``, ``code``, ``label``, ``remark``), when given instead of the lines' XML: it is
    made slice by slice (a month where most lines have an anomaly would otherwise hold all their text at once).
    """
    if header.file_type != "RETFAC" or header.deposit_date is None or header.payment_due_date is None:
        raise ValueError("a RETFAC header with deposit and payment due dates is needed")
    if lines.height == 0 and not file_anomalies:
        raise ValueError("a RETFAC without lines must carry the file-level anomalies saying why")
    numbered = lines.with_columns(
        (pl.col("invoice_number") != pl.col("invoice_number").shift(1)).fill_null(True).cum_sum().alias("invoice_seq")
    )
    invoice_count = int(numbered.get_column("invoice_seq").max() or 0)  # type: ignore[arg-type]
    totals = RetfacTotals(
        invoice_count=invoice_count,
        line_count=lines.height,
        asked_cents=int(lines.get_column("asked_cents").sum()),
        covered_cents=int(lines.get_column("covered_cents").sum()),
    )
    # Whole invoices per slice: an invoice goes to the slice where its first line falls. Slices are views of the
    # frame (zero-copy), cut at the first invoice starting at or after each multiple of ``slice_lines``.
    starts = numbered.select(pl.arg_where(pl.col("invoice_seq") != pl.col("invoice_seq").shift(1).fill_null(0)))
    bounds = _slice_bounds(starts.to_series().to_list(), lines.height, slice_lines)
    slices = [numbered.slice(first, end - first) for first, end in pairwise(bounds)]
    del numbered
    with destination.open("wb") as out:
        out.write(_header_xml(header, file_anomalies).encode())
        while slices:
            part = slices.pop(0)
            # One text column written by Polars' CSV writer: no quoting, no separator, no line ending added.
            anomalies = _slice_anomalies(line_findings, part) if line_findings is not None else line_anomalies
            assert anomalies is not None, "the lines' anomalies are given, as XML or as findings"
            _text(part, anomalies, invoice_anomalies).write_csv(
                out, include_header=False, quote_style="never", line_terminator=""
            )
        out.write(_trailer_xml(totals).encode())
    return totals


def _slice_anomalies(line_findings: pl.DataFrame, part: pl.DataFrame) -> pl.DataFrame:
    """The ``Anomalie`` elements of one slice's lines."""
    low, high = part.get_column("row_id").min(), part.get_column("row_id").max()
    return anomaly_xml(line_findings.filter(pl.col("row_id").is_between(low, high)), "row_id", 3)


def _slice_bounds(invoice_starts: list[int], count: int, slice_lines: int) -> list[int]:
    """Where each slice starts (the first invoice starting at or after each multiple of ``slice_lines``), then
    ``count``."""
    cuts = {bisect_left(invoice_starts, multiple) for multiple in range(0, count, slice_lines)}
    return [*sorted(invoice_starts[i] for i in cuts if i < len(invoice_starts)), count]
