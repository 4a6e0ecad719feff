"""Calendar months as the practice bills them (``YYYY-MM``)."""

from __future__ import annotations

import calendar
import re
from datetime import date

from tierspayant.practice.refusals import refuse

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        refuse("PRA-MONTH", f"month {text!r}: write it YYYY-MM, e.g. 2024-03")
    return int(match.group(1)), int(match.group(2))


def first_day(month: str) -> date:
    year, number = parse_month(month)
    return date(year, number, 1)


def last_day(month: str) -> date:
    year, number = parse_month(month)
    return date(year, number, calendar.monthrange(year, number)[1])


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"
