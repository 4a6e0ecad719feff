"""The tables the REFAC rules read: lines, invoices, all_services (file + history), and the reference tables.

Built once per file, set-at-a-time: the nomenclature attributes valid at each service date are joined onto the lines
and the history once (one Polars join each), so that no rule repeats that join.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import polars as pl

from tierspayant.core.identifiers.niss import CENTURY_2000_OFFSET, SERIAL_MAX, SERIAL_MIN
from tierspayant.schemes.be_nursing.mutuality.reference import ReferenceData
from tierspayant.schemes.be_nursing.store.mutuality.registry import HISTORY_SCHEMA

LINE_SCHEMA: dict[str, Any] = {
    "key": pl.Int64,  # record index of the record 50 (1-based position in the file)
    "invoice_key": pl.Int64,  # record index of its record 20
    "invoice_index": pl.Int64,
    "invoice_number": pl.Utf8,
    "third_party": pl.Utf8,
    "niss": pl.Utf8,
    "nomenclature_code": pl.Int64,
    "service_norm": pl.Int64,
    "first_service_date": pl.Date,
    "last_service_date": pl.Date,
    "care_provider": pl.Utf8,
    "units": pl.Int64,
    "insurance_amount": pl.Int64,  # cents
    "same_day_repetition": pl.Int64,
    "service_time": pl.Int64,  # HHMM (zones 36-37), 0 when not given
    "has_eid": pl.Boolean,  # a record 52 (eID reading) follows this record 50
    "payment_commitment_part_a": pl.Int64,  # of its invoice (record 20 zone 42)
    "insurability_start_date": pl.Date,  # of its invoice (record 20 zone 53)
    "insurability_end_date": pl.Date,  # of its invoice (record 20 zone 54)
}

INVOICE_SCHEMA: dict[str, Any] = {
    "key": pl.Int64,  # record index of the record 20
    "invoice_index": pl.Int64,
    "invoice_number": pl.Utf8,
    "niss": pl.Utf8,
    "affiliation_mutuality": pl.Int64,
    "destination_mutuality": pl.Int64,  # zone 18 of record 20: the PUC number
    "trailer_key": pl.Int64,  # record index of its record 80
    "trailer_destination_mutuality": pl.Int64,  # zone 18 of record 80
    "ct1": pl.Int64,
    "ct2": pl.Int64,
    "payment_commitment_part_a": pl.Int64,
    "insurability_start_date": pl.Date,  # zones 53-58: NULL when empty (zeros)
    "insurability_end_date": pl.Date,
    "communication_date": pl.Date,
    "maf_current_year": pl.Int64,
    "maf_previous_year": pl.Int64,
    "maf_two_years_ago": pl.Int64,
}

NOMENCLATURE_ATTRIBUTES = (
    "family",
    "limit_group",
    "visit_rank",
    "eid_required",
    "medical_house_covered",
    "ceiling_counted",
    "norm_statistical",
)

FLAGS = ("eid_required", "medical_house_covered", "ceiling_counted", "norm_statistical")  # NULL (unknown code): false
SERVICE_COLUMNS = tuple(HISTORY_SCHEMA.names())  # a service of this file or of the ledger


def conform(frame: pl.DataFrame, schema: Mapping[str, Any], what: str) -> pl.DataFrame:
    """Select and cast the declared columns (in order); a missing column is a programming error, said clearly."""
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def with_nomenclature(frame: pl.DataFrame, nomenclature: pl.DataFrame) -> pl.DataFrame:
    """Add the attributes of the nomenclature row valid at each row's first service date (NULL when none)."""
    numbered = frame.with_row_index("_row")
    valid_at_date = (pl.col("first_service_date") >= pl.col("valid_from")) & (
        pl.col("valid_to").is_null() | (pl.col("first_service_date") <= pl.col("valid_to"))
    )
    matches = (
        numbered.select("_row", "nomenclature_code", "first_service_date")
        .join(nomenclature, left_on="nomenclature_code", right_on="code", how="inner")
        .filter(valid_at_date)
        .select("_row", *NOMENCLATURE_ATTRIBUTES)
    )
    if matches["_row"].is_duplicated().any():
        raise ValueError("nomenclature: overlapping validity periods for one code")
    return (
        numbered.join(matches, on="_row", how="left", maintain_order="left")
        .drop("_row")
        .with_columns(pl.col(*FLAGS).fill_null(False))
    )


