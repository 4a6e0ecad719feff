"""KIN layout versions: which layouts exist, which one a file declares, which ones are accepted on a day.

A layout is the number in the file name (annex 02, ``_FAC_01_``) and in the root element's namespace
(``urn:lu:cns:kin:fac:01``) and ``Layout`` attribute; the reader validates a file against the XSD of the layout it
declares (``formats/xsd/<layout>/``). Which layouts a fund *accepts* on a day is reference data (the ``layouts``
table: one validity period per layout): when the fund signals a technical change of the model, the provider has three
months to conform (cahier des charges art. 10 and 16), so the old layout's period ends no earlier than three months
after the new one starts; in between both are accepted (the transition).

Pure Python on purpose (no lxml, no Polars): the file-name checks import it on the command line's start-up path.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

LAYOUTS: Final[tuple[str, ...]] = ("01", "02")  # every layout this version reads and writes, oldest first
LATEST: Final = LAYOUTS[-1]
TRANSITION_MONTHS: Final = 3  # cahier des charges art. 10 and 16: three months to conform to a new model
RULE: Final = "cahier des charges art. 10 and 16 (three months to conform to a new layout)"
OPEN_END: Final = date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class LayoutPeriod:
    """The days on which files in ``layout`` are accepted (``valid_to`` 9999-12-31: no end announced)."""

    layout: str
    valid_from: date
    valid_to: date = OPEN_END

    def covers(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_to


def periods(rows: Iterable[tuple[object, ...]]) -> list[LayoutPeriod]:
    """``(layout, valid_from, valid_to)`` rows (the reference table's) as periods, oldest layout first."""
    found = [LayoutPeriod(str(r[0]), r[1], r[2] or OPEN_END) for r in rows]  # type: ignore[arg-type]
    return sorted(found, key=lambda p: (p.layout, p.valid_from))


def accepted_on(calendar_: Iterable[LayoutPeriod], on: date) -> list[str]:
    """The layouts accepted on ``on`` (two during a transition), oldest first."""
    return sorted({p.layout for p in calendar_ if p.covers(on)})


def layout_to_write(calendar_: Iterable[LayoutPeriod], on: date) -> str:
    """The layout a provider writes on ``on``: the newest one in force (the new one as soon as it starts)."""
    accepted = accepted_on(calendar_, on)
    if not accepted:
        raise LookupError(f"no KIN layout is in force on {on:%d/%m/%Y}: the reference table 'layouts' has a gap")
    return accepted[-1]


def layout_problem(calendar_: Iterable[LayoutPeriod], layout: str, on: date) -> str | None:
    """Why a file in ``layout`` received on ``on`` is not accepted (None when it is)."""
    mine = [p for p in calendar_ if p.layout == layout]
    if any(p.covers(on) for p in mine):
        return None
    accepted = ", ".join(accepted_on(calendar_, on)) or "none"
    if not mine:
        return f"layout {layout} is not accepted by the fund (accepted on {on:%d/%m/%Y}: {accepted})"
    if all(on < p.valid_from for p in mine):
        start = min(p.valid_from for p in mine)
        return (
            f"layout {layout} is in force from {start:%d/%m/%Y}, not on {on:%d/%m/%Y}: "
            f"send layout {accepted} until then"
        )
    end = max(p.valid_to for p in mine if p.valid_to < on)
    return (
        f"layout {layout} is no longer accepted: its transition ended on {end:%d/%m/%Y} and the file was received on "
        f"{on:%d/%m/%Y}; send layout {accepted} ({RULE})"
    )


def transition_end(start: date) -> date:
    """The earliest last day of the old layout when the new one starts on ``start``: three months, less a day."""
    month = start.month - 1 + TRANSITION_MONTHS
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def calendar_problems(calendar_: list[LayoutPeriod]) -> list[tuple[LayoutPeriod, str]]:
    """What is wrong with a layout calendar: an old layout that ends less than three months after its successor
    starts, or days on which no layout is accepted."""
    problems: list[tuple[LayoutPeriod, str]] = []
    ordered = sorted(calendar_, key=lambda p: p.valid_from)
    for period in ordered:
        if period.valid_to == OPEN_END:
            continue
        successors = [p for p in ordered if p.layout > period.layout and p.valid_from <= period.valid_to + timedelta(1)]
        if not successors:
            problems.append((period, f"layout {period.layout} ends on {period.valid_to} and no later layout follows"))
            continue
        start = min(p.valid_from for p in successors)
        earliest = transition_end(start)
        if period.valid_to < earliest:
            problems.append(
                (
                    period,
                    f"layout {period.layout} ends on {period.valid_to}, less than {TRANSITION_MONTHS} months after "
                    f"layout {min(successors, key=lambda p: p.valid_from).layout} starts on {start}: the earliest end "
                    f"is {earliest} ({RULE})",
                )
            )
    return problems


__all__ = [
    "LATEST",
    "LAYOUTS",
    "OPEN_END",
    "TRANSITION_MONTHS",
    "LayoutPeriod",
    "accepted_on",
    "calendar_problems",
    "layout_problem",
    "layout_to_write",
    "periods",
    "transition_end",
]
