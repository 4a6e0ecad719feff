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

import duckdb
import polars as pl

from tierspayant.core.money import HUNDRED, percentage, round_cents

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


# The inputs of each line's price, joined once for the whole batch: the act's coefficient and letter key on the
# service date, the letter key's value on that date, and the coverage rate of the titre the line quotes.
PRICE_INPUTS_SQL = """
SELECT l.row_id, n.letter_key, n.coefficient, k.value AS key_value,
       n.coefficient_e4, k.value_e5 AS key_value_e5, t.rate_e2
FROM lines l
LEFT JOIN nomenclature n ON n.act_code = l.act_code AND l.service_date BETWEEN n.valid_from AND n.valid_to
LEFT JOIN letter_keys k ON k.letter_key = n.letter_key AND l.service_date BETWEEN k.valid_from AND k.valid_to
LEFT JOIN titres t ON t.titre_id = l.titre_id
ORDER BY l.row_id
"""


def price_lines(
    lines: pl.DataFrame, nomenclature: pl.DataFrame, letter_keys: pl.DataFrame, titres: pl.DataFrame
) -> pl.DataFrame:
    """The official price of every line: ``row_id``, the inputs, ``tariff_cents``, ``insured_cents``, ``fund_cents``.

    A line whose act has no tariff on its date has null amounts; a line whose titre is unknown has a tariff but no
    shares (its rate is unknown). The rules say why such a line is not paid.
    """
    con = duckdb.connect()
    try:
        for name, frame in (("lines", lines), ("nomenclature", nomenclature), ("letter_keys", letter_keys),
                            ("titres", titres)):  # fmt: skip
            con.register(name, frame.to_arrow())
        inputs = con.sql(PRICE_INPUTS_SQL).pl()
    finally:
        con.close()
    return price_frame(inputs).collect()
