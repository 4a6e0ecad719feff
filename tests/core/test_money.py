from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierspayant.core.money import format_euros, from_cents, parse_euros, percentage, round_cents, to_cents


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [("1.005", "1.01"), ("1.0049", "1.00"), ("2.675", "2.68"), ("-1.005", "-1.01"), ("0.004999", "0.00")],
)
def test_round_half_up_at_half_a_cent(raw: str, rounded: str) -> None:
    assert round_cents(Decimal(raw)) == Decimal(rounded)


def test_parse_refuses_non_amounts() -> None:
    for bad in ["abc", "NaN", "Infinity", "1.234", ""]:
        with pytest.raises(ValueError):
            parse_euros(bad)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents
    assert parse_euros(format_euros(from_cents(cents))) == from_cents(cents)


def test_percentage_of_tariff() -> None:
    assert percentage(Decimal("31.17"), 70) == Decimal("21.82")  # 21.819 → 21.82
    assert percentage(Decimal("31.17"), 30) == Decimal("9.35")  # 9.351 → 9.35
