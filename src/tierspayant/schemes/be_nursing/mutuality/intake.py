"""Intake: read the 920000 with the format layer (structure, every record's check digits, check numbers, totals) and
sort what it found into the three outcomes of REFAC.

- preliminary problems — segments 200/300, record 10, records 95/96, or the file itself → 920999 (refused);
- blocking (type B) problems of the other records → 920099, refusal type 01;
- other (type F/R) problems of records 20..80 → errors of their invoice / line, like the rules' findings.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.formats.frames import Sending, findings_of, read_sending

PRELIMINARY_RECORDS = ("200", "300", "10", "95", "96")
INVOICE_RECORDS = ("20", "80")
FINDINGS_PER_CODE = 50
READER_RULE = "efact-structure"
FINDING_SCHEMA = pl.Schema(
    {"rule": pl.Utf8, "code": pl.Utf8, "level": pl.Utf8, "effect": pl.Utf8, "key": pl.Int64, "detail": pl.Utf8}
)

# Only the zones REFAC reads are materialised (the reader checks every zone's format either way).
COLUMNS: dict[str, list[str]] = {
    "20": [
        "invoice_number",
        "niss",
        "affiliation_mutuality",
        "ct1_ct2",
        "payment_commitment_part_a",
        "insurability_start_date",
        "insurability_end_date",
        "communication_date",
        "maf_current_year",
        "maf_previous_year",
        "maf_two_years_ago",
        "destination_mutuality",
    ],
    "50": [
        "service_norm",
        "nomenclature_code",
        "first_service_date",
        "last_service_date",
        "niss",
        "care_provider",
        "insurance_amount",
        "units",
        "same_day_repetition",
        "service_time",
        "account_reference",
    ],
    "51": ["nomenclature_code"],
    "52": ["nomenclature_code", "reading_date"],
    "80": ["invoice_number", "destination_mutuality", "amount_account_a"],
}


@dataclass(frozen=True)
class Intake:
    sending: Sending
    preliminary: pl.DataFrame  # the reader's error rows (record_index, record_type, code, location, message)
    blocking: pl.DataFrame
    other: pl.DataFrame
    data: bytes = b""  # the file as received (the replies reuse its records without re-joining them)

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        return self.sending.frames

    @property
    def name(self) -> str:
        return self.sending.name

    def findings(self, errors: pl.DataFrame) -> list[Finding]:
        return findings_of(errors, self.sending.name, FINDINGS_PER_CODE)


def read_intake(data: bytes, name: str) -> Intake:
    """Read and sort; raises :class:`FindingsError` when the file cannot be read at all (too large)."""
    try:
        sending = read_sending(data, name, columns=COLUMNS)
    except ValueError as exc:
        raise FindingsError([Finding("E000005", str(exc), file=name, rule="efact-structure")]) from exc
    errors = sending.errors
    preliminary_mask = pl.col("record_type").is_null() | pl.col("record_type").is_in(PRELIMINARY_RECORDS)
    preliminary = errors.filter(preliminary_mask)
    rest = errors.filter(~preliminary_mask)
    blocking_codes = {c for c in rest["code"].unique().to_list() if error_codes.is_blocking(c)}
    blocking = rest.filter(pl.col("code").is_in(sorted(blocking_codes)))
    other = rest.filter(~pl.col("code").is_in(sorted(blocking_codes)))
    return Intake(sending, preliminary, blocking, other, data)


def reader_findings_frame(intake: Intake) -> pl.DataFrame:
    """The reader's non-blocking errors in the rule engine's finding shape: a record 20/80 problem is an error of its
    invoice (key = record index of the record 20), a record 50 problem an error of the line, a 51/52 problem an
    error of the record 50 it follows (500120 in real REFAC; here the code itself, on the line)."""
    other = intake.other
    schema = FINDING_SCHEMA
    if other.height == 0:
        return pl.DataFrame(schema=schema)
    raw = intake.sending.raw.select("record_index", "invoice_index", "service_record_index")
    invoice_keys = intake.sending.raw.filter(pl.col("record_type") == "20").select(
        "invoice_index", pl.col("record_index").alias("invoice_key")
    )
    letters = {code: error_codes.type_of(code) for code in other["code"].unique().to_list()}
    placed = (
        other.join(raw, on="record_index", how="left")
        .join(invoice_keys, on="invoice_index", how="left")
        .with_columns(pl.col("code").replace_strict(letters, return_dtype=pl.Utf8).alias("letter"))
    )
    return placed.select(
        pl.lit(READER_RULE).alias("rule"),
        "code",
        pl.when(pl.col("record_type").is_in(INVOICE_RECORDS))
        .then(pl.lit("invoice"))
        .otherwise(pl.lit("line"))
        .alias("level"),
        pl.when(pl.col("letter").is_in(["S", "E"]))
        .then(pl.lit("inform"))
        .when(pl.col("record_type").is_in(INVOICE_RECORDS))
        .then(pl.lit("reject_block"))
        .otherwise(pl.lit("reject_line"))
        .alias("effect"),
        pl.when(pl.col("record_type").is_in(INVOICE_RECORDS))
        .then(pl.col("invoice_key"))
        .when(pl.col("record_type").is_in(["51", "52"]))
        .then(pl.col("service_record_index"))
        .otherwise(pl.col("record_index"))
        .cast(pl.Int64)
        .alias("key"),
        pl.col("message").alias("detail"),
    ).cast(schema)


def blocking_findings_frame(intake: Intake) -> pl.DataFrame:
    """Blocking errors of the reader on records 50/51/52 as line findings (they count in the error percentage);
    those on other records are reported on their record by the reply and need no line."""
    rows = intake.blocking.join(
        intake.sending.raw.select("record_index", "service_record_index"), on="record_index", how="left"
    ).filter(pl.col("record_type").is_in(["50", "51", "52"]))
    return rows.select(
        pl.lit(READER_RULE).alias("rule"),
        "code",
        pl.lit("line").alias("level"),
        pl.lit("reject_file").alias("effect"),
        pl.col("service_record_index").alias("key"),
        pl.col("message").alias("detail"),
    ).cast(FINDING_SCHEMA)
