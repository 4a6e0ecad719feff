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

_PATTERN = re.compile(r"^T(\d{4})(\d{8})(\d)$")
MAX_SERIAL = 99_999_999

# Verhoeff tables: multiplication in the dihedral group D5, position permutation, inverse.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def check_character(digits: str) -> str:
    """Verhoeff check digit of ``digits``."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{digits!r}: only digits carry a titre check character")
    c = 0
    for i, char in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(char)]]
    return str(_INV[c])


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
