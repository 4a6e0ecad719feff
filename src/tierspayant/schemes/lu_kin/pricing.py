"""KIN pricing: official tariff, insured share (participation statutaire) and fund share — separate from checking.

- tariff = coefficient × letter-key value at the service date, rounded half-up to the cent (RGD 14 Dec 2016 art. 2);
- insured share = participation rate (100 % − coverage rate of the titre) × tariff, rounded half-up to the cent;
- fund share = tariff − insured share (so the two always add up to the tariff exactly).

Two implementations that must agree (a property test keeps them in step): ``price`` works in ``Decimal`` for one
line (documents, explanations); ``price_frame`` works in integer units over a whole batch (a million lines in one
vectorised pass). Scaled integers keep the batch exact: coefficients in 1/10,000, letter-key values in 1/100,000 €,
rates in 1/100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from tierspayant.core.money import HUNDRED, percentage, round_cents
from tierspayant.core.rules.duckdb_session import arrow_of, quiet_connection

COEFFICIENT_SCALE = 10_000  # coefficients carry at most 4 decimals
KEY_VALUE_SCALE = 100_000  # letter-key values carry at most 5 decimals (euros)
RATE_SCALE = 100  # rates carry at most 2 decimals (percent)
FULL_RATE = 100 * RATE_SCALE


@dataclass(frozen=True, slots=True)
class LinePrice:
    tariff: Decimal
    insured_share: Decimal
    fund_share: Decimal


def official_tariff(coefficient: Decimal, key_value: Decimal) -> Decimal:
    """Montant tarif: coefficient × letter-key value, half-up to the cent."""
    return round_cents(coefficient * key_value)


def price(coefficient: Decimal, key_value: Decimal, coverage_rate: Decimal) -> LinePrice:
    """Tariff, insured share and fund share of one act covered at ``coverage_rate`` percent."""
    if not Decimal(0) <= coverage_rate <= HUNDRED:
        raise ValueError(f"coverage rate {coverage_rate} % is outside 0–100 %")
    tariff = official_tariff(coefficient, key_value)
    insured = percentage(tariff, HUNDRED - coverage_rate)
    return LinePrice(tariff=tariff, insured_share=insured, fund_share=tariff - insured)


def scaled(value: Decimal, scale: int, what: str) -> int:
    """``value`` × ``scale`` as an exact integer; refuses values with more decimals than the scale carries."""
    product = value * scale
    if product != product.to_integral_value():
        raise ValueError(f"{what} {value} has more decimals than {len(str(scale)) - 1}")
    return int(product)


def _half_up_div(numerator: pl.Expr, denominator: int) -> pl.Expr:
    # Every operand is non-negative, so floor division of (n + d/2) is half-up rounding; d is even here.
    return (numerator + denominator // 2) // denominator


def price_frame(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Add ``tariff_cents``, ``insured_cents``, ``fund_cents`` from ``coefficient_e4``, ``key_value_e5``, ``rate_e2``.

    Inputs are the scaled integers described in the module docstring (Int64); nulls stay null (unpriced lines).
    """
    cents_divisor = COEFFICIENT_SCALE * KEY_VALUE_SCALE // 100  # coefficient_e4 × key_e5 → cents
    product = pl.col("coefficient_e4").cast(pl.Int64) * pl.col("key_value_e5").cast(pl.Int64)
    tariff = _half_up_div(product, cents_divisor)
    lazy = frame.lazy().with_columns(tariff.alias("tariff_cents"))
    insured = _half_up_div(pl.col("tariff_cents") * (FULL_RATE - pl.col("rate_e2").cast(pl.Int64)), FULL_RATE)
    return lazy.with_columns(insured.alias("insured_cents")).with_columns(
        (pl.col("tariff_cents") - pl.col("insured_cents")).alias("fund_cents")
    )


# The tariff inputs of each (act, service date) billed: the act's coefficient and letter key on that date and the
# letter key's value on that date. A month has a few hundred such pairs whatever the number of lines, so the range
# joins on validity periods run on the pairs and the lines get them by an equality join.
TARIFF_INPUTS_SQL = """
SELECT d.act_code, d.service_date, n.letter_key, n.coefficient, k.value AS key_value,
       n.coefficient_e4, k.value_e5 AS key_value_e5
FROM billed d
LEFT JOIN nomenclature n ON n.act_code = d.act_code AND d.service_date BETWEEN n.valid_from AND n.valid_to
LEFT JOIN letter_keys k ON k.letter_key = n.letter_key AND d.service_date BETWEEN k.valid_from AND k.valid_to
"""


def price_lines(
    lines: pl.DataFrame, nomenclature: pl.DataFrame, letter_keys: pl.DataFrame, titres: pl.DataFrame
) -> pl.DataFrame:
    """The official price of every line, in the lines' order: ``row_id``, the inputs (``letter_key``, ``coefficient``,
    ``key_value``, ``rate_e2``), ``tariff_cents``, ``insured_cents``, ``fund_cents``; one chunk per column when the
    lines' ``row_id`` is (as the reader makes it).

    A line whose act has no tariff on its date has null amounts; a line whose titre is unknown has a tariff but no
    shares (its rate is unknown). The rules say why such a line is not paid.
    """
    billed = lines.select("act_code", "service_date").unique()
    con = quiet_connection()
    try:
        for name, frame in (("billed", billed), ("nomenclature", nomenclature), ("letter_keys", letter_keys)):
            con.register(name, arrow_of(frame))
        tariffs = con.sql(TARIFF_INPUTS_SQL).pl()
    finally:
        con.close()
    rates = titres.select("titre_id", "rate_e2").unique("titre_id", maintain_order=True)
    # Each line finds the row of its tariff and of its titre's rate (two small integers a line); every input is then
    # gathered by those rows. Gathered columns come in one chunk each, as the lines' do: a frame whose columns are
    # chunked unevenly is copied whole when it goes to Arrow for the rules (~100 MB for a million lines), and joining
    # the inputs to the lines directly holds twice as much at once.
    rows = (
        lines.lazy()
        .select("act_code", "service_date", "titre_id")
        .join(
            tariffs.lazy().select("act_code", "service_date", pl.int_range(pl.len(), dtype=pl.UInt32).alias("at")),
            on=["act_code", "service_date"],
            how="left",
            maintain_order="left",
        )
        .join(
            rates.lazy().select("titre_id", pl.int_range(pl.len(), dtype=pl.UInt32).alias("rate_at")),
            on="titre_id",
            how="left",
            maintain_order="left",
        )
        .select("at", "rate_at")
        .collect()
        .rechunk()
    )
    inputs = pl.DataFrame(
        [
            lines.get_column("row_id"),
            *(column.gather(rows["at"]) for column in tariffs.drop("act_code", "service_date").get_columns()),
            rates.get_column("rate_e2").gather(rows["rate_at"]),
        ]
    )
    # the in-memory engine keeps those single chunks (the streaming one would cut its output in morsels again)
    return price_frame(inputs).collect(engine="in-memory").drop("coefficient_e4", "key_value_e5")
