"""From rule findings to the fate of every record: one rejected line rejects its block (500119) and the other
nursing services of that patient and day (500118); an invoice-level rejection rejects all lines of the invoice.

A *block* is a nursing flat fee with the statistical records (norm 9) that precede it in the invoice — the records
the official list calls "faisant partie du bloc" (500417, 500517 …); a line that no statistical record precedes is a
block of its own. The records 51/52 that follow a record 50 belong to its block. Fixing the faulty line clears the
500119/500118 of the others: they are derived here, never stored as findings of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tierspayant.core.findings import Effect, Level
from tierspayant.schemes.be_nursing.formats.messages import MAX_REJECTIONS

BLOCK_CODE = "500119"
DAY_CODE = "500118"
MAX_CODES = MAX_REJECTIONS  # a reply record has room for three rejection codes (positions 457-477)

REJECTING = (Effect.REJECT_LINE.value, Effect.REJECT_BLOCK.value, Effect.REJECT_FILE.value)


@dataclass(frozen=True)
class Propagated:
    """Every line's status and every record's reply errors.

    ``lines``: key, invoice_key, status (``accepted``/``rejected``), own_error (its own finding or its invoice's),
    insurance_amount. ``errors``: one row per record with something to say — record_index, codes (≤ 3, rejecting
    first), comment, informative_only (only INFORM findings: they go to the 920098, never to the 920900).
    """

    lines: pl.DataFrame
    errors: pl.DataFrame

    @property
    def line_count(self) -> int:
        return self.lines.height

    @property
    def rejected_lines(self) -> int:
        return int((self.lines["status"] == "rejected").sum())

    @property
    def lines_in_error(self) -> int:
        """Lines with an error of their own (or of their invoice) — the numerator of the error percentage."""
        return int(self.lines["own_error"].sum())

    def cents(self, status: str) -> int:
        return int(self.lines.filter(pl.col("status") == status)["insurance_amount"].sum())


def block_numbers(lines: pl.DataFrame) -> pl.Series:
    """Block of each line (in record order): statistical lines join the next non-statistical line of the invoice."""
    ordered = lines.select("key", "invoice_key", "service_norm", "norm_statistical")
    anchor = ~((pl.col("service_norm") == 9) | pl.col("norm_statistical"))
    numbered = ordered.with_columns(anchor.cast(pl.Int64).alias("_anchor")).with_columns(
        (pl.col("_anchor").cum_sum().over("invoice_key") - pl.col("_anchor")).alias("block")
    )
    return numbered["block"]


def propagate(lines: pl.DataFrame, findings: pl.DataFrame, attached: pl.DataFrame | None = None) -> Propagated:
    """``lines``: the rule table ``lines`` (sorted by key); ``findings``: the engine's frame (key = record index);
    ``attached``: records 51/52 as (record_index, line_key) — they share the fate of their record 50."""
    base = lines.select("key", "invoice_key", "niss", "first_service_date", "insurance_amount").with_columns(
        block_numbers(lines).alias("block")
    )
    rejecting = findings.filter(pl.col("effect").is_in(REJECTING))
    line_hits = rejecting.filter(pl.col("level") == Level.LINE.value).select("key").unique()
    invoice_hits = rejecting.filter(pl.col("level") != Level.LINE.value).select(pl.col("key").alias("invoice_key"))
    own = base.with_columns(
        pl.col("key").is_in(line_hits["key"].implode()).alias("own_line_error"),
        pl.col("invoice_key").is_in(invoice_hits["invoice_key"].implode()).alias("invoice_error"),
    )
    faulty = pl.when(pl.col("own_line_error")).then(pl.col("key"))
    own = own.with_columns(
        faulty.min().over("invoice_key", "block").alias("block_faulty"),
        faulty.min().over("niss", "first_service_date").alias("day_faulty"),
    ).with_columns(
        pl.col("block_faulty").is_not_null().alias("block_error"),
        pl.col("day_faulty").is_not_null().alias("day_error"),
    )
    statuses = own.with_columns(
        (pl.col("own_line_error") | pl.col("invoice_error")).alias("own_error"),
        pl.when(pl.col("own_line_error"))
        .then(None)
        .when(pl.col("invoice_error") | pl.col("block_error"))
        .then(pl.lit(BLOCK_CODE))
        .when(pl.col("day_error"))
        .then(pl.lit(DAY_CODE))
        .otherwise(None)
        .alias("derived_code"),
        pl.when(pl.col("own_line_error"))
        .then(None)
        .when(pl.col("invoice_error"))
        .then(pl.lit("Facture rejetée (enregistrement ") + pl.col("invoice_key").cast(pl.Utf8) + pl.lit(")"))
        .when(pl.col("block_error"))
        .then(pl.lit("Erreur dans l'enregistrement ") + pl.col("block_faulty").cast(pl.Utf8) + pl.lit(" du bloc"))
        .when(pl.col("day_error"))
        .then(pl.lit("Erreur dans l'enregistrement ") + pl.col("day_faulty").cast(pl.Utf8) + pl.lit(" du même jour"))
        .otherwise(None)
        .alias("derived_comment"),
    ).with_columns(
        pl.when(pl.col("own_error") | pl.col("derived_code").is_not_null())
        .then(pl.lit("rejected"))
        .otherwise(pl.lit("accepted"))
        .alias("status")
    )
    return Propagated(
        lines=statuses.select("key", "invoice_key", "status", "own_error", "insurance_amount"),
        errors=_record_errors(statuses, findings, attached),
    )


def _record_errors(statuses: pl.DataFrame, findings: pl.DataFrame, attached: pl.DataFrame | None) -> pl.DataFrame:
    """One row per record to annotate: its own codes first (rejecting before informative), then the derived one."""
    own = findings.with_row_index("_order").select(
        pl.col("key").alias("record_index"),
        pl.col("code"),
        pl.col("detail"),
        pl.col("effect").is_in(REJECTING).alias("rejecting"),
        pl.col("_order"),
    )
    derived = [
        statuses.filter(pl.col("derived_code").is_not_null()).select(
            pl.col("key").alias("record_index"),
            pl.col("derived_code").alias("code"),
            pl.col("derived_comment").alias("detail"),
        )
    ]
    if attached is not None and attached.height:
        rejected_lines = statuses.filter(pl.col("status") == "rejected").select(pl.col("key").alias("line_key"))
        derived.append(
            attached.join(rejected_lines, on="line_key", how="semi").select(
                pl.col("record_index").cast(pl.Int64),
                pl.lit(BLOCK_CODE).alias("code"),
                (pl.lit("Erreur dans l'enregistrement ") + pl.col("line_key").cast(pl.Utf8)).alias("detail"),
            )
        )
    derived_frame = pl.concat(derived).with_columns(
        pl.lit(True).alias("rejecting"),
        pl.lit(1 << 40, dtype=pl.Int64).alias("_order"),  # after every finding of the record itself
    )
    everything = pl.concat(
        [own.with_columns(pl.col("_order").cast(pl.Int64)), derived_frame.select(own.columns)], how="vertical"
    )
    if everything.height == 0:
        return pl.DataFrame(
            schema={
                "record_index": pl.Int64,
                "codes": pl.List(pl.Utf8),
                "comment": pl.Utf8,
                "informative_only": pl.Boolean,
            }
        )
    return (
        everything.sort(["record_index", "rejecting", "_order"], descending=[False, True, False])
        .unique(["record_index", "code"], keep="first", maintain_order=True)
        .group_by("record_index", maintain_order=True)
        .agg(
            pl.col("code").head(MAX_CODES).alias("codes"),
            pl.col("detail").drop_nulls().first().alias("comment"),
            (~pl.col("rejecting").any()).alias("informative_only"),
        )
    )
