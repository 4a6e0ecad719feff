"""From the format layer's frames (one Polars frame per record type, columns = zone names) to the rule tables.

The only module of REFAC that knows the zone names of the records: everything after it reads ``lines`` and
``invoices`` (see ``tables.LINE_SCHEMA`` / ``INVOICE_SCHEMA``). Set-at-a-time: joins and casts, no loop per record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from tierspayant.schemes.be_nursing.mutuality.tables import INVOICE_SCHEMA, LINE_SCHEMA, conform

NISS_DIGITS = 11
PROVIDER_DIGITS = 11
INVOICE_NUMBER_DIGITS = 12


@dataclass(frozen=True)
class SendingHeader:
    """What identifies a sending for the registry (record 10)."""

    third_party: str
    invoiced_year: int
    invoiced_month: int
    sending_number: int


@dataclass(frozen=True)
class Batch:
    header: SendingHeader
    lines: pl.DataFrame  # LINE_SCHEMA
    invoices: pl.DataFrame  # INVOICE_SCHEMA
    attached: pl.DataFrame  # records 51/52: record_index, line_key


def _digits(column: str, width: int) -> pl.Expr:
    return pl.col(column).cast(pl.Int64).cast(pl.Utf8).str.zfill(width)


def _absent_if_zero(column: str) -> pl.Expr:
    return pl.when(pl.col(column) == 0).then(None).otherwise(pl.col(column)).alias(column)


def header_of(frames: Mapping[str, pl.DataFrame]) -> SendingHeader:
    record_10 = frames["10"].row(0, named=True)
    return SendingHeader(
        third_party=str(int(record_10["third_party_number"])).zfill(PROVIDER_DIGITS),
        invoiced_year=int(record_10["invoiced_year"]),
        invoiced_month=int(record_10["invoiced_month"]),
        sending_number=int(record_10["sending_number"]),
    )


def build_batch(frames: Mapping[str, pl.DataFrame]) -> Batch:
    """Lines (records 50 with their invoice's zones and whether an eID reading follows), invoices (records 20) and
    the records 51/52 attached to their record 50."""
    header = header_of(frames)
    records_20 = frames["20"]
    records_50 = frames["50"].sort("record_index")
    attached = _attach([frames[t] for t in ("51", "52") if t in frames and frames[t].height])
    eid_lines = _attach([frames["52"]] if "52" in frames and frames["52"].height else [])

    trailers = frames["80"].select(
        "invoice_index",
        pl.col("record_index").alias("trailer_key"),
        pl.col("destination_mutuality").alias("trailer_destination_mutuality"),
    )
    invoices = records_20.join(trailers, on="invoice_index", how="left", maintain_order="left").select(
        pl.col("record_index").alias("key"),
        "invoice_index",
        _digits("invoice_number", INVOICE_NUMBER_DIGITS).alias("invoice_number"),
        _digits("niss", NISS_DIGITS).alias("niss"),
        "affiliation_mutuality",
        "destination_mutuality",
        "trailer_key",
        "trailer_destination_mutuality",
        # zone 27: four zeros, CT1 (3 digits), CT2 (3 digits)
        ((pl.col("ct1_ct2") // 1000) % 1000).alias("ct1"),
        (pl.col("ct1_ct2") % 1000).alias("ct2"),
        "payment_commitment_part_a",
        "insurability_start_date",
        "insurability_end_date",
        "communication_date",
        _absent_if_zero("maf_current_year"),
        _absent_if_zero("maf_previous_year"),
        _absent_if_zero("maf_two_years_ago"),
    )
    invoice_zones = invoices.select(
        pl.col("key").alias("invoice_key"),
        "invoice_index",
        "invoice_number",
        "payment_commitment_part_a",
        "insurability_start_date",
        "insurability_end_date",
    )
    lines = (
        records_50.select(
            pl.col("record_index").alias("key"),
            "invoice_index",
            _digits("niss", NISS_DIGITS).alias("niss"),
            "nomenclature_code",
            "service_norm",
            "first_service_date",
            pl.coalesce("last_service_date", "first_service_date").alias("last_service_date"),
            _digits("care_provider", PROVIDER_DIGITS).alias("care_provider"),
            "units",
            "insurance_amount",
            "same_day_repetition",
            "service_time",
        )
        .join(invoice_zones, on="invoice_index", how="left")
        .with_columns(
            pl.lit(header.third_party).alias("third_party"),
            pl.col("key").is_in(eid_lines["line_key"].implode()).alias("has_eid"),
        )
    )
    return Batch(
        header=header,
        lines=conform(lines, LINE_SCHEMA, "records 50"),
        invoices=conform(invoices, INVOICE_SCHEMA, "records 20"),
        attached=attached,
    )


def _attach(followers: list[pl.DataFrame]) -> pl.DataFrame:
    """Each record 51/52 belongs to the record 50 it follows (the reader's ``service_record_index``)."""
    empty = pl.DataFrame(schema={"record_index": pl.Int64, "line_key": pl.Int64})
    if not followers:
        return empty
    return pl.concat(
        [
            f.select(
                pl.col("record_index").cast(pl.Int64), pl.col("service_record_index").cast(pl.Int64).alias("line_key")
            )
            for f in followers
        ]
    ).filter(pl.col("line_key").is_not_null())
