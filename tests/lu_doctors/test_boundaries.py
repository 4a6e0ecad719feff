"""Flat-rate rules at both sides of every boundary: the first and last valid day, one day before and after, a
threshold and one past it; and for each guard of a rule, the near miss that only that guard keeps quiet.

Each date window a rule reads (an x_scope row, a nomenclature row, a device_acts row, the device's days in use) is
set to [FIRST, LAST] and the rule is tried on FIRST - 1, FIRST, LAST and LAST + 1. Remarks (anomaly details) are
checked where a rule's query picks its remark with the same condition it selects with. The rule-mutation sweep
(tests/rules_mutation) checks that these tests notice each boundary moving. Expected values are literals.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from tierspayant.schemes.lu_doctors.formats.messages import InvoiceLine
from tierspayant.schemes.lu_doctors.fund.adjudication import Adjudication
from tierspayant.schemes.lu_doctors.reference import ReferenceSet

from .helpers import (
    BILLING,
    COLLEAGUE,
    DEVICE,
    DOCTOR,
    PATIENT,
    REFERENCE,
    act,
    codes,
    context,
    device,
    flat,
    invoice,
    line_of,
    patient_act,
    run,
)

FIRST = date(2025, 3, 3)
LAST = date(2025, 3, 10)
ONE = timedelta(days=1)
# (day, inside the window): one day before, the first day, the last day, one day after (all in March 2025)
EDGES = [(FIRST - ONE, False), (FIRST, True), (LAST, True), (LAST + ONE, False)]
EDGE_IDS = ["day-before-first", "first-day", "last-day", "day-after-last"]
OBSTETRIC = Decimal("51.20")  # 6E21 in the SAMPLE nomenclature


def window(table: str, **where: str) -> ReferenceSet:
    """The sample reference with the rows of ``table`` matching ``where`` (column = value) valid FIRST to LAST."""
    frame = REFERENCE[table]
    chosen = pl.all_horizontal([pl.col(column) == value for column, value in where.items()])
    frame = frame.with_columns(
        pl.when(chosen).then(pl.lit(FIRST)).otherwise(pl.col("valid_from")).alias("valid_from"),
        pl.when(chosen).then(pl.lit(LAST)).otherwise(pl.col("valid_to")).alias("valid_to"),
    )
    return replace(REFERENCE, tables={**REFERENCE.tables, table: frame})


def details(result: Adjudication, invoice_number: str = "T1", line: int = 1) -> list[str]:
    return list(line_of(result, invoice_number, line)["anomaly_details"])


def technical(code: str = "6E21", day: date = FIRST, amount: Decimal = OBSTETRIC, line: int = 1,
              device_id: str | None = None, place: str = "CAB") -> InvoiceLine:  # fmt: skip
    """A technical act on a PID fee note (naming a device only where a test says so)."""
    return InvoiceLine(line, day, code, amount, place, device_id, None, None)  # type: ignore[arg-type]


def pid_note(*lines: InvoiceLine) -> Any:
    return invoice(*lines, number="P1", mode="pid")


# --- x_act_refused: the x_scope row and the nomenclature row of the act a flat rate names ------------------------


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_x_scope_applies_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    reference = window("x_scope", chapter="6")
    result = run(pid_note(act("6E21X", day)), reference=reference)
    assert codes(result, "P1") == (["D209"] if inside else [])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_x_act_named_by_a_flat_rate_counts_while_its_nomenclature_row_is_valid(day: date, inside: bool) -> None:
    reference = window("nomenclature", act_code="6E21X")
    ctx = context(patient_acts=[patient_act(day=day, act="6E21X")])
    result = run(invoice(flat(day=day, act="6E21X")), ctx=ctx, reference=reference)
    assert ("D209" in codes(result)) == inside


# --- pid_technical_act: the device_acts row and the technical act's nomenclature row ----------------------------


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_pid_technical_act_goes_with_the_kind_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    reference = window("device_acts", kind_code="ECHO", act_code="6E21")
    result = run(pid_note(technical(day=day), flat(day=day, line=2, act=None, fee_note=None)), reference=reference)
    assert codes(result, "P1", 2) == ([] if inside else ["D204"])
    assert codes(result, "P1", 1) == []


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_pid_technical_act_outside_the_nomenclature_carries_no_flat_rate(day: date, inside: bool) -> None:
    reference = window("nomenclature", act_code="6E21")
    result = run(pid_note(technical(day=day), flat(day=day, line=2, act=None, fee_note=None)), reference=reference)
    assert codes(result, "P1", 1) == ([] if inside else ["D210"])
    assert codes(result, "P1", 2) == ([] if inside else ["D204"])


@pytest.mark.parametrize(
    ("code", "act_codes", "flat_codes"),
    [
        ("6E21", [], []),
        ("6E21X", ["D209"], ["D204"]),  # completed with the letter X
        ("C1", [], ["D204"]),  # a consultation, not a technical act
    ],
    ids=["technical-act", "x-act", "consultation"],
)
def test_pid_only_a_plain_technical_act_carries_a_flat_rate_even_where_the_kind_lists_another(
    code: str, act_codes: list[str], flat_codes: list[str]
) -> None:
    rows = REFERENCE["device_acts"]
    listed = rows.filter((pl.col("kind_code") == "ECHO") & (pl.col("act_code") == "6E21")).with_columns(
        pl.lit(code).alias("act_code")
    )
    reference = replace(REFERENCE, tables={**REFERENCE.tables, "device_acts": pl.concat([rows, listed])})
    result = run(pid_note(act(code), flat(line=2, act=None, fee_note=None)), reference=reference)
    assert (codes(result, "P1", 1), codes(result, "P1", 2)) == (act_codes, flat_codes)


# --- third_party_technical_act: the device_acts row, the patient's act, the remark --------------------------------

NOT_WITH_ECHO = "act 6E21 does not go with a ECHO"


def unknown_act(day: date, act_code: str = "6E21") -> str:
    return (f"no act {act_code} of {day.isoformat()} on fee note FN-1 of doctor {DOCTOR} for this patient is known "
            "to the fund")  # fmt: skip


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_third_party_technical_act_goes_with_the_kind_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    reference = window("device_acts", kind_code="ECHO", act_code="6E21")
    ctx = context(patient_acts=[patient_act(day=day)])
    result = run(invoice(flat(day=day)), ctx=ctx, reference=reference)
    assert codes(result) == ([] if inside else ["D204"])
    assert details(result) == ([] if inside else [NOT_WITH_ECHO])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_third_party_remark_reads_the_same_window(day: date, inside: bool) -> None:
    """No act on the patient's note either: the remark says which of the two is missing, by the same window."""
    reference = window("device_acts", kind_code="ECHO", act_code="6E21")
    result = run(invoice(flat(day=day)), ctx=context(patient_acts=[]), reference=reference)
    assert codes(result) == ["D204"]
    assert details(result) == ([unknown_act(day)] if inside else [NOT_WITH_ECHO])


