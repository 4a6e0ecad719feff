"""Luxembourg national identification number (matricule), 13 digits: ``YYYYMMDD`` + serial ``SSS`` + two check digits.

Digit 12 is the Luhn digit of digits 1–11; digit 13 is the Verhoeff digit of digits 1–11 (digit 12 is NOT included).
The first eight digits are the birth date and must be a real date.
"""

from __future__ import annotations

from datetime import date

from tierspayant.core.identifiers.base import IdentifierCheck, digits_only, is_ascii_digits
from tierspayant.core.identifiers.checksums import luhn_check_digit, verhoeff_check_digit

KIND = "LU matricule"
LENGTH = 13
# English month names, fixed here so that messages do not depend on the machine's locale.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def compute_matricule(birth: date, serial: int) -> str:
    """The 13-digit matricule of a person born on ``birth`` with the 3-digit ``serial`` (0–999)."""
    if not 0 <= serial <= 999:
        raise ValueError(f"the serial must be 0–999, got {serial}")
    if birth.year < 1000:
        raise ValueError(f"the birth year must have 4 digits, got {birth.year}")
    payload = f"{birth:%Y%m%d}{serial:03d}"
    return f"{payload}{luhn_check_digit(payload)}{verhoeff_check_digit(payload)}"


def birth_date_problem(year: int, month: int, day: int) -> str | None:
    """Why ``year-month-day`` is not a real date, or None when it is."""
    if not 1 <= month <= 12:
        return f"month {month:02d} does not exist"
    try:
        date(year, month, day)
    except ValueError:
        return f"day {day:02d} does not exist in {MONTH_NAMES[month - 1]} {year}"
    return None


def check_matricule(text: str) -> IdentifierCheck:
    """Check a matricule; spaces, dots, dashes and slashes typed inside the number are ignored."""
    normalized = digits_only(text)
    reasons: list[str] = []
    details: dict[str, str] = {}
    if not is_ascii_digits(normalized):
        strange = sorted({c for c in normalized if not (c.isascii() and c.isdigit())})
        reasons.append(f"a matricule has only digits; found {', '.join(repr(c) for c in strange) or 'nothing'}")
        return IdentifierCheck(KIND, text, normalized, False, reasons, details)
    if len(normalized) != LENGTH:
        reasons.append(f"a matricule has {LENGTH} digits, this has {len(normalized)}")
        return IdentifierCheck(KIND, text, normalized, False, reasons, details)

    year, month, day = int(normalized[0:4]), int(normalized[4:6]), int(normalized[6:8])
    if normalized[0] == "0":
        reasons.append("digit 1 starts the birth year and must be 1–9, found 0")
    problem = birth_date_problem(year, month, day)
    if problem:
        reasons.append(f"digits 1–8 ({normalized[:8]}) must be the birth date YYYYMMDD: {problem}")
    elif normalized[0] != "0":
        details["birth_date"] = date(year, month, day).isoformat()
    details["serial"] = normalized[8:11]

    payload = normalized[:11]
    luhn = luhn_check_digit(payload)
    if int(normalized[11]) != luhn:
        reasons.append(f"digit 12 (Luhn over digits 1–11) should be {luhn}, found {normalized[11]}")
    verhoeff = verhoeff_check_digit(payload)
    if int(normalized[12]) != verhoeff:
        reasons.append(f"digit 13 (Verhoeff over digits 1–11) should be {verhoeff}, found {normalized[12]}")
    return IdentifierCheck(KIND, text, normalized, not reasons, reasons, details)
