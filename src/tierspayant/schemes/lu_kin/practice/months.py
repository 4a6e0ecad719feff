"""Calendar months as the practice bills them (``YYYY-MM``)."""

from __future__ import annotations

import calendar
import re
from datetime import date

from tierspayant.schemes.lu_kin.practice.refusals import refuse

# ASCII digits only: \d would also take other scripts' digits, which int() reads but a stored key would not match.
_MONTH = re.compile(r"([1-9][0-9]{3})-([0-9]{2})")


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        refuse("PRA-MONTH", f"month {text!r}: write it YYYY-MM, e.g. 2024-03")
    return int(match.group(1)), int(match.group(2))


def normalize_month(text: str) -> str:
    """``" 2024-03 "`` → ``"2024-03"``: the one spelling months are stored and looked up with."""
    year, number = parse_month(text)
    return f"{year:04d}-{number:02d}"


def checked_year(year: int) -> int:
    """A calendar year with 4 digits (and a next year: the IT flat rate is asked then), or a ``PRA-YEAR`` refusal."""
    if not 1000 <= year <= 9998:
        refuse("PRA-YEAR", f"year {year}: a year has 4 digits, e.g. 2024")
    return year


def first_day(month: str) -> date:
    year, number = parse_month(month)
    return date(year, number, 1)


def last_day(month: str) -> date:
    year, number = parse_month(month)
    return date(year, number, calendar.monthrange(year, number)[1])


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"
