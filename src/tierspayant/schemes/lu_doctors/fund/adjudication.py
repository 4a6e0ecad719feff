"""Flat-rate adjudication, set-at-a-time: the scheme's rules over a whole FACFORF, then the amounts covered.

1. The lines get the nomenclature row valid on their service date (type, part / chapter / section, letter X, tariff).
2. Every rule not starting with ``count_`` runs once over the file, on the engine the settings choose (DuckDB by
   default, Spark with ``TIERSPAYANT_RULES_ENGINE=spark``): refusals of the file, an invoice, a line.
3. The ``count_`` rules run on the lines left open: the annual threshold and the amortisation total turn full-rate
   flat rates into reduced ones, in service-date order with a stable tie-break.
4. Each open flat rate is covered at 100 % of the official rate (``refund_rate_percent``) of the code paid; technical
   acts on a PID fee note are there to be matched, and are settled with the fee note itself (not here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import polars as pl

from tierspayant.core.rules import RuleSet, evaluate, open_session
from tierspayant.core.rules.engine import package_rules
from tierspayant.core.rules.model import Macro
from tierspayant.schemes.lu_doctors.formats.reader import FlatRateBatch
from tierspayant.schemes.lu_doctors.reference import ReferenceSet

# The SQL helper the rules use in their remarks: integer cents as euros (exact, no float). A DuckDB macro; inlined
# into the query on an engine without macros (Spark).
MACROS = (Macro("euros", ("c",), "CAST(c // 100 AS VARCHAR) || '.' || lpad(CAST(c % 100 AS VARCHAR), 2, '0')"),)
ACT_COLUMNS = (
    "act_code",
    "act_type",
    "part",
    "chapter",
    "section",
    "letter_x",
    "tariff_cents",
    "valid_from",
    "valid_to",
)
DEVICE_SCHEMA: dict[str, Any] = {
    "device_id": pl.Utf8,
    "kind_code": pl.Utf8,
    "in_hospital": pl.Boolean,
    "in_use_from": pl.Date,
    "closed_on": pl.Date,
    "annual_threshold": pl.Int64,
    "amortisation_total": pl.Int64,
    "full_code": pl.Utf8,
    "reduced_code": pl.Utf8,
}
PATIENT_ACT_SCHEMA: dict[str, Any] = {
    "fee_note_id": pl.Utf8,
    "doctor_code": pl.Utf8,
    "matricule": pl.Utf8,
    "service_date": pl.Date,
    "act_code": pl.Utf8,
}
PAID_SCHEMA: dict[str, Any] = {
    "billing_code": pl.Utf8,
    "invoice_number": pl.Utf8,
    "line": pl.Int64,
    "matricule": pl.Utf8,
    "service_date": pl.Date,
    "device_id": pl.Utf8,
    "technical_act": pl.Utf8,
    "fee_note_ref": pl.Utf8,
}
USAGE_SCHEMA: dict[str, Any] = {"device_id": pl.Utf8, "year": pl.Int32, "full_used_year": pl.Int64}
USAGE_TOTAL_SCHEMA: dict[str, Any] = {"device_id": pl.Utf8, "full_used_total": pl.Int64}
REJECTS = ("reject_file", "reject_block", "reject_line")


@cache
def scheme_rules() -> RuleSet:
    return package_rules("tierspayant.schemes.lu_doctors")


@dataclass(frozen=True)
class FundContext:
    """What the fund knows besides the file, as frames (schemas above): register, patients' acts, history."""

    devices: pl.DataFrame
    patient_acts: pl.DataFrame
    paid: pl.DataFrame
    usage: pl.DataFrame
    usage_total: pl.DataFrame

    @classmethod
    def empty(cls) -> FundContext:
        return cls(
            pl.DataFrame(schema=DEVICE_SCHEMA),
            pl.DataFrame(schema=PATIENT_ACT_SCHEMA),
            pl.DataFrame(schema=PAID_SCHEMA),
            pl.DataFrame(schema=USAGE_SCHEMA),
            pl.DataFrame(schema=USAGE_TOTAL_SCHEMA),
        )


@dataclass(frozen=True)
class Adjudication:
    """The outcome: one row per line (``status`` paid | refused | matched, ``paid_code``, ``full_rate``,
    ``covered_cents``, ``anomaly_codes`` and ``anomaly_details`` as lists), the file-level findings, and whether
    the whole file is refused."""

    lines: pl.DataFrame
    file_findings: pl.DataFrame
    rejected: bool
    findings: pl.DataFrame

    @property
    def covered_cents(self) -> int:
        return int(self.lines["covered_cents"].sum() or 0)


def prepare_lines(batch: FlatRateBatch, reference: ReferenceSet) -> pl.DataFrame:
    """The file's lines with the nomenclature row valid on each service date (nulls when none is)."""
    acts = reference["nomenclature"].select(ACT_COLUMNS)
    lines = batch.lines.with_columns(pl.col("service_date").dt.year().alias("year"))
    matched = (
        lines.select("row_id", "act_code", "service_date")
        .join(acts, on="act_code", how="inner")
        .filter((pl.col("service_date") >= pl.col("valid_from")) & (pl.col("service_date") <= pl.col("valid_to")))
        .unique("row_id", keep="first")
        .drop("act_code", "service_date", "valid_from", "valid_to")
    )
    return lines.join(matched, on="row_id", how="left").sort("row_id")


