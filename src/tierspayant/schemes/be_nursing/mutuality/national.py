"""A national month of home nursing: every nurse's sendings to one mutuality, checked as one batch by the REFAC rules.

``generate_month`` writes the month as Parquet — the rule tables ``lines``, ``invoices``, ``all_services`` (in parts
of about a million lines) and the reference tables — the way a fund lays a month out on shared storage;
``run_month`` runs every rule of ``rules.yaml`` over it on the chosen engine (DuckDB in-process, or Spark) and
returns the findings. Generated data: patients of one mutuality, each cared for by one nurse about daily (basic
visits, hygiene, wound and diabetes care, supplements), and a few services already accepted from other nurses'
earlier sendings, so that the counting rules (already billed, units per day, daily ceiling) have work to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from tierspayant.core.identifiers.niss import compute_niss
from tierspayant.core.rules.backend import OnRule, open_session
from tierspayant.schemes.be_nursing.mutuality.evaluation import refac_rules
from tierspayant.schemes.be_nursing.mutuality.reference import ReferenceData, load_reference
from tierspayant.schemes.be_nursing.mutuality.tables import INVOICE_SCHEMA, LINE_SCHEMA, build_tables

MONTH_START = date(2025, 3, 1)
DAYS_IN_MONTH = 28
MUTUALITY = 319
LINES_PER_PATIENT = 30  # about one visit a day
PATIENTS_PER_NURSE = 40
CHUNK_PATIENTS = 33_334  # ≈ 1,000,000 lines per Parquet part: bounded memory while generating
HISTORY_SHARE = 0.03  # services of the month already accepted from another nurse's earlier sending
# code: (insurance amount in cents, weight) — the generated mix (SAMPLE nomenclature)
CODES: dict[int, tuple[int, int]] = {
    425014: (1851, 30),  # first basic visit of the day
    425036: (1851, 12),  # second basic visit
    425051: (1851, 4),  # third basic visit
    425110: (1023, 25),  # hygiene care
    424336: (2950, 12),  # wound care
    423135: (1377, 10),  # diabetes care
    428035: (1210, 5),  # 3rd-visit supplement
    424255: (905, 2),  # injection
}
ROW_TABLES = ("lines", "invoices", "all_services", "sending")


@dataclass(frozen=True)
class Month:
    """A generated month on disk: each rule table by name, as a Parquet file or a folder of Parquet parts."""

    folder: Path
    lines: int
    tables: dict[str, Path]


def month_folder(root: Path, lines: int) -> Path:
    return root / f"month-{lines}"


def open_month(folder: Path) -> Month:
    """A month generated earlier (the folder holds one entry per table)."""
    tables = {path.name.removesuffix(".parquet"): path for path in sorted(folder.iterdir()) if path.name[0] != "."}
    lines = pl.scan_parquet(tables["lines"] / "*.parquet").select(pl.len()).collect().item()
    return Month(folder, int(lines), tables)


def generate_month(folder: Path, lines: int, seed: int = 0, on_part: Callable[[int], None] | None = None) -> Month:
    """Write a month of ``lines`` nursing lines under ``folder`` (``on_part(lines_written)`` after each part)."""
    patients = max(1, -(-lines // LINES_PER_PATIENT))
    reference = _with_members(load_reference(), patients)
    for name in ROW_TABLES:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for name, frame in reference.tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    history_rows = 0
    for part, first_patient in enumerate(range(0, patients, CHUNK_PATIENTS)):
        last_patient = min(patients, first_patient + CHUNK_PATIENTS)
        first_line = first_patient * LINES_PER_PATIENT
        count = min(lines, last_patient * LINES_PER_PATIENT) - first_line
        part_lines, part_invoices, past = _part(seed, part, first_line, count)
        tables = build_tables(part_lines, part_invoices, past, reference)
        # one order over the whole month: the history first (in its order), then the lines by record index
        services = tables["all_services"].with_columns(
            pl.when(pl.col("source") == "history")
            .then(pl.col("order_rank") + history_rows)
            .otherwise(pl.col("key") + 2 * lines + 2)
            .alias("order_rank")
        )
        history_rows += past.height
        row_tables = (("lines", tables["lines"]), ("invoices", tables["invoices"]), ("all_services", services))
        for name, frame in (*row_tables, ("sending", tables["sending"])):  # each part's sender and reception
            frame.write_parquet(folder / name / f"part-{part:04d}.parquet")
        if on_part is not None:
            on_part(count)
    return Month(folder, lines, {**{n: folder / n for n in ROW_TABLES},
                                 **{n: folder / f"{n}.parquet" for n in reference.tables}})  # fmt: skip


def run_month(month: Month, engine: str | None = None, on_rule: OnRule | None = None) -> pl.DataFrame:
    """Every REFAC rule once over the whole month on ``engine`` (default: the configured one): all findings."""
    with open_session(engine) as session:
        session.register(month.tables)
        return session.run(refac_rules(), on_rule)


def _niss(patient: int) -> str:
    birth = date(1930, 1, 1) + timedelta(days=patient % 25_000)
    return compute_niss(birth, 1 + patient // 25_000)


def _with_members(reference: ReferenceData, patients: int) -> ReferenceData:
    """Every generated patient is known at the mutuality (otherwise every invoice is refused with 200742)."""
    members = pl.DataFrame(
        {
            "niss": [_niss(p) for p in range(patients)],
            "mutuality": MUTUALITY,
            "ct1": 110,
            "ct2": 110,
            "valid_from": date(2015, 1, 1),
            "valid_to": None,
        },
        schema_overrides={"valid_to": pl.Date},
    )
    return reference.replace(insurability=pl.concat([reference["insurability"], members], how="diagonal_relaxed"))


def _draw(ids: pl.Series, seed: int, part: int, modulus: int) -> pl.Series:
    """A reproducible pseudo-random integer in [0, modulus) per id (a hash: no random state to carry between parts)."""
    return (ids.hash(seed * 1_000 + part) % modulus).cast(pl.Int64)


def _part(seed: int, part: int, first_line: int, count: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Lines (records 50), invoices (one record 20 per patient) and earlier accepted services of one part."""
    line_id = pl.int_range(first_line, first_line + count, dtype=pl.Int64, eager=True)
    patient = line_id // LINES_PER_PATIENT
    nurse = patient // PATIENTS_PER_NURSE
    # each code takes as many slots of 100 as its weight: a uniform draw over the slots follows the mix
    slots = pl.Series([code for code, (_, weight) in CODES.items() for _ in range(weight)], dtype=pl.Int64)
    code = slots.gather(_draw(line_id, seed, part, len(slots)))
    amount = code.replace_strict({c: a for c, (a, _) in CODES.items()}, return_dtype=pl.Int64)
    day = (line_id % LINES_PER_PATIENT) * DAYS_IN_MONTH // LINES_PER_PATIENT
    first_patient = int(patient[0])
    niss = pl.Series([_niss(p) for p in range(first_patient, int(patient[-1]) + 1)])
    lines = pl.DataFrame(
        {
            "key": 2 * line_id + 1,  # record indexes: odd for records 50, even for records 20 — unique in the month
            "invoice_key": 2 * patient,
            "invoice_index": patient,
            "invoice_number": patient.cast(pl.Utf8).str.zfill(12),
            "third_party": (30_000_000_000 + nurse).cast(pl.Utf8),
            "niss": niss.gather(patient - first_patient),
            "nomenclature_code": code,
            "care_provider": (10_000_000_000 + nurse).cast(pl.Utf8),
            "insurance_amount": amount,
            "has_eid": _draw(line_id, seed + 1, part, 1000) != 0,
            "day": day,
        }
    ).with_columns(
        (pl.lit(MONTH_START) + pl.duration(days=pl.col("day"))).alias("first_service_date"),
        (pl.lit(MONTH_START) + pl.duration(days=pl.col("day"))).alias("last_service_date"),
        pl.lit(0).alias("service_norm"),
        pl.lit(1).alias("units"),
        pl.lit(0).alias("same_day_repetition"),
        pl.lit(0).alias("service_time"),  # not given: one visit a day per patient in a generated month
        pl.lit(0).alias("payment_commitment_part_a"),
        pl.lit(None).alias("insurability_start_date"),
        pl.lit(None).alias("insurability_end_date"),
    )
    lines = lines.select([pl.col(c).cast(t) for c, t in LINE_SCHEMA.items()])
    invoices = (
        lines.group_by("invoice_key", maintain_order=True)
        .agg(pl.col("invoice_index").first(), pl.col("invoice_number").first(), pl.col("niss").first())
        .select(
            pl.col("invoice_key").alias("key"),
            "invoice_index",
            "invoice_number",
            "niss",
            pl.lit(MUTUALITY).alias("affiliation_mutuality"),
            pl.lit(MUTUALITY).alias("destination_mutuality"),  # zone 18 of records 20 and 80
            pl.col("invoice_index").alias("trailer_key"),
            pl.lit(MUTUALITY).alias("trailer_destination_mutuality"),
            pl.lit(110).alias("ct1"),
            pl.lit(110).alias("ct2"),
            pl.lit(0).alias("payment_commitment_part_a"),
            *[
                pl.lit(None).alias(c)
                for c in (
                    "insurability_start_date",
                    "insurability_end_date",
                    "communication_date",
                    "maf_current_year",
                    "maf_previous_year",
                    "maf_two_years_ago",
                )
            ],
        )
        .select([pl.col(c).cast(t) for c, t in INVOICE_SCHEMA.items()])
    )
    earlier = lines.filter(_draw(line_id, seed + 2, part, 1000) < int(HISTORY_SHARE * 1000))
    past = earlier.select(
        "niss",
        "nomenclature_code",
        "first_service_date",
        "last_service_date",
        pl.lit("10999999999").alias("care_provider"),
        "units",
        "insurance_amount",
        pl.lit("30999999999").alias("third_party"),
        pl.lit("000000000001").alias("invoice_number"),
        "same_day_repetition",
        "service_time",
    )
    return lines, invoices, past
