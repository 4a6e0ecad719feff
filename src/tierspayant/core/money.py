"""Money: euros as ``Decimal``, rounded to the cent half-up in exactly one place (RGD 14 Dec 2016, art. 2).

Never floats. Amounts on the wire are either decimal text (``"12.34"``) or integer cents (eFact).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def round_cents(amount: Decimal | int | str) -> Decimal:
    """Round to the cent: a fraction of 0.005 or more rounds up (away from zero), below rounds down."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_euros(text: str) -> Decimal:
    """Parse decimal text (``"12.34"``) into euros; refuses floats' exponents, NaN and more than 2 decimals."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount in euros: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {text!r}")
    if value != value.quantize(CENT):
        raise ValueError(f"more than two decimals in amount {text!r}")
    return value.quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """Euros → integer cents (after rounding half-up)."""
    return int(round_cents(amount) * 100)


def from_cents(cents: int) -> Decimal:
    """Integer cents → euros."""
    return (Decimal(cents) / HUNDRED).quantize(CENT)


def percentage(amount: Decimal, rate_percent: Decimal | int) -> Decimal:
    """``rate_percent`` % of ``amount``, rounded half-up to the cent."""
    return round_cents(Decimal(amount) * Decimal(rate_percent) / HUNDRED)


def format_euros(amount: Decimal) -> str:
    """``1234.5`` → ``"1234.50"`` (the wire form: point as separator, always two decimals)."""
    return f"{round_cents(amount):.2f}"
