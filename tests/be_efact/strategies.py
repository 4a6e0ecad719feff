"""Hypothesis strategies: any valid value of any zone, hence any valid record of any type."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.formats.zones import RecordLayout, Zone

EFACT_TEXT = st.text(alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -./'"), max_size=40)


def zone_values(zone: Zone) -> st.SearchStrategy[Any]:
    if zone.kind == "A":
        return EFACT_TEXT.map(lambda s: s[: zone.length].rstrip(" "))
    if zone.kind == "S":
        bound = 10 ** (zone.length - 1) - 1
        return st.integers(-bound, bound)
    if zone.is_date:
        return st.none() | st.dates(date(1900, 1, 1), date(9999, 12, 31))
    return st.integers(0, 10**zone.length - 1)


def record_values(layout: RecordLayout) -> st.SearchStrategy[dict[str, Any]]:
    zones = [z for z in layout.zones if z.name not in {"record_type", "check_digits"}]
    return st.fixed_dictionaries({z.name: zone_values(z) for z in zones})
