"""The tables KIN rules read (see the header of ``rules.yaml``): how a file becomes a batch, how the reference set
becomes SQL tables, and which rules run on which file type.

Batches are plain Polars frames with fixed schemas; DuckDB reads them zero-copy. Lines carry a ``row_id`` (their
position in the file, from 0) which is the key of every line-level finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache

import polars as pl

from tierspayant.core.money import to_cents
from tierspayant.core.rules.backend import RuleSession, open_session
from tierspayant.core.rules.duckdb_session import quiet_connection
from tierspayant.core.rules.engine import Rule, RuleSet, package_rules
from tierspayant.core.rules.model import Macro
from tierspayant.schemes.lu_kin.formats.models import Demaut, Fac, FileHeader
from tierspayant.schemes.lu_kin.reference import ReferenceSet

FILE_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.Utf8(),
    "file_type": pl.Utf8(),
    "facturier": pl.Utf8(),
    "sender": pl.Utf8(),
    "reference": pl.Utf8(),
    "send_date": pl.Date(),
    "received_on": pl.Date(),
}
REQUEST_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.Int64(),
    "request_id": pl.Utf8(),
    "act_order": pl.Int64(),
    "matricule": pl.Utf8(),
    "fund": pl.Utf8(),
    "prescriber_code": pl.Utf8(),
    "prescription_date": pl.Date(),
    "pathology": pl.Utf8(),
    "performer_code": pl.Utf8(),
    "place_category": pl.Utf8(),
    "accident": pl.Boolean(),
    "act_code": pl.Utf8(),
    "sessions": pl.Int64(),
    "document_name": pl.Utf8(),
    "document_problem": pl.Utf8(),
    "facturier": pl.Utf8(),
    "received_on": pl.Date(),
}
LINE_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.Int64(),
    "invoice_number": pl.Utf8(),
    "matricule": pl.Utf8(),
    "fund": pl.Utf8(),
    "line_number": pl.Int64(),
    "titre_id": pl.Utf8(),
    "service_date": pl.Date(),
    "act_code": pl.Utf8(),
    "performer_code": pl.Utf8(),
    "place_category": pl.Utf8(),
    "tariff_cents": pl.Int64(),
    "insured_cents": pl.Int64(),
    "asked_cents": pl.Int64(),
    "facturier": pl.Utf8(),
}

# The SQL helpers the rules use in their remarks: integer cents as euros, a rate in 1/100 % as percent (exact: no
# float involved). DuckDB macros; inlined into the query on an engine without macros (Spark).
MACROS = (
    Macro("euros", ("c",), "CAST(c // 100 AS VARCHAR) || '.' || lpad(CAST(c % 100 AS VARCHAR), 2, '0')"),
    Macro("rate_percent", ("r",), "euros(r)"),
)


def connect() -> RuleSession:
    """A rule session ready for KIN rules (the ``euros`` and ``rate_percent`` helpers defined), on the engine the
    settings choose (DuckDB by default, Spark with ``TIERSPAYANT_RULES_ENGINE=spark``)."""
    return open_session(macros=MACROS)


@cache
def kin_rules() -> RuleSet:
    return package_rules("tierspayant.schemes.lu_kin")


def authorisation_rules() -> list[Rule]:
    return [rule for rule in kin_rules() if rule.id.startswith("auth_")]


def billing_rules() -> tuple[list[Rule], list[Rule]]:
    """Billing rules in two phases: first the independent ones, then the counting rules that read ``open_lines``."""
    rules = [rule for rule in kin_rules() if rule.id.startswith("bill_")]
    counting = [rule for rule in rules if "open_lines" in rule.tables]
    return [rule for rule in rules if rule not in counting], counting


def file_frame(header: FileHeader, file_name: str, received_on: date) -> pl.DataFrame:
    return pl.DataFrame(
        [(file_name, header.file_type, header.billing_provider, header.sender, header.reference, header.send_date,
          received_on)],
        schema=FILE_SCHEMA,
        orient="row",
    )  # fmt: skip


def requests_frame(demaut: Demaut, received_on: date, document_problems: Mapping[str, str | None]) -> pl.DataFrame:
    """One row per request and prescribed act. ``document_problems`` maps each scan received in the package to
    ``None`` (acceptable) or what is wrong with it; a scan that is not in the mapping was not received."""
    rows: list[tuple[object, ...]] = []
    for request in demaut.requests:
        name = request.prescription.file_name
        if name in document_problems:
            problem = document_problems[name]
        else:
            problem = f"prescription scan {name} not received: send the DEMAUT in a ZIP package with its PDF/A scan"
        for order, act in enumerate(request.acts, start=1):
            rows.append(
                (len(rows), request.request_id, order, request.matricule, request.fund.value, request.prescriber_code,
                 request.prescription_date, request.pathology.value, request.performer_code, request.place_category,
                 request.accident, act.act_code, act.sessions, name, problem, demaut.header.billing_provider,
                 received_on)
            )  # fmt: skip
    return pl.DataFrame(rows, schema=REQUEST_SCHEMA, orient="row")


def lines_frame(fac: Fac) -> pl.DataFrame:
    """One row per billed line, invoice columns repeated, amounts in integer cents (the model-level path)."""
    rows: list[tuple[object, ...]] = []
    facturier = fac.header.billing_provider
    for invoice in fac.invoices:
        for line in invoice.lines:
            rows.append(
                (len(rows), invoice.invoice_number, invoice.matricule, invoice.fund.value, line.line_number,
                 line.titre_id, line.service_date, line.act_code, line.performer_code, line.place_category,
                 to_cents(line.tariff), to_cents(line.insured_share), to_cents(line.amount_asked), facturier)
            )  # fmt: skip
    return pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")


def with_effective_acts(requests: pl.DataFrame, conversion: pl.DataFrame) -> pl.DataFrame:
    """Add ``effective_act_code``: the new act of an old one (conversion table valid on the prescription date)."""
    con = quiet_connection()
    try:
        con.register("requests", requests)
        con.register("conversion", conversion)
        converted: pl.DataFrame = con.sql(
            """
            SELECT r.*, coalesce(c.new_act_code, r.act_code) AS effective_act_code
            FROM requests r
            LEFT JOIN conversion c ON c.old_act_code = r.act_code
                                  AND r.prescription_date BETWEEN c.valid_from AND c.valid_to
            ORDER BY r.row_id
            """
        ).pl()
    finally:
        con.close()
    return converted


def reference_tables(reference: ReferenceSet) -> dict[str, pl.DataFrame]:
    """The reference set as SQL tables, plus ``act_categories`` (one row per act and category it may serve), so
    that rules use plain joins instead of engine-specific list functions."""
    tables = dict(reference.tables)
    tables["act_categories"] = (
        reference["nomenclature"]
        .select("act_code", "categories", "valid_from", "valid_to")
        .explode("categories")
        .rename({"categories": "category"})
    )
    return tables


def distinct(frame: pl.DataFrame, column: str) -> Iterable[str]:
    return frame.get_column(column).unique().drop_nulls().to_list()
