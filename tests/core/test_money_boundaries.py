"""Money at its boundaries: what a refused amount says, half a cent either way, two decimals and one more."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tierspayant.core.money import parse_euros, round_cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,34", "not an amount in euros: '12,34'"),
        ("NaN", "not a finite amount: 'NaN'"),
        ("Infinity", "not a finite amount: 'Infinity'"),
        ("12.345", "more than two decimals in amount '12.345'"),
    ],
)
def test_refused_amount_says_why(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_euros(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(("text", "euros"), [("12.34", "12.34"), ("12.340", "12.34"), (" 7 ", "7.00")])
def test_two_decimals_pass_and_trailing_zeros_are_not_a_third(text: str, euros: str) -> None:
    assert parse_euros(text) == Decimal(euros)


@pytest.mark.parametrize(
    ("raw", "cents"), [("0.00499", "0.00"), ("0.005", "0.01"), ("-0.005", "-0.01"), ("2.674999", "2.67")]
)
def test_half_a_cent_rounds_away_from_zero_just_below_does_not(raw: str, cents: str) -> None:
    assert round_cents(Decimal(raw)) == Decimal(cents)