def _file_table(batch: FlatRateBatch) -> pl.DataFrame:
    year, month = int(batch.month[:4]), int(batch.month[5:])
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return pl.DataFrame(
        {
            "file_name": [batch.name],
            "billing_code": [batch.billing_code],
            "month_start": [start],
            "month_end": [date.fromordinal(end.toordinal() - 1)],
            "stated_invoices": [batch.statement.invoice_count],
            "stated_lines": [batch.statement.line_count],
            "stated_total_cents": [int(batch.statement.total * 100)],
        }
    )


def adjudicate(
    batch: FlatRateBatch, reference: ReferenceSet, context: FundContext, rules: RuleSet | None = None
) -> Adjudication:
    rules = rules or scheme_rules()
    lines = prepare_lines(batch, reference)
    acts = reference["nomenclature"].select(ACT_COLUMNS)
    tables: dict[str, Any] = {
        "file": _file_table(batch),
        "lines": lines,
        "acts": acts,
        "devices": context.devices,
        "device_acts": reference["device_acts"],
        "x_scope": reference["x_scope"],
        "patient_acts": context.patient_acts,
        "paid": context.paid,
        "usage": context.usage,
        "usage_total": context.usage_total,
    }
    # one session for both passes: the second reuses the tables the first registered (Spark stages each once)
    with open_session(macros=MACROS) as session:
        first = evaluate([r for r in rules if not r.id.startswith("count_")], tables, session)
        file_hits = first.filter(pl.col("effect") == "reject_file")
        rejected = file_hits.height > 0
        refused_rows = _refused_rows(first, lines)
        open_lines = lines.filter(~pl.col("row_id").is_in(refused_rows.implode()) & pl.lit(not rejected))
        tables["open_lines"] = open_lines
        second = evaluate([r for r in rules if r.id.startswith("count_")], tables, session)
    findings = pl.concat([first, second], how="vertical")
    month_start = date(int(batch.month[:4]), int(batch.month[5:]), 1)
    outcome = _outcome(lines, findings, refused_rows, rejected, context, reference, month_start)
    return Adjudication(outcome, file_hits, rejected, findings)


def _refused_rows(findings: pl.DataFrame, lines: pl.DataFrame) -> pl.Series:
    line_hits = findings.filter(pl.col("effect") == "reject_line")["key"].cast(pl.Int64)
    blocks = findings.filter(pl.col("effect") == "reject_block")["key"]
    block_rows = lines.filter(pl.col("invoice_number").is_in(blocks.implode()))["row_id"]
    return pl.concat([line_hits, block_rows]).unique()


def _outcome(
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    refused_rows: pl.Series,
    rejected: bool,
    context: FundContext,
    reference: ReferenceSet,
    month_start: date,
) -> pl.DataFrame:
    # anomalies per row: line findings by row_id, invoice findings on each line of the invoice
    line_level = findings.filter(pl.col("key").str.contains(r"^\d+$") & (pl.col("effect") != "reject_file")).select(
        pl.col("key").cast(pl.Int64).alias("row_id"), "code", "detail"
    )
    invoice_level = (
        findings.filter(pl.col("effect") == "reject_block")
        .select(pl.col("key").alias("invoice_number"), "code", "detail")
        .join(lines.select("row_id", "invoice_number"), on="invoice_number")
        .select("row_id", "code", "detail")
    )
    per_row = (
        pl.concat([invoice_level, line_level])
        .group_by("row_id")
        .agg(pl.col("code").alias("anomaly_codes"), pl.col("detail").fill_null("").alias("anomaly_details"))
    )
    reduced = findings.filter(pl.col("effect") == "reduce")["key"].cast(pl.Int64).unique()
    rate = reference.int_parameter("refund_rate_percent", month_start)
    devices = context.devices.select("device_id", "full_code", "reduced_code")
    out = (
        lines.join(devices, on="device_id", how="left")
        .join(per_row, on="row_id", how="left")
        .with_columns(
            refused=pl.lit(rejected) | pl.col("row_id").is_in(refused_rows.implode()),
            flat=pl.col("act_type") == "device_flat_rate",
        )
        .with_columns(
            paid_code=pl.when(pl.col("refused") | ~pl.col("flat").fill_null(False))
            .then(None)
            .when(pl.col("row_id").is_in(reduced.implode()) | (pl.col("act_code") == pl.col("reduced_code")))
            .then(pl.col("reduced_code"))
            .otherwise(pl.col("full_code"))
        )
        .with_columns(full_rate=(pl.col("paid_code") == pl.col("full_code")).fill_null(False))
    )
    tariffs = (
        out.select("row_id", pl.col("paid_code").alias("act_code"), "service_date")
        .drop_nulls("act_code")
        .join(reference["nomenclature"].select("act_code", "tariff_cents", "valid_from", "valid_to"), on="act_code")
        .filter((pl.col("service_date") >= pl.col("valid_from")) & (pl.col("service_date") <= pl.col("valid_to")))
        .unique("row_id", keep="first")
        .select("row_id", pl.col("tariff_cents").alias("paid_tariff_cents"))
    )
    return (
        out.join(tariffs, on="row_id", how="left")
        .with_columns(
            covered_cents=((pl.col("paid_tariff_cents").fill_null(0) * rate + 50) // 100).cast(pl.Int64),
            status=pl.when(pl.col("refused"))
            .then(pl.lit("refused"))
            .when(pl.col("flat").fill_null(False))
            .then(pl.lit("paid"))
            .otherwise(pl.lit("matched")),
            anomaly_codes=pl.col("anomaly_codes").fill_null([]),
            anomaly_details=pl.col("anomaly_details").fill_null([]),
        )
        .sort("row_id")
    )