def test_third_party_remark_names_an_act_of_another_kind() -> None:
    ctx = context(patient_acts=[patient_act(act="3A11")])
    assert details(run(invoice(flat(act="3A11")), ctx=ctx)) == ["act 3A11 does not go with a ECHO"]
    assert details(run(invoice(flat(act="6E11")), ctx=ctx)) == [unknown_act(FIRST, "6E11")]


@pytest.mark.parametrize(
    ("changes", "matched"),
    [
        ({}, True),
        ({"matricule": "1985041200000"}, False),  # another patient
        ({"act": "6E11"}, False),  # another act of the same kind on the same note
        ({"doctor": COLLEAGUE}, False),
        ({"day": date(2025, 3, 4)}, False),
        ({"fee_note": "FN-2"}, False),
    ],
    ids=["same", "other-patient", "other-act", "other-doctor", "other-day", "other-note"],
)
def test_third_party_technical_act_is_the_patients_act_to_the_last_value(
    changes: dict[str, Any], matched: bool
) -> None:
    result = run(invoice(flat()), ctx=context(patient_acts=[patient_act(**changes)]))
    assert codes(result) == ([] if matched else ["D204"])


# --- device_in_use: the device's days in use, and the remark --------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "remark"),
    [
        (FIRST - ONE, "device ECHO0000001 is in use from 2025-03-03, not on 2025-03-02"),
        (FIRST, None),
        (LAST - ONE, None),
        (LAST, "device ECHO0000001 left service on 2025-03-10"),
    ],
    ids=["day-before-first-use", "first-use", "last-use", "day-it-leaves"],
)
def test_device_in_use_from_its_first_day_until_the_day_it_leaves(day: date, remark: str | None) -> None:
    ctx = context(devices=[device(in_use_from=FIRST, closed_on=LAST)], patient_acts=[patient_act(day=day)])
    result = run(invoice(flat(day=day)), ctx=ctx)
    assert details(result) == ([remark] if remark else [])


