"""Every flat-rate rule: one case that triggers it and a near miss (one value apart) that does not.

Files are written by the real writer and read by the real reader; expected amounts are the SAMPLE tariffs written as
literals (DF21 full 36.00, DF22 reduced 12.00).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tierspayant.schemes.lu_doctors.formats.messages import Statement
from tierspayant.schemes.lu_doctors.formats.writer import flat_rates_bytes
from tierspayant.schemes.lu_doctors.fund.adjudication import scheme_rules

from .helpers import (
    COLLEAGUE,
    DEVICE,
    DOCTOR,
    FULL,
    PATIENT,
    act,
    codes,
    context,
    device,
    flat,
    flat_file,
    invoice,
    line_of,
    patient_act,
    run,
)

TESTED = {
    "statement_counts", "statement_total", "invoice_total", "service_in_month", "act_known", "x_act_refused",
    "official_amount", "third_party_flat_rates_only", "device_declared", "device_in_use", "outside_hospital",
    "flat_rate_code_of_device", "pid_technical_act", "third_party_technical_act", "already_paid",
    "count_annual_threshold", "count_amortisation_total",
}  # fmt: skip


def test_every_rule_has_its_tests() -> None:
    assert {rule.id for rule in scheme_rules()} == TESTED


def test_clean_third_party_flat_rate_is_paid_in_full() -> None:
    result = run(invoice(flat()))
    row = line_of(result)
    assert (row["status"], row["paid_code"], row["covered_cents"], codes(result)) == ("paid", "DF21", 3600, [])


# --- the monthly statement ----------------------------------------------------------------------------------


def test_statement_counts() -> None:
    result = run(invoice(flat()), statement=Statement(2, 1, FULL))
    assert result.rejected and result.file_findings["code"].to_list() == ["D101"]
    assert line_of(result)["covered_cents"] == 0
    assert not run(invoice(flat()), statement=Statement(1, 1, FULL)).rejected


def test_statement_line_count() -> None:
    assert run(invoice(flat()), statement=Statement(1, 2, FULL)).rejected


def test_statement_total() -> None:
    result = run(invoice(flat()), statement=Statement(1, 1, Decimal("36.01")))
    assert result.rejected and result.file_findings["code"].to_list() == ["D102"]
    assert not run(invoice(flat()), statement=Statement(1, 1, Decimal("36.00"))).rejected


def test_invoice_total() -> None:
    data = flat_rates_bytes(flat_file(invoice(flat()), invoice(flat(fee_note="FN-2"), number="T2")))
    bad = data.replace(b"<TotalFacture>36.00</TotalFacture>", b"<TotalFacture>36.01</TotalFacture>", 1)
    bad = bad.replace(b"<MontantTotal>72.00</MontantTotal>", b"<MontantTotal>72.00</MontantTotal>")
    ctx = context(patient_acts=[patient_act(), patient_act("FN-2")])
    result = run(data=bad, ctx=ctx)
    assert not result.rejected
    assert codes(result, "T1") == ["D102"] and line_of(result, "T1")["status"] == "refused"
    assert codes(result, "T2") == [] and line_of(result, "T2")["status"] == "paid"


def test_service_in_month() -> None:
    late = run(invoice(flat(day=date(2025, 4, 1))), ctx=context(patient_acts=[patient_act(day=date(2025, 4, 1))]))
    assert codes(late) == ["D103"]
    last_day = run(invoice(flat(day=date(2025, 3, 31))), ctx=context(patient_acts=[patient_act(day=date(2025, 3, 31))]))
    assert codes(last_day) == []


# --- the acts -------------------------------------------------------------------------------------------------


def test_act_known_on_the_service_date() -> None:
    before = run(
        invoice(flat(day=date(2024, 12, 31))),
        month="2024-12",
        ctx=context(devices=[device(in_use_from=date(2024, 1, 1))], patient_acts=[patient_act(day=date(2024, 12, 31))]),
    )
    assert codes(before) == ["D210"]
    first_day = run(
        invoice(flat(day=date(2025, 1, 1))),
        month="2025-01",
        ctx=context(patient_acts=[patient_act(day=date(2025, 1, 1))]),
    )
    assert codes(first_day) == []


@pytest.mark.parametrize(
    ("code", "day", "month", "refused"),
    [
        ("6E21X", date(2025, 1, 1), "2025-01", True),  # gynaecology, ch. 6: refused from 2025-01-01
        ("6E21X", date(2024, 12, 31), "2024-12", False),  # the day before
        ("1H61X", date(2025, 1, 1), "2025-01", True),  # ch. 1 §6
        ("3A11X", date(2025, 1, 1), "2025-01", True),  # ch. 3
        ("4E11X", date(2026, 1, 1), "2026-01", True),  # ophthalmology, ch. 4: from 2026-01-01
        ("4E11X", date(2025, 12, 31), "2025-12", False),  # the day before
    ],
)
def test_x_act_refused_on_a_pid_note(code: str, day: date, month: str, refused: bool) -> None:
    result = run(invoice(act(code, day), number="P1", mode="pid"), month=month)
    assert codes(result, "P1") == (["D209"] if refused else [])


def test_x_act_named_by_a_third_party_flat_rate() -> None:
    ctx = context(patient_acts=[patient_act(act="6E21X")])
    assert "D209" in codes(run(invoice(flat(act="6E21X")), ctx=ctx))
    assert "D209" not in codes(run(invoice(flat(act="6E21"))))


def test_official_amount() -> None:
    assert codes(run(invoice(flat(amount=Decimal("36.01"))))) == ["D208"]
    assert codes(run(invoice(flat(amount=Decimal("35.99"))))) == ["D208"]
    assert codes(run(invoice(flat(amount=Decimal("36.00"))))) == []


def test_third_party_flat_rates_only() -> None:
    result = run(invoice(flat(), act("6E21", line=2)))
    assert codes(result, line=2) == ["D213"] and codes(result, line=1) == []


# --- the device -----------------------------------------------------------------------------------------------


def test_device_declared() -> None:
    assert codes(run(invoice(flat(device_id="ECHO0000999")))) == ["D201"]
    assert codes(run(invoice(flat(device_id=None)))) == ["D201"]
    assert codes(run(invoice(flat(device_id=DEVICE)))) == []


@pytest.mark.parametrize(
    ("day", "refused"),
    [(date(2025, 3, 9), True), (date(2025, 3, 10), False), (date(2025, 3, 19), False), (date(2025, 3, 20), True)],
)
def test_device_in_use(day: date, refused: bool) -> None:
    ctx = context(devices=[device(in_use_from=date(2025, 3, 10), closed_on=date(2025, 3, 20))],
                  patient_acts=[patient_act(day=day)])  # fmt: skip
    assert codes(run(invoice(flat(day=day)), ctx=ctx)) == (["D202"] if refused else [])


def test_outside_hospital() -> None:
    assert codes(run(invoice(flat()), ctx=context(devices=[device(in_hospital=True)]))) == ["D203"]
    assert codes(run(invoice(flat(place="HOP")))) == ["D203"]
    assert codes(run(invoice(flat(place="DOM")))) == []


def test_flat_rate_code_of_device() -> None:
    assert codes(run(invoice(flat(code="DF11", amount=Decimal("24.00")))))[0] == "D205"
    assert codes(run(invoice(flat(code="DF22", amount=Decimal("12.00"))))) == []


# --- the technical act ------------------------------------------------------------------------------------------


def test_pid_flat_rate_with_its_technical_act_on_the_same_note() -> None:
    result = run(invoice(act("6E21"), flat(line=2, act=None, fee_note=None), number="P1", mode="pid"))
    assert codes(result, "P1", 2) == [] and line_of(result, "P1", 2)["covered_cents"] == 3600
    assert line_of(result, "P1", 1)["status"] == "matched"


def test_pid_flat_rate_without_technical_act() -> None:
    alone = run(invoice(flat(act=None, fee_note=None), number="P1", mode="pid"))
    assert codes(alone, "P1") == ["D204"]
    other_day = run(
        invoice(act("6E21", date(2025, 3, 2)), flat(line=2, act=None, fee_note=None), number="P1", mode="pid")
    )
    assert codes(other_day, "P1", 2) == ["D204"]
    wrong_kind = run(invoice(act("3A11"), flat(line=2, act=None, fee_note=None), number="P1", mode="pid"))
    assert codes(wrong_kind, "P1", 2) == ["D204"]


def test_pid_one_technical_act_carries_one_flat_rate() -> None:
    two = run(invoice(act("6E21"), flat(line=2), flat(line=3), number="P1", mode="pid"))
    assert codes(two, "P1", 2) == [] and codes(two, "P1", 3) == ["D204"]
    both = run(invoice(act("6E21"), act("6E11", line=2), flat(line=3), flat(line=4), number="P1", mode="pid"))
    assert codes(both, "P1", 3) == [] and codes(both, "P1", 4) == []


def test_third_party_technical_act_matched_with_the_patients_note() -> None:
    assert codes(run(invoice(flat()))) == []
    assert codes(run(invoice(flat()), ctx=context(patient_acts=[]))) == ["D204"]
    assert codes(run(invoice(flat()), ctx=context(patient_acts=[patient_act(doctor=COLLEAGUE)]))) == ["D204"]
    assert codes(run(invoice(flat()), ctx=context(patient_acts=[patient_act(day=date(2025, 3, 4))]))) == ["D204"]
    assert codes(run(invoice(flat()), ctx=context(patient_acts=[patient_act("FN-2")]))) == ["D204"]
    assert codes(run(invoice(flat(fee_note=None)))) == ["D204"]
    ctx = context(patient_acts=[patient_act(act="3A11")])
    assert codes(run(invoice(flat(act="3A11")), ctx=ctx)) == ["D204"]  # an audiometry does not go with a scanner


def test_already_paid_line() -> None:
    paid = {
        "billing_code": "20000001", "invoice_number": "T1", "line": 1, "matricule": "x",
        "service_date": date(2025, 3, 1), "device_id": DEVICE, "technical_act": "6E11", "fee_note_ref": "FN-0",
    }  # fmt: skip
    assert codes(run(invoice(flat()), ctx=context(paid=[paid]))) == ["D211"]
    assert codes(run(invoice(flat()), ctx=context(paid=[{**paid, "line": 2}]))) == []


def test_already_paid_technical_act() -> None:
    paid = {
        "billing_code": "20000001", "invoice_number": "T0", "line": 1, "matricule": PATIENT,
        "service_date": date(2025, 3, 3), "device_id": DEVICE, "technical_act": "6E21", "fee_note_ref": "FN-1",
    }  # fmt: skip
    assert codes(run(invoice(flat()), ctx=context(paid=[paid]))) == ["D211"]
    assert codes(run(invoice(flat()), ctx=context(paid=[{**paid, "fee_note_ref": "FN-0"}]))) == []


def test_two_flat_rates_for_one_technical_act_in_one_file() -> None:
    result = run(invoice(flat()), invoice(flat(), number="T2"))
    assert codes(result, "T1") == [] and codes(result, "T2") == ["D211"]


# --- counting ---------------------------------------------------------------------------------------------------


def _two_lines() -> tuple[object, ...]:
    return (
        invoice(flat(day=date(2025, 3, 3))),
        invoice(flat(day=date(2025, 3, 4), fee_note="FN-2"), number="T2", doctor=COLLEAGUE),
    )


def _acts() -> list[dict[str, object]]:
    return [patient_act(), patient_act("FN-2", date(2025, 3, 4), doctor=COLLEAGUE)]


def test_count_annual_threshold() -> None:
    ctx = context(patient_acts=_acts(), usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 2}])
    result = run(*_two_lines(), ctx=ctx)  # type: ignore[arg-type]
    first, second = line_of(result, "T1"), line_of(result, "T2")
    assert (first["paid_code"], first["covered_cents"], list(first["anomaly_codes"])) == ("DF21", 3600, [])
    assert (second["paid_code"], second["covered_cents"], list(second["anomaly_codes"])) == ("DF22", 1200, ["D206"])
    near = context(patient_acts=_acts(), usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 1}])
    result = run(*_two_lines(), ctx=near)  # type: ignore[arg-type]
    assert [line_of(result, n)["paid_code"] for n in ("T1", "T2")] == ["DF21", "DF21"]


def test_count_annual_threshold_other_year_does_not_count() -> None:
    ctx = context(patient_acts=_acts(), usage=[{"device_id": DEVICE, "year": 2024, "full_used_year": 3}])
    result = run(*_two_lines(), ctx=ctx)  # type: ignore[arg-type]
    assert [line_of(result, n)["paid_code"] for n in ("T1", "T2")] == ["DF21", "DF21"]


def test_count_amortisation_total() -> None:
    ctx = context(patient_acts=_acts(), usage_total=[{"device_id": DEVICE, "full_used_total": 9}])
    result = run(*_two_lines(), ctx=ctx)  # type: ignore[arg-type]
    assert line_of(result, "T1")["paid_code"] == "DF21"
    second = line_of(result, "T2")
    assert (second["paid_code"], second["covered_cents"], list(second["anomaly_codes"])) == ("DF22", 1200, ["D207"])
    near = context(patient_acts=_acts(), usage_total=[{"device_id": DEVICE, "full_used_total": 8}])
    result = run(*_two_lines(), ctx=near)  # type: ignore[arg-type]
    assert [line_of(result, n)["paid_code"] for n in ("T1", "T2")] == ["DF21", "DF21"]


def test_reduced_code_billed_is_paid_reduced_and_does_not_count() -> None:
    ctx = context(patient_acts=_acts(), usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 2}])
    reduced_first = (
        invoice(flat(day=date(2025, 3, 3), code="DF22", amount=Decimal("12.00"))),
        invoice(flat(day=date(2025, 3, 4), fee_note="FN-2"), number="T2", doctor=COLLEAGUE),
    )
    result = run(*reduced_first, ctx=ctx)
    assert [line_of(result, n)["paid_code"] for n in ("T1", "T2")] == ["DF22", "DF21"]
    assert result.covered_cents == 1200 + 3600


def test_refused_lines_do_not_use_the_threshold() -> None:
    ctx = context(patient_acts=_acts(), usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 2}])
    lines = (
        invoice(flat(day=date(2025, 3, 3), amount=Decimal("36.01"))),  # refused D208: must not use the last full rate
        invoice(flat(day=date(2025, 3, 4), fee_note="FN-2"), number="T2", doctor=COLLEAGUE),
    )
    result = run(*lines, ctx=ctx)
    assert line_of(result, "T2")["paid_code"] == "DF21"


def test_threshold_order_is_by_service_date_then_doctor_not_by_file_order() -> None:
    ctx = context(patient_acts=_acts(), usage=[{"device_id": DEVICE, "year": 2025, "full_used_year": 2}])
    later_first = tuple(reversed(_two_lines()))
    result = run(*later_first, ctx=ctx)  # type: ignore[arg-type]
    assert line_of(result, "T1")["paid_code"] == "DF21"  # 2025-03-03, earlier service date
    assert line_of(result, "T2")["paid_code"] == "DF22"
    assert DOCTOR < COLLEAGUE
