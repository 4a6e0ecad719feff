from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.lu_kin.pricing import (
    COEFFICIENT_SCALE,
    KEY_VALUE_SCALE,
    RATE_SCALE,
    official_tariff,
    price,
    price_frame,
    scaled,
)


@pytest.mark.parametrize(
    ("coefficient", "key_value", "tariff"),
    [
        ("1", "21.005", "21.01"),  # exactly half a cent rounds up
        ("1", "21.0049", "21.00"),  # below half rounds down
        ("0.5", "10.01", "5.01"),  # 5.005 → 5.01
        ("3", "1.66833", "5.00"),  # 5.00499 → 5.00
        ("1.25", "14.49", "18.11"),  # 18.1125 → 18.11
    ],
)
def test_tariff_rounds_half_up(coefficient: str, key_value: str, tariff: str) -> None:
    assert official_tariff(Decimal(coefficient), Decimal(key_value)) == Decimal(tariff)


def test_insured_share_half_up_and_shares_add_up() -> None:
    line = price(Decimal("1"), Decimal("21.05"), Decimal("70"))
    assert line.tariff == Decimal("21.05")
    assert line.insured_share == Decimal("6.32")  # 30 % of 21.05 = 6.315 → 6.32
    assert line.fund_share == Decimal("14.73")
    assert price(Decimal("1"), Decimal("21.05"), Decimal("100")).insured_share == Decimal("0.00")


def test_rate_outside_0_100_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        price(Decimal(1), Decimal(1), Decimal("100.5"))


def test_scaled_refuses_extra_decimals() -> None:
    assert scaled(Decimal("1.2345"), COEFFICIENT_SCALE, "coefficient") == 12345
    with pytest.raises(ValueError, match="decimals"):
        scaled(Decimal("1.23456"), COEFFICIENT_SCALE, "coefficient")


decimals = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
key_values = st.decimals(min_value=0, max_value=200, places=5, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=50)
@given(st.lists(st.tuples(decimals, key_values, rates), min_size=1, max_size=20))
def test_batch_pricing_agrees_with_decimal_pricing(cases: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    frame = pl.DataFrame(
        {
            "coefficient_e4": [scaled(c, COEFFICIENT_SCALE, "c") for c, _, _ in cases],
            "key_value_e5": [scaled(k, KEY_VALUE_SCALE, "k") for _, k, _ in cases],
            "rate_e2": [scaled(r, RATE_SCALE, "r") for _, _, r in cases],
        },
        schema={"coefficient_e4": pl.Int64, "key_value_e5": pl.Int64, "rate_e2": pl.Int64},
    )
    priced = price_frame(frame).collect()
    for (coefficient, key_value, rate), row in zip(cases, priced.iter_rows(named=True), strict=True):
        expected = price(coefficient, key_value, rate)
        assert row["tariff_cents"] == int(expected.tariff * 100)
        assert row["insured_cents"] == int(expected.insured_share * 100)
        assert row["fund_cents"] == int(expected.fund_share * 100)
