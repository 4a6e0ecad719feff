"""Identifier of a titre de prise en charge (the fund's accord, quoted on every billed line).

Format: ``T`` + issue year (4 digits) + serial (8 digits) + one check character = 14 characters, e.g.
``T2024000000427``. The check character is the Verhoeff check digit over the 12 digits: it catches every single-digit
substitution and every transposition of two adjacent digits (ISO 7064 MOD 37,36 was tried first: it lets some
adjacent transpositions through), so a mistyped titre on a FAC line is refused as unknown instead of matching
somebody else's titre.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tierspayant.core.identifiers.checksums import verhoeff_check_digit

_PATTERN = re.compile(r"^T(\d{4})(\d{8})(\d)$")
MAX_SERIAL = 99_999_999


def check_character(digits: str) -> str:
    """Verhoeff check digit of ``digits`` (the same algorithm as the matricule's 13th digit)."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{digits!r}: only digits carry a titre check character")
    return str(verhoeff_check_digit(digits))


def make_titre_id(year: int, serial: int) -> str:
    """The titre identifier for ``serial`` (1…99,999,999) issued in ``year``."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"year {year} is not a four-digit year")
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(f"titre serial {serial} is outside 1…{MAX_SERIAL}")
    digits = f"{year:04d}{serial:08d}"
    return f"T{digits}{check_character(digits)}"


@dataclass(frozen=True, slots=True)
class TitreCheck:
    value: str
    valid: bool
    reason: str | None = None


def check_titre_id(value: str) -> TitreCheck:
    """Is ``value`` a well-formed titre identifier with the right check character? Says why not."""
    match = _PATTERN.match(value)
    if not match:
        return TitreCheck(value, False, "expected T + 4-digit year + 8-digit serial + 1 check digit (14 characters)")
    expected = check_character(value[1:-1])
    if expected != value[-1]:
        return TitreCheck(value, False, f"check character should be {expected}, found {value[-1]}")
    return TitreCheck(value, True)


def is_valid_titre_id(value: str) -> bool:
    return check_titre_id(value).valid
