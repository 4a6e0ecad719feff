"""Builders of the smallest batches for the REFAC rule tests: lines (records 50), invoices (records 20), history."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from tierspayant.schemes.be_nursing.mutuality.evaluation import evaluate_rules, refac_rules
from tierspayant.schemes.be_nursing.mutuality.reference import ReferenceData, load_reference
from tierspayant.schemes.be_nursing.mutuality.tables import INVOICE_SCHEMA, LINE_SCHEMA, build_tables
from tierspayant.schemes.be_nursing.store.mutuality.registry import HISTORY_SCHEMA

# Fictitious patients of the SAMPLE reference set (schemes/be_nursing/reference/*.csv)
PLAIN = "85010100115"  # known, no care path, no contract, no stay
OTHER = "85010100214"
DIABETES_PATH = "50031510333"  # diabetes care path from 2023-01-01
MEDICAL_HOUSE = "72061220519"  # medical house 000000099 covering nursing (MKI) from 2022-01-01
HOSPITAL_KNOWN = "40022830795"  # in hospital 2025-03-10 → 2025-03-20
HOSPITAL_OPEN = "61113040949"  # in hospital since 2025-03-05, discharge unknown
PALLIATIVE = "33070751121"  # doctor registered 2025-02-20, nurse 420900 registered 2025-03-01 (from 2025-02-25)
UNKNOWN = "90122461359"  # known at mutuality 319 only

NURSE = "10000000001"
NURSE_2 = "10000000002"
DAY = date(2025, 3, 3)

FIRST_VISIT = 425014
NEXT_VISIT = 425036
INJECTION = 424255

_LINE_DEFAULTS: dict[str, Any] = {
    "invoice_key": 2,
    "invoice_index": 1,
    "invoice_number": "000000000001",
    "third_party": "90000000001",
    "niss": PLAIN,
    "nomenclature_code": INJECTION,
    "service_norm": 0,
    "first_service_date": DAY,
    "last_service_date": None,
    "care_provider": NURSE,
    "units": 1,
    "insurance_amount": 1000,
    "same_day_repetition": 0,
    "service_time": 0,
    "has_eid": True,
    "payment_commitment_part_a": 0,
    "insurability_start_date": None,
    "insurability_end_date": None,
}

_INVOICE_DEFAULTS: dict[str, Any] = {
    "invoice_index": 1,
    "invoice_number": "000000000001",
    "niss": PLAIN,
    "affiliation_mutuality": 319,
    "destination_mutuality": 319,
    "trailer_key": None,
    "trailer_destination_mutuality": 319,
    "ct1": 110,
    "ct2": 110,
    "payment_commitment_part_a": 0,
    "insurability_start_date": None,
    "insurability_end_date": None,
    "communication_date": None,
    "maf_current_year": None,
    "maf_previous_year": None,
    "maf_two_years_ago": None,
}

_HISTORY_DEFAULTS: dict[str, Any] = {
    "niss": PLAIN,
    "nomenclature_code": INJECTION,
    "first_service_date": DAY,
    "last_service_date": None,
    "care_provider": NURSE_2,
    "units": 1,
    "insurance_amount": 1000,
    "third_party": "90000000002",
    "invoice_number": "000000000077",
    "same_day_repetition": 0,
    "service_time": 0,
}

_REFERENCE: ReferenceData | None = None


def sample_reference() -> ReferenceData:
    global _REFERENCE
    if _REFERENCE is None:
        _REFERENCE = load_reference()
    return _REFERENCE


def _frame(rows: list[dict[str, Any]], defaults: dict[str, Any], schema: dict[str, Any]) -> pl.DataFrame:
    full = []
    for row in rows:
        merged = {**defaults, **row}
        if "last_service_date" in schema and merged.get("last_service_date") is None:
            merged["last_service_date"] = merged["first_service_date"]
        full.append({c: merged[c] for c in schema})
    return pl.DataFrame(full, schema=schema)


def lines(*rows: dict[str, Any]) -> pl.DataFrame:
    """Record-50 lines; ``key`` defaults to 10, 11, 12 … in order."""
    keyed = [{"key": 10 + i, **row} for i, row in enumerate(rows)]
    return _frame(keyed, _LINE_DEFAULTS, LINE_SCHEMA)


def invoices(*rows: dict[str, Any]) -> pl.DataFrame:
    keyed = [{"key": 2 + 100 * i, **row} for i, row in enumerate(rows)]
    return _frame(keyed, _INVOICE_DEFAULTS, INVOICE_SCHEMA)


def history(*rows: dict[str, Any]) -> pl.DataFrame:
    return _frame(list(rows), _HISTORY_DEFAULTS, HISTORY_SCHEMA)


def invoices_for(batch: pl.DataFrame) -> pl.DataFrame:
    """One plain invoice per distinct invoice key of the lines (same NISS as its lines)."""
    firsts = batch.group_by("invoice_key", maintain_order=True).first()
    return invoices(
        *[
            {"key": r["invoice_key"], "invoice_index": r["invoice_index"], "niss": r["niss"]}
            for r in firsts.iter_rows(named=True)
        ]
    )


def run_rule(
    rule_id: str,
    batch: pl.DataFrame,
    *,
    invoice_rows: pl.DataFrame | None = None,
    past: pl.DataFrame | None = None,
    reference: ReferenceData | None = None,
    sending: pl.DataFrame | None = None,
) -> dict[int, str | None]:
    """The findings of one rule: {record index: comment}. ``sending``: ``tables.sending_table(...)``."""
    tables = build_tables(
        batch,
        invoice_rows if invoice_rows is not None else invoices_for(batch),
        past if past is not None else history(),
        reference or sample_reference(),
        sending,
    )
    found = evaluate_rules(tables, [refac_rules().get(rule_id)])
    return dict(zip(found["key"].to_list(), found["detail"].to_list(), strict=True))
