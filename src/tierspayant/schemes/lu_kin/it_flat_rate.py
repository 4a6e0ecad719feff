"""What the practice and the fund share about the annual IT flat rate (seed 002, annex 07): one request per postal
address, so both sides must read two spellings of one address as one; the days of the year that prorate it; and the
prorated amount and threshold, from the reference table ``it_flat_rate`` (the practice's form shows what the fund
will decide)."""

from __future__ import annotations

import calendar
from datetime import date
from fractions import Fraction

import polars as pl

from tierspayant.schemes.lu_kin.reference import ReferenceSet


class ItFlatRateError(ValueError):
    """The request or the payment run cannot be handled at all (nothing is recorded)."""


def _normalised(text: str) -> str:
    """Case, blanks and punctuation folded away."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def address_key(street: str, postal_code: str, city: str) -> str:
    """The postal address normalised: two spellings of one address are one address."""
    return "|".join(_normalised(part) for part in (street, postal_code, city))


def unit_key(unit: str | None) -> str:
    """The unit within an address (floor, lot), normalised like the address."""
    return _normalised(unit or "")


def days_in(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def prorated(reference: ReferenceSet, active_from: date, active_to: date) -> tuple[int, int]:
    """(amount in cents, threshold) for the days ``active_from``–``active_to`` of one year: each day weighs
    1 / days-of-the-year of the annual values valid that day; half-up to the cent and to a whole service."""
    year_days = days_in(active_from.year)
    table = reference["it_flat_rate"].filter((pl.col("valid_from") <= active_to) & (pl.col("valid_to") >= active_from))
    cents, services, covered = Fraction(0), Fraction(0), 0
    for amount_e2, threshold, valid_from, valid_to in table.select(
        "amount_e2", "threshold", "valid_from", "valid_to"
    ).iter_rows():
        days = (min(valid_to, active_to) - max(valid_from, active_from)).days + 1
        covered += days
        cents += Fraction(amount_e2 * days, year_days)
        services += Fraction(threshold * days, year_days)
    if covered != (active_to - active_from).days + 1:
        raise ItFlatRateError(
            f"the reference table it_flat_rate (version {reference.version}) has no amount for every day from "
            f"{active_from} to {active_to}"
        )
    return _half_up(cents), _half_up(services)


def _half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))
