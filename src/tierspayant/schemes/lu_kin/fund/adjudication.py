"""Billing adjudication of a FAC: rules over the whole batch, then pricing, then the outcome of every line.

Pure functions over frames (no database here): the service fetches the history once, hands it in, and records
what comes out. Checking and pricing stay separate — the amounts paid are derived from the findings (which lines and
invoices are refused) and the official prices (what a paid line is worth), never assembled by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from tierspayant.core.findings import Effect, Level
from tierspayant.core.rules.duckdb_session import arrow_of
from tierspayant.core.rules.engine import empty_findings, evaluate
from tierspayant.schemes.lu_kin.pricing import price_lines
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.rules_tables import billing_rules, connect, reference_tables

HISTORY_TABLES = ("titres", "titre_acts", "ledger", "insured", "affiliations", "providers", "memberships")


@dataclass(frozen=True)
class Adjudication:
    """What the fund decided on a FAC.

    ``findings``: every finding (rule, code, level, effect, key, detail, label); ``lines``: one row per billed line
    with ``paid``, ``covered_cents`` and the fund's ``tariff_cents`` / ``insured_cents``; ``file_rejected``: a
    reject-file finding means the whole file goes back untreated.
    """

    findings: pl.DataFrame
    lines: pl.DataFrame

    @property
    def file_rejected(self) -> bool:
        return self.findings.filter(pl.col("effect") == Effect.REJECT_FILE.value).height > 0


OPEN_LINE_COLUMNS: tuple[str, ...] = ("row_id", "matricule", "service_date", "titre_id", "act_code")


def adjudicate(
    lines: pl.DataFrame, file: pl.DataFrame, history: Mapping[str, pl.DataFrame], reference: ReferenceSet
) -> Adjudication:
    missing = [name for name in HISTORY_TABLES if name not in history]
    if missing:
        raise ValueError(f"history table(s) not given: {', '.join(missing)}")
    prices = price_lines(lines, reference["nomenclature"], reference["letter_keys"], history["titres"])
    # ``prices``: each line with its official price beside it (same order), so that the pricing rules need no join.
    official = {"tariff_cents": "official_tariff_cents", "insured_cents": "official_insured_cents"}
    priced = lines.hstack(prices.drop("row_id").rename(official))
    tables: dict[str, pl.DataFrame] = {
        **reference_tables(reference),
        **history,
        "lines": lines,
        "file": file,
        "prices": priced,
    }
    independent, counting = billing_rules()
    # Arrow tables, converted once: DuckDB scans a registered Polars frame by converting it again at every query.
    arrow = {name: arrow_of(frame) for name, frame in tables.items()}
    con = connect()
    try:
        first = evaluate(independent, arrow, con)
        refused_rows, refused_invoices = _refusals(first)
        # only the columns the counting rules read: a month's open lines are a copy of most of its lines
        open_lines = lines.filter(
            ~pl.col("row_id").is_in(refused_rows.implode())
            & ~pl.col("invoice_number").is_in(refused_invoices.implode())
        ).select(OPEN_LINE_COLUMNS)
        arrow["open_lines"] = arrow_of(open_lines)
        second = evaluate(counting, arrow, con) if counting else empty_findings()
    finally:
        con.close()
        del arrow, tables
    findings = label(pl.concat([first, second], how="vertical"), reference)
    return Adjudication(findings=findings, lines=_line_outcomes(priced, findings))


def label(findings: pl.DataFrame, reference: ReferenceSet) -> pl.DataFrame:
    """Add the anomaly ``label`` of each finding's code (the reference list; the rule id when a code is unlisted)."""
    labels = reference["anomalies"].select("code", "label")
    return findings.join(labels, on="code", how="left").with_columns(pl.col("label").fill_null(pl.col("rule")))


def _refusals(findings: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    findings = findings.select("level", "effect", "key")  # filtering every column copies the remarks too: ~45 MB
    rows = findings.filter((pl.col("level") == Level.LINE.value) & (pl.col("effect") == Effect.REJECT_LINE.value))
    blocks = findings.filter((pl.col("level") == Level.INVOICE.value) & (pl.col("effect") == Effect.REJECT_BLOCK.value))
    return rows.get_column("key").cast(pl.Int64).unique(), blocks.get_column("key").unique()


def _line_outcomes(priced: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    refused_rows, refused_invoices = _refusals(findings)
    paid = (
        ~pl.col("row_id").is_in(refused_rows.implode())
        & ~pl.col("invoice_number").is_in(refused_invoices.implode())
        & pl.col("fund_cents").is_not_null()
    )
    covered = pl.when(paid).then(pl.min_horizontal("asked_cents", "fund_cents")).otherwise(0).cast(pl.Int64)
    return priced.with_columns(
        pl.col("official_tariff_cents").alias("fund_tariff_cents"),
        pl.col("official_insured_cents").alias("fund_insured_cents"),
        paid.alias("paid"),
        covered.alias("covered_cents"),
        pl.col("official_insured_cents").fill_null(pl.col("insured_cents")).alias("returned_insured_cents"),
    )