def test_device_leaving_service_on_its_first_day_is_never_in_use() -> None:
    ctx = context(devices=[device(in_use_from=FIRST, closed_on=FIRST)])
    result = run(invoice(flat(day=FIRST)), ctx=ctx)
    assert (codes(result), details(result)) == (["D202"], ["device ECHO0000001 left service on 2025-03-03"])


# --- the device rules look at flat rates only: a technical act that names the device is not one --------------------


@pytest.mark.parametrize(
    ("changes", "paid", "flat_codes"),
    [
        ({}, False, []),
        ({"place": "HOP"}, False, []),  # outside_hospital: the technical act given in hospital
        ({"in_use_from": date(2025, 3, 4)}, False, ["D202"]),  # device_in_use: the device not yet in use
        ({}, True, []),  # already_paid: the technical act's line number already paid as a flat rate
    ],
    ids=["plain", "act-in-hospital", "device-not-yet-in-use", "line-already-paid"],
)
def test_technical_act_naming_the_device_is_not_a_flat_rate(
    changes: dict[str, Any], paid: bool, flat_codes: list[str]
) -> None:
    """flat_rate_code_of_device, pid_technical_act: the act's code is no flat-rate code, and it is not ranked."""
    place = changes.get("place", "CAB")
    in_use = changes.get("in_use_from", date(2025, 1, 1))
    paid_rows = [{"billing_code": BILLING, "invoice_number": "P1", "line": 1, "matricule": PATIENT,
                  "service_date": date(2025, 2, 3), "device_id": DEVICE, "technical_act": "6E21",
                  "fee_note_ref": "FN-0"}] if paid else []  # fmt: skip
    ctx = context(devices=[device(in_use_from=in_use)], paid=paid_rows)
    note = pid_note(technical(device_id=DEVICE, place=place), flat(line=2, act=None, fee_note=None))
    result = run(note, ctx=ctx)
    assert codes(result, "P1", 1) == []
    assert codes(result, "P1", 2) == flat_codes


# --- already_paid: each value of the paid row, and the remark ------------------------------------------------------

ALREADY_PAID_LINE = "invoice T1 line 1 was already paid"
ALREADY_CARRIED = "the technical act 6E21 of fee note FN-1 already carries a flat rate"


def paid_row(**changes: Any) -> dict[str, Any]:
    """A flat rate already paid for the same technical act of the same note as ``flat()`` (another invoice)."""
    row = {"billing_code": BILLING, "invoice_number": "T0", "line": 1, "matricule": PATIENT, "service_date": FIRST,
           "device_id": DEVICE, "technical_act": "6E21", "fee_note_ref": "FN-1"}  # fmt: skip
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("changes", "remark"),
    [
        ({}, ALREADY_CARRIED),
        ({"matricule": "1985041200000"}, None),
        ({"service_date": date(2025, 3, 4)}, None),
        ({"technical_act": "6E11"}, None),
        ({"fee_note_ref": "FN-0"}, None),
    ],
    ids=["same-act", "other-patient", "other-day", "other-act", "other-note"],
)
def test_technical_act_already_carrying_a_flat_rate(changes: dict[str, Any], remark: str | None) -> None:
    result = run(invoice(flat()), ctx=context(paid=[paid_row(**changes)]))
    assert details(result) == ([remark] if remark else [])


