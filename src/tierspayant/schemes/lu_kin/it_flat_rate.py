"""What the practice and the fund share about the annual IT flat rate (seed 002, annex 07): one request per postal
address, so both sides must read two spellings of one address as one; and the days of the year that prorate it."""

from __future__ import annotations

import calendar


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
