"""Read and write one eFact record from its zone table — no layout knowledge lives here.

Typed values: ``N`` → ``int`` (dates, named ``*_date``: ``datetime.date`` or ``None`` for all zeros), ``S`` → ``int``
(euro cents or units, signed), ``A`` → ``str`` without its right padding. Writing fills every zone not given with
its neutral value (zeros, ``+0…``, spaces) and computes the record check of records 10..90.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from tierspayant.schemes.be_nursing.formats.checks import with_record_check
from tierspayant.schemes.be_nursing.formats.zones import RecordLayout, Zone


class ZoneError(ValueError):
    """A zone's text or value does not fit its definition; says which record and zone."""

    def __init__(self, record_type: str, zone: Zone, problem: str) -> None:
        self.record_type = record_type
        self.zone = zone
        self.problem = problem
        super().__init__(f"{zone.where(record_type)} [{zone.name}]: {problem}")


# --- text → value ------------------------------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    """``YYYYMMDD`` → date; all zeros → None."""
    if text.strip("0") == "":
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def parse_value(record_type: str, zone: Zone, text: str) -> Any:
    """The typed value of one zone's text (exactly ``zone.length`` characters)."""
    if len(text) != zone.length:
        raise ZoneError(record_type, zone, f"{len(text)} characters instead of {zone.length}")
    if zone.kind == "A":
        return text.rstrip(" ")
    if zone.kind == "S":
        sign, digits = text[0], text[1:]
        if sign not in "+-":
            raise ZoneError(record_type, zone, f"sign {sign!r} is neither '+' nor '-'")
        if not (digits.isascii() and digits.isdigit()):
            raise ZoneError(record_type, zone, f"amount {digits!r} is not numeric")
        return -int(digits) if sign == "-" else int(digits)
    if not (text.isascii() and text.isdigit()):
        raise ZoneError(record_type, zone, f"{text!r} is not numeric")
    if zone.is_date:
        try:
            return parse_date(text)
        except ValueError:
            raise ZoneError(record_type, zone, f"{text!r} is not a date YYYYMMDD") from None
    return int(text)


def parse_record(layout: RecordLayout, text: str) -> dict[str, Any]:
    """Zone name → typed value; raises :class:`ZoneError` on the first zone that does not fit."""
    if len(text) != layout.length:
        raise ValueError(f"record {layout.record_type}: {len(text)} characters instead of {layout.length}")
    return {zone.name: parse_value(layout.record_type, zone, text[zone.offset : zone.end]) for zone in layout.zones}


# --- value → text ------------------------------------------------------------------------------------------------


def to_efact_text(value: str) -> str:
    """Text as eFact allows it: accents folded (é → e), only printable ASCII."""
    folded = unicodedata.normalize("NFKD", value)
    return "".join(c for c in folded if not unicodedata.combining(c))


def neutral_text(zone: Zone) -> str:
    """The text of a zone left empty."""
    if zone.kind == "A":
        return " " * zone.length
    if zone.kind == "S":
        return "+" + "0" * (zone.length - 1)
    return "0" * zone.length


def format_value(record_type: str, zone: Zone, value: Any) -> str:
    """One zone's text from a typed value (``None`` → neutral)."""
    if value is None:
        return neutral_text(zone)
    if zone.kind == "A":
        if not isinstance(value, str):
            raise ZoneError(record_type, zone, f"text expected, got {type(value).__name__}")
        text = to_efact_text(value)
        if not all(" " <= c <= "~" for c in text):
            raise ZoneError(record_type, zone, f"{value!r} holds characters eFact does not allow")
        if len(text) > zone.length:
            raise ZoneError(record_type, zone, f"{value!r} is longer than {zone.length} characters")
        return text.ljust(zone.length)
    if zone.is_date and isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ZoneError(record_type, zone, f"integer expected, got {type(value).__name__}")
    number = int(value) if isinstance(value, int) else _digits(record_type, zone, value)
    if zone.kind == "S":
        digits = str(abs(number))
        if len(digits) > zone.length - 1:
            raise ZoneError(record_type, zone, f"{number} does not fit in {zone.length - 1} digits")
        return ("-" if number < 0 else "+") + digits.zfill(zone.length - 1)
    if number < 0:
        raise ZoneError(record_type, zone, f"{number} is negative in an unsigned zone")
    digits = str(number)
    if len(digits) > zone.length:
        raise ZoneError(record_type, zone, f"{number} does not fit in {zone.length} digits")
    return digits.zfill(zone.length)


def _digits(record_type: str, zone: Zone, value: str) -> int:
    if not (value.isascii() and value.lstrip("-").isdigit()):
        raise ZoneError(record_type, zone, f"{value!r} is not numeric")
    return int(value)


def format_record(layout: RecordLayout, values: Mapping[str, Any]) -> str:
    """The record's text from typed values; unknown names are refused, missing zones get their neutral value.

    ``record_type`` defaults to the layout's type; the check digits (records 10..90) are always computed.
    """
    unknown = set(values) - set(layout.names)
    if unknown:
        raise KeyError(f"record {layout.record_type} has no zone(s) {sorted(unknown)}")
    parts: list[str] = []
    for zone in layout.zones:
        if zone.name == "check_digits" and layout.has_check_digits:
            continue
        value = values.get(zone.name)
        if value is None and zone.name == "record_type":
            value = layout.record_type
        parts.append(format_value(layout.record_type, zone, value))
    body = "".join(parts)
    return with_record_check(body) if layout.has_check_digits else body