ANOTHER_ACT = {"matricule": "1985041200000", "technical_act": "6E11", "fee_note_ref": "FN-0"}


@pytest.mark.parametrize(
    ("changes", "remark"),
    [
        ({"invoice_number": "T1"}, ALREADY_PAID_LINE),
        ({"invoice_number": "T1", "billing_code": "20000002"}, None),  # another doctor's invoice T1
        ({"invoice_number": "T0"}, None),
        ({"invoice_number": "T1", "line": 2}, None),
    ],
    ids=["same-line", "other-billing-code", "other-invoice", "other-line"],
)
def test_line_already_paid_to_the_last_value(changes: dict[str, Any], remark: str | None) -> None:
    result = run(invoice(flat()), ctx=context(paid=[paid_row(**ANOTHER_ACT, **changes)]))
    assert details(result) == ([remark] if remark else [])


@pytest.mark.parametrize(
    "changes",
    [
        {"billing_code": "20000002", "invoice_number": "T1"},
        {"invoice_number": "T0"},
        {"invoice_number": "T1", "line": 2},
    ],
    ids=["other-billing-code", "other-invoice", "other-line"],
)
def test_remark_of_an_act_already_carried_is_not_that_of_a_paid_line(changes: dict[str, Any]) -> None:
    """Refused for its technical act; a paid row one value away from its own line does not change the remark."""
    result = run(invoice(flat()), ctx=context(paid=[paid_row(**changes)]))
    assert details(result) == [ALREADY_CARRIED]


# --- counting: the annual threshold and the amortisation total, at the limit and one past it -------------------------


@pytest.mark.parametrize(
    ("used_year", "paid_code", "anomalies"),
    [(2, "DF21", []), (3, "DF22", ["D206"])],
    ids=["last-full-rate-of-the-year", "one-past-the-threshold"],
)
def test_annual_threshold_at_the_limit_and_one_past(used_year: int, paid_code: str, anomalies: list[str]) -> None:
    ctx = context(usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": used_year}])
    row = line_of(run(invoice(flat()), ctx=ctx))
    assert (row["paid_code"], row["covered_cents"], list(row["anomaly_codes"])) == (
        paid_code, 3600 if paid_code == "DF21" else 1200, anomalies)  # fmt: skip


@pytest.mark.parametrize(
    ("used_total", "paid_code", "anomalies"),
    [(9, "DF21", []), (10, "DF22", ["D207"])],
    ids=["last-full-rate-of-the-period", "one-past-the-total"],
)
def test_amortisation_total_on_the_last_full_rate_of_the_year(
    used_total: int, paid_code: str, anomalies: list[str]
) -> None:
    """The year's threshold reached exactly by this line (2 used + 1 = 3): it still counts toward the total."""
    ctx = context(usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 2}],
                  usage_total=[{"device_id": DEVICE, "full_used_total": used_total}])  # fmt: skip
    row = line_of(run(invoice(flat()), ctx=ctx))
    assert (row["paid_code"], list(row["anomaly_codes"])) == (paid_code, anomalies)


def test_line_past_the_annual_threshold_is_not_counted_in_the_total() -> None:
    ctx = context(usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 3}],
                  usage_total=[{"device_id": DEVICE, "full_used_total": 10}])  # fmt: skip
    row = line_of(run(invoice(flat()), ctx=ctx))
    assert (row["paid_code"], row["covered_cents"], list(row["anomaly_codes"])) == ("DF22", 1200, ["D206"])


@pytest.mark.parametrize(("code", "anomalies"), [("DF22", []), ("DF21", ["D207"])], ids=["reduced", "full"])
def test_amortised_device_counts_full_rates_only(code: str, anomalies: list[str]) -> None:
    ctx = context(usage_total=[{"device_id": DEVICE, "full_used_total": 10}])
    amount = Decimal("12.00") if code == "DF22" else Decimal("36.00")
    row = line_of(run(invoice(flat(code=code, amount=amount)), ctx=ctx))
    assert (row["paid_code"], row["covered_cents"], list(row["anomaly_codes"])) == ("DF22", 1200, anomalies)