def niss_valid(column: str = "niss") -> pl.Expr:
    """Whether ``column`` holds a valid national or BIS number, column-wise: exactly what
    ``core.identifiers.niss.check_niss(text).valid`` says of a text of 11 ASCII digits (its tests compare the two;
    texts of another shape are never valid here). Check ``97 − (first 9 digits mod 97)`` for a birth before 2000,
    or on ``2 000 000 000 + first 9 digits`` from 2000; month 01–12 (+20 / +40 for BIS), 00 = unknown; a known day
    and month must exist in the birth year the matching check gives; serial 001–997."""
    text = pl.col(column)
    digits = text.str.slice(0, 9).cast(pl.Int64, strict=False)
    check = text.str.slice(9, 2).cast(pl.Int64, strict=False)
    yy = text.str.slice(0, 2).cast(pl.Int64, strict=False)
    month_field = text.str.slice(2, 2).cast(pl.Int64, strict=False)
    day = text.str.slice(4, 2).cast(pl.Int64, strict=False)
    serial = text.str.slice(6, 3).cast(pl.Int64, strict=False)
    from_2000 = check == 97 - (digits + CENTURY_2000_OFFSET) % 97
    before_2000 = check == 97 - digits % 97
    month = (
        pl.when(month_field <= 12)
        .then(month_field)
        .when(month_field.is_between(20, 32))
        .then(month_field - 20)
        .when(month_field.is_between(40, 52))
        .then(month_field - 40)
    )
    year = pl.when(from_2000).then(2000 + yy).otherwise(1900 + yy)
    # the last day of the month in that year (month and day known); years 1900-2099 only
    days_in_month = pl.date(year, month.clip(1, 12), 1).dt.month_end().dt.day().cast(pl.Int64)
    date_ok = pl.when((month == 0) | (day == 0)).then(day <= 31).otherwise(day <= days_in_month)
    return (
        text.str.contains(r"^[0-9]{11}$")
        & (before_2000 | from_2000)
        & month.is_not_null()
        & date_ok
        & serial.is_between(SERIAL_MIN, SERIAL_MAX)
    ).fill_null(False)


def with_niss_check(invoices: pl.DataFrame) -> pl.DataFrame:
    """Add ``niss_valid``: the record 20's NISS is a valid national or BIS number (:func:`niss_valid`, column-wise:
    no Python call per NISS)."""
    return invoices.with_columns(niss_valid().alias("niss_valid"))


def sending_table(third_party: str, received_on: date) -> pl.DataFrame:
    """The one-row table ``sending``: who sent the file (record 10 zone 14) and the day the mutuality received it."""
    return pl.DataFrame({"third_party": [third_party], "received_on": [received_on]},
                        schema={"third_party": pl.Utf8, "received_on": pl.Date})


def build_tables(
    lines: pl.DataFrame,
    invoices: pl.DataFrame,
    history: pl.DataFrame,
    reference: ReferenceData,
    sending: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """Every table a rule of ``rules.yaml`` may read, by name. ``sending``: :func:`sending_table` (default: the
    lines' third party, received on the day after the last service)."""
    nomenclature = reference["nomenclature"]
    file_lines = with_nomenclature(conform(lines, LINE_SCHEMA, "lines"), nomenclature)
    past = with_nomenclature(conform(history, HISTORY_SCHEMA, "history"), nomenclature)
    history_part = past.select(
        pl.lit("history").alias("source"),
        pl.lit(None, dtype=pl.Int64).alias("key"),
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("order_rank"),
        *SERVICE_COLUMNS,
        "family",
        "limit_group",
        "visit_rank",
        "ceiling_counted",
    )
    file_part = file_lines.select(
        pl.lit("file").alias("source"),
        "key",
        (pl.col("key") + past.height).alias("order_rank"),
        *SERVICE_COLUMNS,
        "family",
        "limit_group",
        "visit_rank",
        "ceiling_counted",
    )
    tables: dict[str, pl.DataFrame] = dict(reference.tables)
    tables["lines"] = file_lines
    tables["invoices"] = with_niss_check(conform(invoices, INVOICE_SCHEMA, "invoices"))
    tables["all_services"] = pl.concat([history_part, file_part], how="vertical")
    if sending is None:
        last = file_lines["last_service_date"].max()
        sending = sending_table(
            str(file_lines["third_party"][0]) if file_lines.height else "",
            (last if isinstance(last, date) else date.today()) + timedelta(days=1),
        )
    tables["sending"] = sending
    return tables
