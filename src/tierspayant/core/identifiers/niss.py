"""Belgian national number (NISS / INSZ; also the BIS number), 11 digits: ``YYMMDD`` + serial ``SSS`` + check ``CC``.

``CC = 97 − (first 9 digits mod 97)``; for births from 2000 the same is computed on ``2 000 000 000 + first 9
digits``, and the variant that matches tells the century. The serial is odd for men and even for women (001–997).
BIS numbers (people not in the national register) add 20 to the month when the sex was unknown at attribution and
40 when it was known. A month or day ``00`` means that part of the birth date is unknown.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from tierspayant.core.identifiers.base import IdentifierCheck, digits_only, is_ascii_digits
from tierspayant.core.identifiers.checksums import mod97_check
from tierspayant.core.identifiers.matricule import birth_date_problem

KIND = "BE NISS"
LENGTH = 11
SERIAL_MIN, SERIAL_MAX = 1, 997
CENTURY_2000_OFFSET = 2_000_000_000

BisOffset = Literal[None, 20, 40]


def compute_niss(birth: date, serial: int, bis: BisOffset = None) -> str:
    """The national number (or BIS number with ``bis`` = 20 or 40) of a person born on ``birth`` (1900–2099)."""
    if not 1900 <= birth.year <= 2099:
        raise ValueError(f"a national number covers births 1900–2099, got {birth.year}")
    if not SERIAL_MIN <= serial <= SERIAL_MAX:
        raise ValueError(f"the serial must be {SERIAL_MIN}–{SERIAL_MAX}, got {serial}")
    if bis not in (None, 20, 40):
        raise ValueError(f"a BIS number adds 20 or 40 to the month, got {bis}")
    month = birth.month + (bis or 0)
    payload = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial:03d}"
    base = int(payload) + (CENTURY_2000_OFFSET if birth.year >= 2000 else 0)
    return f"{payload}{mod97_check(base):02d}"


def _split_bis(month_field: int) -> tuple[int | None, int] | None:
    """(BIS offset or None, real month 0–12) from digits 3–4, or None when no reading fits."""
    for offset in (None, 20, 40):
        month = month_field - (offset or 0)
        if 0 <= month <= 12:
            return offset, month
    return None


def _date_problem(year: int, month: int, day: int) -> str | None:
    if month == 0 or day == 0:  # an unknown part of the birth date; the known part must still be possible
        return None if day <= 31 else f"day {day:02d} does not exist"
    return birth_date_problem(year, month, day)


def _describe_date(year: int, month: int, day: int) -> str:
    if month == 0 or day == 0:
        shown = f"{year:04d}-{'??' if month == 0 else f'{month:02d}'}-{'??' if day == 0 else f'{day:02d}'}"
        return f"{shown} (partly unknown)"
    return date(year, month, day).isoformat()


def check_niss(text: str) -> IdentifierCheck:
    """Check a national or BIS number; spaces, dots, dashes and slashes typed inside it are ignored."""
    normalized = digits_only(text)
    reasons: list[str] = []
    details: dict[str, str] = {}
    if not is_ascii_digits(normalized):
        strange = sorted({c for c in normalized if not (c.isascii() and c.isdigit())})
        reasons.append(f"a national number has only digits; found {', '.join(repr(c) for c in strange) or 'nothing'}")
        return IdentifierCheck(KIND, text, normalized, False, reasons, details)
    if len(normalized) != LENGTH:
        reasons.append(f"a national number has {LENGTH} digits, this has {len(normalized)}")
        return IdentifierCheck(KIND, text, normalized, False, reasons, details)

    yy, month_field, day = int(normalized[0:2]), int(normalized[2:4]), int(normalized[4:6])
    serial, check = int(normalized[6:9]), int(normalized[9:11])
    base = int(normalized[:9])
    check_1900, check_2000 = mod97_check(base), mod97_check(base + CENTURY_2000_OFFSET)
    centuries: list[int] = []
    if check == check_1900:
        centuries.append(1900)
    if check == check_2000:
        centuries.append(2000)
    if not centuries:
        reasons.append(
            f"digits 10–11 (97 − first 9 digits mod 97) should be {check_1900:02d} for a birth before 2000 "
            f"or {check_2000:02d} for a birth from 2000 (2 000 000 000 + first 9 digits), found {check:02d}"
        )

    reading = _split_bis(month_field)
    if reading is None:
        reasons.append(
            f"digits 3–4 are the birth month: 01–12, or 21–32 / 41–52 for a BIS number, found {month_field:02d}"
        )
    else:
        bis, month = reading
        years = [century + yy for century in (centuries or [1900, 2000])]
        problems = [_date_problem(year, month, day) for year in years]
        if all(problems):
            shown = f"{normalized[0:2]}{month:02d}{normalized[4:6]}"
            reasons.append(f"digits 1–6 must be the birth date YYMMDD ({shown}): {problems[0]}")
        elif centuries:
            details["birth_date"] = _describe_date(years[0], month, day)
            details["century"] = f"{centuries[0]}s"
        if bis is None:
            details["bis"] = "no"
        else:
            details["bis"] = f"yes (month + {bis}: sex {'known' if bis == 40 else 'unknown'} at attribution)"
        if bis == 20:
            details["sex"] = "unknown (BIS number, month + 20)"
        elif SERIAL_MIN <= serial <= SERIAL_MAX:
            details["sex"] = "male (odd serial)" if serial % 2 else "female (even serial)"
    if not SERIAL_MIN <= serial <= SERIAL_MAX:
        reasons.append(f"digits 7–9 are the serial, {SERIAL_MIN:03d}–{SERIAL_MAX:03d}, found {serial:03d}")
    details["serial"] = normalized[6:9]
    return IdentifierCheck(KIND, text, normalized, not reasons, reasons, details)
