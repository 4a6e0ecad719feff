"""What each KIN reference file holds: its columns, their types, and which rows must not overlap in time.

Official CNS files drop in without code changes as long as they carry these columns (extra columns are allowed and
ignored; the order does not matter). Dates are ``YYYY-MM-DD``; an empty ``valid_to`` means "still valid" and is
stored as 9999-12-31 so that rules can write ``d BETWEEN valid_from AND valid_to``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tierspayant.schemes.lu_kin.formats.layouts import LAYOUTS

ColumnKind = Literal["text", "date", "decimal", "int", "list"]

PATHOLOGY_CATEGORIES = ("COMMON", "SERIOUS", "POST_SURGICAL", "LYMPHATIC_DRAINAGE")
RATE_CATEGORIES = (*PATHOLOGY_CATEGORIES, "UNDER_18")
LEVELS = ("file", "invoice", "line")
EFFECTS = ("reject_file", "reject_block", "reject_line", "reduce", "suspend", "inform")

ACT_CODE = r"[A-Z0-9]{2,10}"
PROVIDER_CODE = r"[0-9]{8}"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = True  # an empty cell is refused
    pattern: str | None = None  # whole-value regular expression (text and list items)
    choices: tuple[str, ...] = ()  # allowed values (text and list items)
    scale: int = 0  # decimal: maximum number of decimals; adds an exact integer column <name>_e<scale>
    minimum: int | None = None  # int: smallest value


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # rows sharing a key must have disjoint validity periods
    periods: bool = True  # has valid_from / valid_to
    required_rows: tuple[tuple[str, str], ...] = field(default=())  # (column, value) that must appear


VALIDITY = (Column("valid_from", "date"), Column("valid_to", "date", required=False))

# Parameters are one table of named values; the kind of each known name is checked at load time.
PARAMETER_KINDS: dict[str, ColumnKind] = {
    "request_delay_days": "int",  # DEMAUT within N days of the prescription date
    "start_delay_days": "int",  # first session within N days of the titre's issue date
    "payment_delay_days": "int",  # payment due N days after the acknowledgement (art. 21–22)
    "titre_validity_days": "int",  # a titre covers sessions for N days from its issue date
    "max_acts_per_day": "int",  # nomenclature acts per patient and day (one act per session)
    "minor_age_years": "int",  # under this age at the prescription date the UNDER_18 rate applies
    "medical_advice_above_sessions": "int",  # a serious-pathology request above this waits for the CMSS advice (K112)
    "electronic_prescriptions_from": "date",  # electronic channel only for prescriptions from this date
}

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "nomenclature",
        "Acts of the physiotherapy nomenclature: coefficient, letter key, pathology categories it may serve.",
        (
            Column("act_code", pattern=ACT_CODE),
            Column("label"),
            Column("letter_key", pattern=r"[A-Z0-9]{1,4}"),
            Column("coefficient", "decimal", scale=4),
            Column("categories", "list", choices=PATHOLOGY_CATEGORIES),
            *VALIDITY,
        ),
        key=("act_code",),
    ),
    TableSpec(
        "letter_keys",
        "Value in euros of each letter key (lettre-clé) by period.",
        (Column("letter_key", pattern=r"[A-Z0-9]{1,4}"), Column("value", "decimal", scale=5), *VALIDITY),
        key=("letter_key",),
    ),
    TableSpec(
        "rates",
        "Coverage rate (taux de prise en charge, %) by category; UNDER_18 applies to minors whatever the category.",
        (Column("category", choices=RATE_CATEGORIES), Column("rate_percent", "decimal", scale=2), *VALIDITY),
        key=("category",),
        required_rows=tuple(("category", c) for c in RATE_CATEGORIES),
    ),
    TableSpec(
        "session_limits",
        "Maximum sessions per prescription by pathology category.",
        (Column("category", choices=PATHOLOGY_CATEGORIES), Column("max_sessions", "int", minimum=1), *VALIDITY),
        key=("category",),
        required_rows=tuple(("category", c) for c in PATHOLOGY_CATEGORIES),
    ),
    TableSpec(
        "parameters",
        "Delays and limits: request delay, start delay, payment delay, acts per day, minors' age, channel start.",
        (Column("name", choices=tuple(PARAMETER_KINDS)), Column("value"), *VALIDITY),
        key=("name",),
        required_rows=tuple(("name", n) for n in PARAMETER_KINDS),
    ),
    TableSpec(
        "cumulation",
        "Pairs of acts that may not be billed for the same patient on the same day (anti-cumulation).",
        (Column("act_code", pattern=ACT_CODE), Column("other_act_code", pattern=ACT_CODE), *VALIDITY),
        key=("act_code", "other_act_code"),
    ),
    TableSpec(
        "anomalies",
        "Anomaly codes sent back to providers: code, label, level, effect.",
        (
            Column("code", pattern=r"[A-Z0-9\-]{1,10}"),
            Column("label"),
            Column("level", choices=LEVELS),
            Column("effect", choices=EFFECTS),
        ),
        key=("code",),
        periods=False,
    ),
    TableSpec(
        "prescribers",
        "Doctors allowed to prescribe (code prescripteur) and their validity.",
        (Column("prescriber_code", pattern=PROVIDER_CODE), Column("name"), *VALIDITY),
        key=("prescriber_code",),
    ),
    TableSpec(
        "places",
        "Place-of-service categories (annex 08).",
        (Column("place_code", pattern=r"[A-Z0-9]{1,4}"), Column("label"), *VALIDITY),
        key=("place_code",),
    ),
    TableSpec(
        "layouts",
        "KIN file layouts (annex 02) and the days the fund accepts each: an old layout ends at least three months "
        "after the new one starts (cahier des charges art. 10 and 16); both are accepted in between.",
        (Column("layout", choices=LAYOUTS), *VALIDITY),
        key=("layout",),
        required_rows=(("layout", "01"),),
    ),
    TableSpec(
        "it_flat_rate",
        "Annual flat rate for IT costs (convention art. 38, seed 002): amount per practice and year, and the covered "
        "services the year needs; both prorated by days of activity (and by days of each period when they change).",
        (Column("amount", "decimal", scale=2), Column("threshold", "int", minimum=1), *VALIDITY),
    ),
    TableSpec(
        "conversion",
        "Old nomenclature act → new act, for services on prescriptions made before the new nomenclature.",
        (Column("old_act_code", pattern=ACT_CODE), Column("new_act_code", pattern=ACT_CODE), *VALIDITY),
        key=("old_act_code",),
    ),
)

SPECS: dict[str, TableSpec] = {spec.name: spec for spec in TABLES}
