"""The published KIN reference lists as the practice uses them: tariffs for billing, and early warnings on a
prescription (unknown prescriber, act not valid or not for the pathology category, sessions over the category's
limit, unknown place category) so the practice corrects it before the CNS refuses it.

The lists are the scheme's (``tierspayant.schemes.lu_kin.reference``): the SAMPLE set by default, the official files
from a folder when given — the same files the fund loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from tierspayant import __version__
from tierspayant.core.findings import Finding
from tierspayant.schemes.lu_kin.formats.layouts import layout_to_write, periods
from tierspayant.schemes.lu_kin.practice.refusals import refuse, warning
from tierspayant.schemes.lu_kin.pricing import LinePrice, price
from tierspayant.schemes.lu_kin.reference.loader import ReferenceSet, load_reference_dir, load_sample_reference

SOFTWARE = f"tierspayant {__version__}"  # Logiciel (layout 02): the software that wrote the file


def _valid_on(on: date) -> pl.Expr:
    return (pl.col("valid_from") <= on) & (pl.col("valid_to") >= on)


class PracticeReference:
    def __init__(self, reference: ReferenceSet) -> None:
        self.reference = reference
        self._prices: dict[tuple[str, date, Decimal], LinePrice] = {}
        self._delays: dict[tuple[str, date], int | None] = {}  # a Polars filter costs ~2 ms: each day looked up once

    @classmethod
    def load(cls, directory: Path | None = None) -> PracticeReference:
        return cls(load_sample_reference() if directory is None else load_reference_dir(directory))

    def _act(self, act_code: str, on: date) -> dict[str, object] | None:
        rows = self.reference["nomenclature"].filter((pl.col("act_code") == act_code) & _valid_on(on))
        return rows.row(0, named=True) if rows.height else None

    def layout_on(self, on: date) -> tuple[str, str | None]:
        """The KIN layout to write on ``on`` (the newest in force: 02 as soon as it starts, ``formats/layouts``) and
        the ``Logiciel`` it carries (None in layout 01, which has no such element)."""
        calendar_ = periods(self.reference["layouts"].select("layout", "valid_from", "valid_to").iter_rows())
        layout = layout_to_write(calendar_, on)
        return layout, None if layout == "01" else SOFTWARE

    def act_label(self, act_code: str, on: date) -> str | None:
        act = self._act(act_code, on)
        return None if act is None else str(act["label"])

    def price(self, act_code: str, on: date, coverage_rate: Decimal) -> LinePrice:
        """Tariff (coefficient × letter-key value at ``on``), insured share and fund share of one session."""
        key = (act_code, on, coverage_rate)
        if key not in self._prices:  # a month repeats the same few (act, day, rate): look each up once
            self._prices[key] = self._price(act_code, on, coverage_rate)
        return self._prices[key]

    def _price(self, act_code: str, on: date, coverage_rate: Decimal) -> LinePrice:
        act = self._act(act_code, on)
        if act is None:
            refuse("PRA-TARIFF", f"act {act_code} is not in the nomenclature on {on}: no tariff to bill")
        keys = self.reference["letter_keys"].filter((pl.col("letter_key") == act["letter_key"]) & _valid_on(on))
        if keys.height != 1:
            refuse("PRA-TARIFF", f"letter key {act['letter_key']} has no value on {on}")
        coefficient = act["coefficient"]
        key_value = keys["value"][0]
        assert isinstance(coefficient, Decimal) and isinstance(key_value, Decimal)
        return price(coefficient, key_value, coverage_rate)

    def delay_days(self, name: str, on: date) -> int | None:
        """A delay parameter (``request_delay_days``, ``start_delay_days``) valid on ``on``; None when not given."""
        key = (name, on)
        if key not in self._delays:
            try:
                self._delays[key] = self.reference.int_parameter(name, on)
            except (KeyError, TypeError):
                self._delays[key] = None
        return self._delays[key]

    def place_known(self, place: str, on: date) -> bool:
        return self.reference["places"].filter((pl.col("place_code") == place) & _valid_on(on)).height > 0

    def prescription_warnings(
        self,
        prescriber_code: str,
        prescribed_on: date,
        category: str,
        acts: Sequence[tuple[str, int]],
        place: str,
        today: date,
    ) -> list[Finding]:
        found: list[Finding] = []
        delay = self.delay_days("request_delay_days", prescribed_on)
        if delay is not None and (today - prescribed_on).days > delay:
            found.append(
                warning(
                    "PRA-W-DELAY",
                    f"prescribed on {prescribed_on}: the request must reach the CNS within {delay} days of the "
                    "prescription; it will be refused as late",
                    location="prescribed_on",
                )
            )
        prescribers = self.reference["prescribers"].filter(
            (pl.col("prescriber_code") == prescriber_code) & _valid_on(prescribed_on)
        )
        if prescribers.height == 0:
            found.append(
                warning(
                    "PRA-W-PRESCRIBER",
                    f"prescriber {prescriber_code} is not in the CNS list of prescribers on {prescribed_on}",
                    location="prescriber_code",
                )
            )
        for act_code, _ in acts:
            act = self._act(act_code, prescribed_on)
            if act is None:
                found.append(
                    warning(
                        "PRA-W-ACT", f"act {act_code} is not in the nomenclature on {prescribed_on}", location="acts"
                    )
                )
            elif category not in (act["categories"] or []):  # type: ignore[operator]
                found.append(
                    warning("PRA-W-ACT", f"act {act_code} is not provided for the {category} category", location="acts")
                )
        limits = self.reference["session_limits"].filter((pl.col("category") == category) & _valid_on(prescribed_on))
        total = sum(sessions for _, sessions in acts)
        if limits.height and total > int(limits["max_sessions"][0]):
            found.append(
                warning(
                    "PRA-W-SESSIONS",
                    f"{total} sessions prescribed; the {category} category allows {limits['max_sessions'][0]} "
                    "per prescription: the CNS will reduce them",
                    location="acts",
                )
            )
        if not self.place_known(place, prescribed_on):
            found.append(
                warning("PRA-W-PLACE", f"place category {place} is not in the annex 08 list", location="place")
            )
        return found
