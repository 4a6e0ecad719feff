"""REFAC rules at both sides of every boundary: the first and last valid day, one day before and after, a
threshold and one past it; and for each guard of a rule, the near miss that only that guard stops.

Every date window of the reference is moved to [FIRST, LAST] so each rule is tried on FIRST - 1, FIRST, LAST and
LAST + 1. The rule-mutation sweep (tests/rules_mutation) checks that these tests notice each boundary moving.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from tierspayant.schemes.be_nursing.mutuality.payment import schedule_payment
from tierspayant.schemes.be_nursing.mutuality.reference import ReferenceData

from .helpers import (
    DAY,
    DIABETES_PATH,
    FIRST_VISIT,
    HOSPITAL_KNOWN,
    INJECTION,
    MEDICAL_HOUSE,
    NEXT_VISIT,
    NURSE,
    NURSE_2,
    OTHER,
    PALLIATIVE,
    PLAIN,
    history,
    invoices,
    lines,
    run_rule,
    sample_reference,
)

FIRST = date(2025, 3, 3)
LAST = date(2025, 3, 10)
ONE = timedelta(days=1)
# (day, inside the window): one day before, the first day, the last day, one day after
EDGES = [(FIRST - ONE, False), (FIRST, True), (LAST, True), (LAST + ONE, False)]
EDGE_IDS = ["day-before-first", "first-day", "last-day", "day-after-last"]


def window(table: str, start: str = "valid_from", end: str = "valid_to") -> ReferenceData:
    """The sample reference with every row of ``table`` valid from FIRST to LAST only."""
    reference = sample_reference()
    frame = reference[table].with_columns(pl.lit(FIRST).alias(start), pl.lit(LAST).alias(end))
    return reference.replace(**{table: frame})


# --- reference validity windows: a rule applies from the first to the last day of its row --------------------------


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_limit_applies_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    batch = lines({"nomenclature_code": FIRST_VISIT, "first_service_date": day},
                  {"nomenclature_code": FIRST_VISIT, "first_service_date": day, "care_provider": NURSE_2})  # fmt: skip
    assert list(run_rule("units_per_day_exceeded", batch, reference=window("limits"))) == ([11] if inside else [])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_same_day_pair_applies_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    batch = lines({"nomenclature_code": 425272, "first_service_date": day},
                  {"nomenclature_code": FIRST_VISIT, "first_service_date": day})  # fmt: skip
    found = run_rule("not_cumulable_same_day", batch, reference=window("cumulation_pairs"))
    assert sorted(found) == ([10, 11] if inside else [])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_period_pair_applies_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    batch = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": day},
                  {"nomenclature_code": 423135, "niss": PALLIATIVE, "first_service_date": day})  # fmt: skip
    found = run_rule("not_cumulable_same_period", batch, reference=window("cumulation_pairs"))
    assert sorted(found) == ([10, 11] if inside else [])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_prerequisite_applies_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    batch = lines({"nomenclature_code": 424874, "first_service_date": day})
    found = run_rule("billed_before_required_service", batch, reference=window("prerequisites"))
    assert found == ({10: "424874 uniquement après 424896"} if inside else {})


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_daily_ceiling_applies_on_its_first_and_last_day_only(day: date, inside: bool) -> None:
    batch = lines({"insurance_amount": 20000, "first_service_date": day},
                  {"insurance_amount": 5001, "first_service_date": day})  # fmt: skip
    assert list(run_rule("daily_ceiling_exceeded", batch, reference=window("ceilings"))) == ([11] if inside else [])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_diabetes_care_path_counts_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    reference = window("care_paths", "start_date", "end_date")
    batch = lines({"nomenclature_code": 423135, "niss": DIABETES_PATH, "first_service_date": day})
    assert list(run_rule("diabetes_service_under_care_path", batch, reference=reference)) == ([10] if inside else [])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_medical_house_contract_counts_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    reference = window("medical_house_contracts", "start_date", "end_date")
    batch = lines({"niss": MEDICAL_HOUSE, "first_service_date": day})
    assert list(run_rule("medical_house_contract", batch, reference=reference)) == ([10] if inside else [])


COMMITTED: dict[str, Any] = {"payment_commitment_part_a": 2, "insurability_start_date": FIRST,
                             "insurability_end_date": LAST, "communication_date": FIRST}  # fmt: skip


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_ct1_ct2_are_read_from_the_answer_valid_on_the_communication_day(day: date, inside: bool) -> None:
    invoice = invoices({**COMMITTED, "communication_date": day})
    found = run_rule(
        "commitment_ct_differs_from_answer", lines({}), invoice_rows=invoice, reference=window("insurability")
    )
    assert list(found) == ([] if inside else [2])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_commitment_start_within_the_answer_period_from_first_to_last_day(day: date, inside: bool) -> None:
    invoice = invoices({**COMMITTED, "insurability_start_date": day})
    found = run_rule(
        "commitment_start_not_in_answer", lines({}), invoice_rows=invoice, reference=window("insurability")
    )
    assert list(found) == ([] if inside else [2])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_commitment_end_within_the_answer_period_from_first_to_last_day(day: date, inside: bool) -> None:
    invoice = invoices({**COMMITTED, "insurability_start_date": None, "insurability_end_date": day})
    found = run_rule("commitment_end_not_in_answer", lines({}), invoice_rows=invoice, reference=window("insurability"))
    assert list(found) == ([] if inside else [2])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_service_within_the_commitment_period_from_first_to_last_day(day: date, inside: bool) -> None:
    zones = {k: v for k, v in COMMITTED.items() if k != "communication_date"}
    found = run_rule("service_outside_commitment_period", lines({**zones, "first_service_date": day}))
    assert found == ({} if inside else {10: "Engagement de paiement du 03/03/2025 au 10/03/2025"})


# --- guards of the commitment rules -------------------------------------------------------------------------------


def test_commitment_end_on_its_start_day_is_valid_and_one_day_before_is_not() -> None:
    same_day = invoices({**COMMITTED, "insurability_start_date": LAST, "insurability_end_date": LAST})
    assert run_rule("commitment_end_not_in_answer", lines({}), invoice_rows=same_day) == {}
    before = invoices({**COMMITTED, "insurability_start_date": LAST, "insurability_end_date": LAST - ONE})
    assert list(run_rule("commitment_end_not_in_answer", lines({}), invoice_rows=before)) == [2]


def test_commitment_rules_only_read_invoices_with_a_commitment() -> None:
    for rule in ("commitment_start_not_in_answer", "commitment_end_not_in_answer"):
        outside = {**COMMITTED, "insurability_start_date": date(2014, 1, 1), "insurability_end_date": date(2014, 1, 2)}
        assert list(run_rule(rule, lines({}), invoice_rows=invoices(outside))) == [2], rule
        assert run_rule(rule, lines({}), invoice_rows=invoices({**outside, "payment_commitment_part_a": 1})) == {}, rule


def test_commitment_answer_is_the_patients_own() -> None:
    """OTHER's answer has CT 111-111 from 2015: it neither covers PLAIN's period nor gives PLAIN its CT."""
    insurability = sample_reference()["insurability"]
    only_other = sample_reference().replace(insurability=insurability.filter(pl.col("niss") == OTHER))
    for rule in ("commitment_start_not_in_answer", "commitment_end_not_in_answer"):
        assert list(run_rule(rule, lines({}), invoice_rows=invoices(COMMITTED), reference=only_other)) == [2], rule
    own_ct = invoices({**COMMITTED, "ct1": 111, "ct2": 111})
    assert list(run_rule("commitment_ct_differs_from_answer", lines({}), invoice_rows=own_ct)) == [2]


@pytest.mark.parametrize(("ct1", "ct2", "fires"), [(110, 110, False), (111, 110, True), (110, 111, True)])
def test_commitment_ct1_and_ct2_are_each_compared(ct1: int, ct2: int, fires: bool) -> None:
    invoice = invoices({**COMMITTED, "ct1": ct1, "ct2": ct2})
    assert list(run_rule("commitment_ct_differs_from_answer", lines({}), invoice_rows=invoice)) == (
        [2] if fires else []
    )


def test_missing_part_a_is_invalid() -> None:
    assert list(
        run_rule("commitment_part_a_invalid", lines({}), invoice_rows=invoices({"payment_commitment_part_a": None}))
    ) == [2]


def test_service_outside_the_zones_without_a_full_commitment_passes() -> None:
    zones = {k: v for k, v in COMMITTED.items() if k != "communication_date"}
    outside = LAST + timedelta(days=5)
    batch = lines(
        {**zones, "payment_commitment_part_a": 1, "first_service_date": outside},  # no commitment
        {**zones, "insurability_start_date": None, "first_service_date": outside},  # zone 53 empty
        {**zones, "insurability_end_date": None, "first_service_date": FIRST - timedelta(days=5)},  # zone 54 empty
    )
    assert run_rule("service_outside_commitment_period", batch) == {}


# --- guards of the line rules: each one the only thing that keeps its rule quiet -----------------------------------


def test_services_without_units_are_never_counted_as_repeats() -> None:
    twice = lines({"nomenclature_code": INJECTION, "units": 0}, {"nomenclature_code": INJECTION, "units": 0})
    assert run_rule("already_billed", twice) == {}


def test_earlier_sendings_repeating_each_other_are_not_this_files_errors() -> None:
    past = history({"nomenclature_code": FIRST_VISIT}, {"nomenclature_code": FIRST_VISIT},
                   {"nomenclature_code": INJECTION}, {"nomenclature_code": INJECTION},
                   {"insurance_amount": 30000})  # fmt: skip
    other_day = lines({"nomenclature_code": NEXT_VISIT, "first_service_date": DAY + ONE, "insurance_amount": 100})
    assert run_rule("already_billed", other_day, past=past) == {}
    assert run_rule("units_per_day_exceeded", other_day, past=past) == {}
    assert run_rule("daily_ceiling_exceeded", other_day, past=past) == {}


def test_a_visit_without_units_does_not_open_the_day() -> None:
    batch = lines(
        {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE_2, "units": 0},
        {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE},
        {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE},
    )
    assert run_rule("units_per_day_exceeded", batch) == {12: "425014 du 03/03/2025 facturée par 10000000001"}


def test_day_pairs_and_period_pairs_are_kept_apart() -> None:
    period_pair = lines(
        {"nomenclature_code": 427390, "niss": PALLIATIVE}, {"nomenclature_code": 423135, "niss": PALLIATIVE}
    )
    assert run_rule("not_cumulable_same_day", period_pair) == {}
    day_pair = lines({"nomenclature_code": 425272}, {"nomenclature_code": FIRST_VISIT})
    assert run_rule("not_cumulable_same_period", day_pair) == {}


def test_care_path_of_another_kind_does_not_count() -> None:
    paths = sample_reference()["care_paths"].with_columns(pl.lit("insulin").alias("kind"))
    reference = sample_reference().replace(care_paths=paths)
    batch = lines({"nomenclature_code": 423135, "niss": DIABETES_PATH})
    assert run_rule("diabetes_service_under_care_path", batch, reference=reference) == {}


def test_required_service_of_another_patient_does_not_count() -> None:
    batch = lines({"nomenclature_code": 424896, "niss": OTHER}, {"nomenclature_code": 424874})
    assert list(run_rule("billed_before_required_service", batch)) == [11]


def test_first_basic_visit_of_another_patient_or_day_does_not_count_and_other_codes_are_not_informed() -> None:
    past = history({"nomenclature_code": FIRST_VISIT, "niss": OTHER},
                   {"nomenclature_code": FIRST_VISIT, "first_service_date": DAY - ONE})  # fmt: skip
    batch = lines({"nomenclature_code": NEXT_VISIT}, {"nomenclature_code": INJECTION})
    assert list(run_rule("first_service_not_first_basic_visit", batch, past=past)) == [10]


# --- palliative flat fee: each notification is the patient's own; 30 days to regularise ----------------------------


def _notifications(*rows: tuple[str, str, date, date]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["niss", "notifier", "registered_on", "effective_from"], orient="row")


def test_palliative_notifications_are_read_per_patient() -> None:
    reference = sample_reference().replace(
        palliative_notifications=_notifications(
            (OTHER, "doctor", date(2025, 1, 1), date(2025, 1, 1)),
            (OTHER, "nurse", date(2025, 1, 1), date(2025, 1, 1)),
            (PALLIATIVE, "doctor", date(2025, 2, 20), date(2025, 2, 20)),
            (PALLIATIVE, "nurse", date(2025, 3, 1), date(2025, 2, 25)),
            (HOSPITAL_KNOWN, "doctor", date(2025, 1, 1), date(2025, 1, 1)),
            (MEDICAL_HOUSE, "nurse", date(2025, 1, 1), date(2025, 1, 1)),
            (MEDICAL_HOUSE, "doctor", date(2025, 2, 5), date(2025, 2, 5)),  # 35 days after the nurse's
        )
    )
    fee = {"nomenclature_code": 427390, "first_service_date": date(2025, 2, 24)}
    batch = lines({**fee, "niss": PALLIATIVE}, {**fee, "niss": PLAIN}, {**fee, "niss": HOSPITAL_KNOWN},
                  {**fee, "niss": MEDICAL_HOUSE}, {"niss": PLAIN, "nomenclature_code": INJECTION})  # fmt: skip
    assert run_rule("palliative_flat_fee_without_notifications", batch, reference=reference) == {
        10: "Prestation antérieure aux notifications valables à partir du 25/02/2025",
        11: "Notification du médecin absente",
        12: "Notification infirmière 420900 absente",
        13: "Notification 420900 enregistrée sans notification préalable du médecin",
    }


@pytest.mark.parametrize(("days_after", "valid"), [(30, True), (31, False)])
def test_doctor_may_regularise_up_to_30_days_after_the_nurse(days_after: int, valid: bool) -> None:
    reference = sample_reference().replace(
        palliative_notifications=_notifications(
            (PALLIATIVE, "nurse", date(2025, 2, 1), date(2025, 2, 1)),
            (PALLIATIVE, "doctor", date(2025, 2, 1) + timedelta(days=days_after), date(2025, 2, 1)),
        )
    )
    batch = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 3, 10)})
    assert list(run_rule("palliative_flat_fee_without_notifications", batch, reference=reference)) == (
        [] if valid else [10]
    )


# --- thresholds: exactly at the limit and one past it --------------------------------------------------------------


@pytest.mark.parametrize(("amounts", "rejected"), [((20000, 5000), []), ((20000, 5001), [11])])
def test_daily_ceiling_exactly_reached_passes_one_cent_more_does_not(
    amounts: tuple[int, int], rejected: list[int]
) -> None:
    batch = lines(*[{"insurance_amount": a} for a in amounts])
    assert list(run_rule("daily_ceiling_exceeded", batch)) == rejected


@pytest.mark.parametrize(("basic_visits", "rejected"), [(3, []), (2, [12])])
def test_third_visit_supplement_needs_exactly_three_visits(basic_visits: int, rejected: list[int]) -> None:
    visits = [{"nomenclature_code": FIRST_VISIT if i == 0 else NEXT_VISIT} for i in range(basic_visits)]
    batch = lines(*visits, {"nomenclature_code": 428035})
    key = 10 + basic_visits
    assert list(run_rule("visit_supplement_without_nth_basic_visit", batch)) == ([key] if rejected else [])


def test_only_supplements_need_basic_visits_whatever_rank_a_code_has() -> None:
    nomenclature = sample_reference()["nomenclature"]
    ranked = nomenclature.with_columns(
        pl.when(pl.col("code") == INJECTION).then(3).otherwise(pl.col("visit_rank")).alias("visit_rank")
    )
    reference = sample_reference().replace(nomenclature=ranked)
    assert (
        run_rule(
            "visit_supplement_without_nth_basic_visit", lines({"nomenclature_code": INJECTION}), reference=reference
        )
        == {}
    )


@pytest.mark.parametrize(("day", "needed"), [(date(2017, 9, 30), False), (date(2017, 10, 1), True)])
def test_eid_reading_needed_from_its_first_day(day: date, needed: bool) -> None:
    found = run_rule("eid_reading_missing", lines({"has_eid": False, "first_service_date": day}))
    assert list(found) == ([10] if needed else [])


# --- payment schedule: 14 days after reception, never before a file received earlier ---------------------------------


@pytest.mark.parametrize(
    ("received", "last_date", "paid"),
    [
        (datetime(2025, 4, 2, 23, 59), None, date(2025, 4, 16)),  # the reception day counts, not its time
        (datetime(2025, 4, 2, 9), date(2025, 4, 15), date(2025, 4, 16)),  # an earlier file paid the day before
        (datetime(2025, 4, 2, 9), date(2025, 4, 16), date(2025, 4, 16)),  # ... the same day
        (datetime(2025, 4, 2, 9), date(2025, 4, 17), date(2025, 4, 17)),  # ... the day after: paid with it
    ],
)
def test_payment_date_at_the_sides_of_the_last_payment_date(
    received: datetime, last_date: date | None, paid: date
) -> None:
    slot = schedule_payment(received, 41, last_date)
    assert (slot.order, slot.payment_date) == (42, paid)
