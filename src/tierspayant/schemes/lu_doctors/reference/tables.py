"""The reference tables of the Luxembourg doctors' scheme: their columns, their kinds and their keys.

Every table has ``valid_from`` / ``valid_to`` (empty = open end) and ``source`` (where the row comes from: the
Mémorial, a CNS circular, or ``SAMPLE``). Amounts are euros in the files (``"12.34"``) and integer cents in the
loaded frames (``<column>_cents``), so SQL rules compare integers. The tables are:

- ``funds``: the four funds a doctor's fee note may go to (CNS, CMFEP, CMFEC, EMCFL);
- ``disciplines``: medical disciplines (gynaecology-obstetrics, ENT, …);
- ``nomenclature``: acts of the doctors' nomenclature with label, part / chapter / section, discipline, tariff and
  the letter-X flag (article 15: acts "complétés de la lettre X" that included the device fee);
- ``device_kinds``: the devices whose use gives a flat rate, per discipline;
- ``device_classes``: per device kind, the class by acquisition value (bands in euros), the annual full-rate
  threshold, the full-rate total over the amortisation period and the two flat-rate codes (full, reduced);
- ``device_acts``: which technical acts each device kind's flat rate goes with;
- ``x_scope``: the parts / chapters / sections where X acts are refused, from ``valid_from``;
- ``parameters``: named values (max probes counted, first date of second-hand declarations, payment delay…);
- ``anomalies``: the anomaly codes of the return file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["text", "opt_text", "int", "euros", "opt_euros", "date", "opt_date", "bool"]


@dataclass(frozen=True)
class TableSpec:
    """One table: its columns in file order (name → kind), the key that must not overlap in time, a description."""

    name: str
    columns: dict[str, Kind]
    key: tuple[str, ...]
    description: str
    dated: bool = True  # has valid_from / valid_to (and no overlapping periods per key)


_DATED: Final[dict[str, Kind]] = {"valid_from": "date", "valid_to": "opt_date", "source": "text"}
_UNDATED_SOURCE: Final[dict[str, Kind]] = {"source": "text"}

SPECS: Final[dict[str, TableSpec]] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "funds",
            {"fund_code": "text", "name": "text", **_DATED},
            ("fund_code",),
            "the health funds (CNS, CMFEP, CMFEC, EMCFL)",
        ),
        TableSpec(
            "disciplines",
            {"discipline_code": "text", "label_fr": "text", "label_en": "text", **_DATED},
            ("discipline_code",),
            "medical disciplines",
        ),
        TableSpec(
            "nomenclature",
            {
                "act_code": "text",
                "label_fr": "text",
                "part": "text",
                "chapter": "text",
                "section": "opt_text",
                "discipline_code": "text",
                "act_type": "text",
                "tariff": "euros",
                "letter_x": "bool",
                **_DATED,
            },
            ("act_code",),
            "acts of the doctors' nomenclature (code, label, part/chapter/section, tariff, letter X)",
        ),
        TableSpec(
            "device_kinds",
            {"kind_code": "text", "label_fr": "text", "label_en": "text", "discipline_code": "text", **_DATED},
            ("kind_code", "discipline_code"),
            "devices whose use gives a flat rate, per discipline",
        ),
        TableSpec(
            "device_classes",
            {
                "kind_code": "text",
                "class_code": "text",
                "value_min": "euros",
                "value_max": "opt_euros",
                "annual_threshold": "int",
                "amortisation_total": "int",
                "full_code": "text",
                "reduced_code": "text",
                **_DATED,
            },
            ("kind_code", "class_code"),
            "device classes by acquisition value, with thresholds and flat-rate codes",
        ),
        TableSpec(
            "device_acts",
            {"kind_code": "text", "act_code": "text", **_DATED},
            ("kind_code", "act_code"),
            "the technical acts a device kind's flat rate goes with",
        ),
        TableSpec(
            "x_scope",
            {"part": "text", "chapter": "text", "section": "opt_text", "label": "text", **_DATED},
            ("part", "chapter", "section"),
            "where acts completed with the letter X are refused, from valid_from",
        ),
        TableSpec(
            "parameters",
            {"name": "text", "value": "text", **_DATED},
            ("name",),
            "named values of the scheme",
        ),
        TableSpec(
            "anomalies",
            {"code": "text", "label_fr": "text", "label_en": "text", **_UNDATED_SOURCE},
            ("code",),
            "anomaly codes of the return file",
            dated=False,
        ),
    )
}

ACT_TYPES: Final = ("consultation", "technical", "device_flat_rate")
PARAMETER_KINDS: Final[dict[str, Literal["int", "date"]]] = {
    "max_probes": "int",
    "second_hand_from": "date",
    "flat_rates_from": "date",
    "payment_delay_days": "int",
    "refund_rate_percent": "int",
}
