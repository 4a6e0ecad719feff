"""Every REFAC rule of rules.yaml: the smallest batch that triggers it, and one that does not."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import polars as pl
import pytest

from rules_mutation.harness import RULE_TEST_MODULES, baseline, cases, not_a_rule_case
from tierspayant.core.findings import Effect, Level
from tierspayant.core.identifiers.niss import compute_niss
from tierspayant.schemes.be_nursing.mutuality.evaluation import refac_rules
from tierspayant.schemes.be_nursing.mutuality.tables import sending_table

from .helpers import (
    DAY,
    DIABETES_PATH,
    FIRST_VISIT,
    HOSPITAL_KNOWN,
    HOSPITAL_OPEN,
    INJECTION,
    MEDICAL_HOUSE,
    NEXT_VISIT,
    NURSE,
    NURSE_2,
    OTHER,
    PALLIATIVE,
    PLAIN,
    UNKNOWN,
    history,
    invoices,
    lines,
    run_rule,
    sample_reference,
)


def covers(rule_id: str) -> str:
    """Names, for the reader, the rule a test shows firing (test_every_rule_has_a_triggering_test reads the results)."""
    return rule_id


# --- 500420 unknown code -------------------------------------------------------------------------------------------


def test_unknown_code_is_rejected() -> None:
    assert run_rule(covers("nomenclature_code_unknown"), lines({"nomenclature_code": 999999})) == {
        10: "Code 999999 non valable au 03/03/2025"
    }


def test_known_code_passes_and_validity_dates_count() -> None:
    assert run_rule("nomenclature_code_unknown", lines({"nomenclature_code": INJECTION})) == {}
    before = lines({"nomenclature_code": INJECTION, "first_service_date": date(2014, 12, 31)})
    assert list(run_rule("nomenclature_code_unknown", before)) == [10]


def test_overlapping_validity_periods_of_a_code_are_refused() -> None:
    reference = sample_reference()
    nomenclature = reference["nomenclature"]
    twice = pl.concat([nomenclature, nomenclature.filter(pl.col("code") == INJECTION)])
    with pytest.raises(ValueError, match="overlapping validity"):
        run_rule("nomenclature_code_unknown", lines({}), reference=reference.replace(nomenclature=twice))


def test_the_row_valid_at_the_service_date_is_taken() -> None:
    reference = sample_reference()
    nomenclature = reference["nomenclature"]
    current = nomenclature.filter(pl.col("code") == INJECTION)
    start = current["valid_from"][0]
    older = current.with_columns(
        pl.lit(date(2000, 1, 1)).alias("valid_from"),
        pl.lit(start - timedelta(days=1)).alias("valid_to"),
        pl.lit(None, dtype=pl.Utf8).alias("family"),  # unknown then: its lines are refused (500420)
    )
    replaced = reference.replace(nomenclature=pl.concat([nomenclature, older]))
    before = lines({"first_service_date": start - timedelta(days=1)}, {"first_service_date": start})
    assert list(run_rule("nomenclature_code_unknown", before, reference=replaced)) == [10]


# --- 500423 already billed ---------------------------------------------------------------------------------------


def test_service_already_accepted_or_twice_in_the_sending_is_rejected() -> None:
    past = history({"nomenclature_code": INJECTION, "care_provider": NURSE})
    assert run_rule(covers("already_billed"), lines({"nomenclature_code": INJECTION}), past=past) == {
        10: "Déjà facturée: facture 000000000077 de 90000000002"
    }
    twice = lines({"nomenclature_code": INJECTION}, {"nomenclature_code": INJECTION})
    assert list(run_rule("already_billed", twice)) == [11]


def test_repeated_service_with_its_repetition_code_or_by_another_nurse_passes() -> None:
    batch = lines(
        {"nomenclature_code": INJECTION},
        {"nomenclature_code": INJECTION, "same_day_repetition": 3},
        {"nomenclature_code": INJECTION, "care_provider": NURSE_2},
        {"nomenclature_code": INJECTION, "first_service_date": DAY + timedelta(days=1)},
    )
    past = history({"nomenclature_code": INJECTION, "first_service_date": DAY - timedelta(days=1)})
    assert run_rule("already_billed", batch, past=past) == {}


# --- 502255 units per day (first basic visit once per patient per day across nurses) -------------------------------


def test_second_first_basic_visit_same_day_is_rejected_even_by_another_nurse() -> None:
    batch = lines(
        {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE},
        {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE_2},
    )
    assert run_rule(covers("units_per_day_exceeded"), batch) == {11: "425014 du 03/03/2025 facturée par 10000000001"}


def test_first_basic_visit_already_accepted_earlier_rejects_the_new_one() -> None:
    past = history({"nomenclature_code": 425375, "care_provider": NURSE_2})  # weekend code, same limit group
    found = run_rule("units_per_day_exceeded", lines({"nomenclature_code": FIRST_VISIT}), past=past)
    assert found == {10: "425375 du 03/03/2025 facturée par 10000000002"}


def test_first_basic_visits_on_other_days_or_patients_pass() -> None:
    batch = lines(
        {"nomenclature_code": FIRST_VISIT},
        {"nomenclature_code": FIRST_VISIT, "first_service_date": DAY + timedelta(days=1)},
        {"nomenclature_code": FIRST_VISIT, "niss": OTHER},
        {"nomenclature_code": NEXT_VISIT},
        {"nomenclature_code": NEXT_VISIT},
    )
    assert run_rule("units_per_day_exceeded", batch) == {}


def test_visit_supplement_twice_the_same_day_is_rejected() -> None:
    visits = [{"nomenclature_code": FIRST_VISIT}] + [{"nomenclature_code": NEXT_VISIT}] * 3
    batch = lines(*visits, {"nomenclature_code": 428035}, {"nomenclature_code": 428035})
    assert list(run_rule("units_per_day_exceeded", batch)) == [15]


# --- 500459 supplements 428035 / 428050 / 428072 -------------------------------------------------------------------


def _visits(count: int, provider: str = NURSE) -> list[dict[str, object]]:
    return [
        {"nomenclature_code": FIRST_VISIT if i == 0 else NEXT_VISIT, "care_provider": provider} for i in range(count)
    ]


def test_third_visit_supplement_with_only_two_visits_is_rejected() -> None:
    batch = lines(*_visits(2), {"nomenclature_code": 428035})
    found = run_rule(covers("visit_supplement_without_nth_basic_visit"), batch)
    assert found == {12: "Supplément 428035: 2 prestation(s) de base le 03/03/2025, 3 exigées"}


def test_the_nurse_who_made_the_third_visit_bills_it_after_another_nurses_first_two() -> None:
    """Seed: "Seul le dispensateur de soins qui a effectivement exécuté cette 3e visite … peut attester"."""
    morning = [{**v, "service_time": t} for v, t in zip(_visits(2), (800, 1200), strict=True)]
    evening = {"nomenclature_code": NEXT_VISIT, "care_provider": NURSE_2, "service_time": 1900}
    supplement = {"nomenclature_code": 428035, "care_provider": NURSE_2, "service_time": 1900}
    assert run_rule("visit_supplement_without_nth_basic_visit", lines(*morning, evening, supplement)) == {}
    # near miss: the same day, but the first nurse bills the supplement of the visit she did not make
    by_first = {**supplement, "care_provider": NURSE}
    assert run_rule("visit_supplement_without_nth_basic_visit", lines(*morning, evening, by_first)) == {
        13: "Supplément 428035: la visite 3 du 03/03/2025 a été faite par 10000000002"
    }


def test_visits_are_numbered_by_their_time_across_nurses() -> None:
    # the second nurse's visit at 07:00 is the day's first: the 3rd visit is the first nurse's 12:00 one
    early = {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE_2, "service_time": 700}
    later = [{"nomenclature_code": NEXT_VISIT, "care_provider": NURSE, "service_time": t} for t in (900, 1200)]
    by_nurse = {"nomenclature_code": 428035, "care_provider": NURSE}
    assert run_rule("visit_supplement_without_nth_basic_visit", lines(*later, early, by_nurse)) == {}
    by_nurse_2 = {"nomenclature_code": 428035, "care_provider": NURSE_2}
    assert list(run_rule("visit_supplement_without_nth_basic_visit", lines(*later, early, by_nurse_2))) == [13]


def test_supplements_with_enough_visits_pass_and_the_fifth_needs_five() -> None:
    batch = lines(*_visits(4), {"nomenclature_code": 428035}, {"nomenclature_code": 428050})
    assert run_rule("visit_supplement_without_nth_basic_visit", batch) == {}
    batch = lines(
        *_visits(4), {"nomenclature_code": 428035}, {"nomenclature_code": 428050}, {"nomenclature_code": 428072}
    )
    assert list(run_rule("visit_supplement_without_nth_basic_visit", batch)) == [16]


def test_visits_accepted_earlier_by_the_same_nurse_count() -> None:
    past = history(*[{"nomenclature_code": NEXT_VISIT, "care_provider": NURSE}] * 2)
    batch = lines({"nomenclature_code": FIRST_VISIT}, {"nomenclature_code": 428035})
    assert run_rule("visit_supplement_without_nth_basic_visit", batch, past=past) == {}


# --- 500444 / 500445 cumulation ------------------------------------------------------------------------------------


def test_not_cumulable_same_day_rejects_both_lines_of_the_sending_and_names_the_other() -> None:
    batch = lines({"nomenclature_code": 425272}, {"nomenclature_code": FIRST_VISIT, "care_provider": NURSE_2})
    found = run_rule(covers("not_cumulable_same_day"), batch)
    assert found == {
        10: "425014 du 03/03/2025 facturée par 10000000002",
        11: "425272 du 03/03/2025 facturée par 10000000001",
    }


def test_not_cumulable_same_day_with_an_accepted_service() -> None:
    past = history({"nomenclature_code": FIRST_VISIT})
    assert list(run_rule("not_cumulable_same_day", lines({"nomenclature_code": 425272}), past=past)) == [10]


def test_cumulable_or_other_day_passes() -> None:
    batch = lines(
        {"nomenclature_code": 425272},
        {"nomenclature_code": FIRST_VISIT, "first_service_date": DAY + timedelta(days=1)},
        {"nomenclature_code": INJECTION},
        {"nomenclature_code": FIRST_VISIT, "niss": OTHER},
    )
    assert run_rule("not_cumulable_same_day", batch) == {}


def test_not_cumulable_same_period_overlapping_periods() -> None:
    batch = lines(
        {"nomenclature_code": 427390, "niss": PALLIATIVE, "last_service_date": DAY + timedelta(days=5)},
        {"nomenclature_code": 423135, "niss": PALLIATIVE, "first_service_date": DAY + timedelta(days=5)},
    )
    found = run_rule(covers("not_cumulable_same_period"), batch)
    assert found[10] == "423135 du 08/03/2025 au 08/03/2025 facturée par 10000000001"
    assert set(found) == {10, 11}


def test_not_cumulable_same_period_disjoint_periods_pass() -> None:
    batch = lines(
        {"nomenclature_code": 427390, "niss": PALLIATIVE, "last_service_date": DAY + timedelta(days=5)},
        {"nomenclature_code": 423135, "niss": PALLIATIVE, "first_service_date": DAY + timedelta(days=6)},
    )
    assert run_rule("not_cumulable_same_period", batch) == {}


# --- 500403 diabetes care path -------------------------------------------------------------------------------------


def test_diabetes_service_under_care_path_is_rejected() -> None:
    batch = lines({"nomenclature_code": 423135, "niss": DIABETES_PATH})
    assert run_rule(covers("diabetes_service_under_care_path"), batch) == {
        10: "Le patient a un trajet de soins diabète à cette date."
    }


def test_diabetes_service_without_or_before_care_path_passes() -> None:
    batch = lines(
        {"nomenclature_code": 423135, "niss": PLAIN},
        {"nomenclature_code": 423135, "niss": DIABETES_PATH, "first_service_date": date(2022, 12, 31)},
        {"nomenclature_code": INJECTION, "niss": DIABETES_PATH},
    )
    assert run_rule("diabetes_service_under_care_path", batch) == {}


# --- 500450 medical house ------------------------------------------------------------------------------------------


def test_medical_house_contract_covering_nursing_rejects() -> None:
    batch = lines({"niss": MEDICAL_HOUSE})
    assert run_rule(covers("medical_house_contract"), batch) == {
        10: "L'affilié est inscrit à la maison médicale 000000099"
    }


def test_medical_house_contract_without_nursing_or_not_covered_code_passes() -> None:
    reference = sample_reference()
    contracts = reference["medical_house_contracts"].with_columns(pl.lit("MK").alias("disciplines"))
    assert (
        run_rule(
            "medical_house_contract",
            lines({"niss": MEDICAL_HOUSE}),
            reference=reference.replace(medical_house_contracts=contracts),
        )
        == {}
    )
    assert run_rule("medical_house_contract", lines({"niss": MEDICAL_HOUSE, "nomenclature_code": 425736})) == {}
    assert (
        run_rule("medical_house_contract", lines({"niss": MEDICAL_HOUSE, "first_service_date": date(2021, 12, 31)}))
        == {}
    )


# --- 200802 / 500812 the beneficiary's NISS --------------------------------------------------------------------------


def test_invalid_niss_of_the_invoice_is_rejected() -> None:
    bad = invoices({"niss": "85010100116"})  # check digits 16 where 15 is right
    assert run_rule(covers("beneficiary_niss_invalid"), lines({}), invoice_rows=bad) == {
        2: "NISS 85010100116 invalide (chiffres de contrôle, date de naissance ou numéro d'ordre)"
    }
    assert list(run_rule("beneficiary_niss_invalid", lines({}), invoice_rows=invoices({"niss": "85133100190"}))) == [2]


def test_valid_niss_bis_number_and_birth_from_2000_pass() -> None:
    for niss in (PLAIN, compute_niss(date(2003, 1, 2), 246), compute_niss(date(1970, 5, 6), 17, bis=40)):
        assert run_rule("beneficiary_niss_invalid", lines({}), invoice_rows=invoices({"niss": niss})) == {}, niss


def test_line_of_another_beneficiary_than_its_invoice_is_rejected() -> None:
    batch = lines({"niss": PLAIN}, {"niss": OTHER})
    assert run_rule(covers("line_niss_differs_from_invoice"), batch, invoice_rows=invoices({"niss": PLAIN})) == {
        11: "NISS 85010100214 différent de celui de l'enregistrement 20 (85010100115)"
    }
    assert run_rule("line_niss_differs_from_invoice", lines({}, {}), invoice_rows=invoices({"niss": PLAIN})) == {}


# --- 200742 beneficiary unknown ------------------------------------------------------------------------------------


def test_unknown_beneficiary_rejects_the_invoice() -> None:
    batch = lines({"niss": "78040571525"})
    found = run_rule(covers("beneficiary_unknown"), batch, invoice_rows=invoices({"niss": "78040571525"}))
    assert found == {2: "NISS 78040571525 inconnu à la mutualité 319"}


def test_known_beneficiary_passes_but_only_at_its_own_mutuality() -> None:
    assert run_rule("beneficiary_unknown", lines({"niss": UNKNOWN}), invoice_rows=invoices({"niss": UNKNOWN})) == {}
    other_mutuality = invoices({"niss": UNKNOWN, "affiliation_mutuality": 216})
    assert list(run_rule("beneficiary_unknown", lines({"niss": UNKNOWN}), invoice_rows=other_mutuality)) == [2]


# --- 500545 hospital stay ------------------------------------------------------------------------------------------


def test_service_during_known_hospital_stay_is_rejected() -> None:
    batch = lines({"niss": HOSPITAL_KNOWN, "first_service_date": date(2025, 3, 15)})
    assert run_rule(covers("billed_during_hospital_stay"), batch) == {
        10: "Hospitalisé 71099901 du 10/03/2025 à 20/03/2025"
    }


def test_service_on_admission_or_discharge_day_or_after_passes() -> None:
    batch = lines(
        {"niss": HOSPITAL_KNOWN, "first_service_date": date(2025, 3, 10)},
        {"niss": HOSPITAL_KNOWN, "first_service_date": date(2025, 3, 20)},
        {"niss": HOSPITAL_KNOWN, "first_service_date": date(2025, 3, 25), "has_eid": False},
    )
    assert run_rule("billed_during_hospital_stay", batch) == {}


def test_unknown_discharge_is_relaxed_by_an_eid_reading() -> None:
    without_eid = lines({"niss": HOSPITAL_OPEN, "first_service_date": date(2025, 3, 15), "has_eid": False})
    assert run_rule("billed_during_hospital_stay", without_eid) == {
        10: "Hospitalisé 71099902 du 05/03/2025 à (sortie inconnue)"
    }
    with_eid = lines({"niss": HOSPITAL_OPEN, "first_service_date": date(2025, 3, 15), "has_eid": True})
    assert run_rule("billed_during_hospital_stay", with_eid) == {}


# --- 500464 424874 only after 424896 -------------------------------------------------------------------------------


def test_424874_without_424896_is_rejected() -> None:
    assert run_rule(covers("billed_before_required_service"), lines({"nomenclature_code": 424874})) == {
        10: "424874 uniquement après 424896"
    }
    later = lines(
        {"nomenclature_code": 424874}, {"nomenclature_code": 424896, "first_service_date": DAY + timedelta(1)}
    )
    assert list(run_rule("billed_before_required_service", later)) == [10]


def test_424874_after_424896_in_the_sending_or_accepted_earlier_passes() -> None:
    same = lines({"nomenclature_code": 424896}, {"nomenclature_code": 424874})
    assert run_rule("billed_before_required_service", same) == {}
    past = history({"nomenclature_code": 424896, "first_service_date": date(2024, 11, 2)})
    assert run_rule("billed_before_required_service", lines({"nomenclature_code": 424874}), past=past) == {}


# --- 5004K3 palliative flat fee ------------------------------------------------------------------------------------


def _notifications(*rows: tuple[str, str, date, date]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["niss", "notifier", "registered_on", "effective_from"], orient="row")


def test_palliative_flat_fee_after_both_notifications_passes() -> None:
    # doctor 2025-02-20, nurse registered 2025-03-01 back-dated to 2025-02-25 (≤ 10 days): valid from 2025-02-25
    batch = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 2, 25)})
    assert run_rule(covers("palliative_flat_fee_without_notifications"), batch) == {}


def test_palliative_flat_fee_before_the_notifications_is_rejected() -> None:
    batch = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 2, 24)})
    assert run_rule("palliative_flat_fee_without_notifications", batch) == {
        10: "Prestation antérieure aux notifications valables à partir du 25/02/2025"
    }


def test_nurse_notification_back_dated_more_than_10_days_counts_from_10_days() -> None:
    reference = sample_reference().replace(
        palliative_notifications=_notifications(
            (PALLIATIVE, "doctor", date(2025, 2, 1), date(2025, 2, 1)),
            (PALLIATIVE, "nurse", date(2025, 3, 1), date(2025, 2, 5)),
        )
    )
    early = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 2, 18)})
    assert list(run_rule("palliative_flat_fee_without_notifications", early, reference=reference)) == [10]
    in_time = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 2, 19)})
    assert run_rule("palliative_flat_fee_without_notifications", in_time, reference=reference) == {}


def test_missing_doctor_notification_or_doctor_registered_too_late() -> None:
    batch = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 3, 10)})
    only_nurse = sample_reference().replace(
        palliative_notifications=_notifications((PALLIATIVE, "nurse", date(2025, 3, 1), date(2025, 3, 1)))
    )
    assert run_rule("palliative_flat_fee_without_notifications", batch, reference=only_nurse) == {
        10: "Notification du médecin absente"
    }
    only_doctor = sample_reference().replace(
        palliative_notifications=_notifications((PALLIATIVE, "doctor", date(2025, 3, 1), date(2025, 3, 1)))
    )
    assert run_rule("palliative_flat_fee_without_notifications", batch, reference=only_doctor) == {
        10: "Notification infirmière 420900 absente"
    }
    doctor_late = sample_reference().replace(
        palliative_notifications=_notifications(
            (PALLIATIVE, "nurse", date(2025, 1, 1), date(2025, 1, 1)),
            (PALLIATIVE, "doctor", date(2025, 2, 5), date(2025, 2, 5)),  # 35 days after the nurse's
        )
    )
    assert run_rule("palliative_flat_fee_without_notifications", batch, reference=doctor_late) == {
        10: "Notification 420900 enregistrée sans notification préalable du médecin"
    }


def test_doctor_regularising_within_30_days_validates_the_nurse_notification() -> None:
    reference = sample_reference().replace(
        palliative_notifications=_notifications(
            (PALLIATIVE, "nurse", date(2025, 2, 1), date(2025, 2, 1)),
            (PALLIATIVE, "doctor", date(2025, 3, 1), date(2025, 2, 1)),
        )
    )
    batch = lines({"nomenclature_code": 427390, "niss": PALLIATIVE, "first_service_date": date(2025, 3, 10)})
    assert run_rule("palliative_flat_fee_without_notifications", batch, reference=reference) == {}


# --- 501942 daily ceiling ------------------------------------------------------------------------------------------


def test_daily_ceiling_exceeded_rejects_the_lines_beyond_it() -> None:
    batch = lines({"insurance_amount": 20000}, {"insurance_amount": 5000}, {"insurance_amount": 1})
    assert run_rule(covers("daily_ceiling_exceeded"), batch) == {
        12: "Plafond dépassé par 90000000001 dans fact 000000000001"
    }


def test_daily_ceiling_counts_accepted_services_and_not_flat_fees() -> None:
    past = history({"insurance_amount": 24000})
    found = run_rule("daily_ceiling_exceeded", lines({"insurance_amount": 1500}), past=past)
    assert found == {10: "Plafond dépassé par 90000000002 dans fact 000000000077"}
    flat = lines({"insurance_amount": 24000}, {"nomenclature_code": 425272, "insurance_amount": 50000})
    assert run_rule("daily_ceiling_exceeded", flat) == {}


# --- 500112 eID record 52 ------------------------------------------------------------------------------------------


def test_missing_eid_reading_from_2017_10_01_is_rejected() -> None:
    assert run_rule(
        covers("eid_reading_missing"), lines({"has_eid": False, "first_service_date": date(2017, 10, 1)})
    ) == {10: "Lecture eID (enregistrement 52) absente"}


def test_eid_not_needed_before_2017_10_01_or_for_pseudo_codes() -> None:
    batch = lines(
        {"has_eid": False, "first_service_date": date(2017, 9, 30)},
        {"has_eid": False, "nomenclature_code": 425736},
        {"has_eid": True},
    )
    assert run_rule("eid_reading_missing", batch) == {}


# --- 500452 informative --------------------------------------------------------------------------------------------


def test_later_basic_visit_without_first_is_informative() -> None:
    assert list(run_rule(covers("first_service_not_first_basic_visit"), lines({"nomenclature_code": NEXT_VISIT}))) == [
        10
    ]
    assert (
        run_rule(
            "first_service_not_first_basic_visit",
            lines({"nomenclature_code": NEXT_VISIT}),
            past=history({"nomenclature_code": FIRST_VISIT}),
        )
        == {}
    )


# --- payment commitment zones against the insurability answer ------------------------------------------------------


COMMITMENT = {
    "payment_commitment_part_a": 2,
    "insurability_start_date": date(2025, 3, 1),
    "insurability_end_date": date(2025, 3, 31),
    "communication_date": date(2025, 3, 1),
}


ZONE_RULES = [
    ("insurability_start_without_commitment", "insurability_start_date"),
    ("insurability_end_without_commitment", "insurability_end_date"),
    ("communication_date_without_commitment", "communication_date"),
    ("maf_current_year_without_commitment", "maf_current_year"),
    ("maf_previous_year_without_commitment", "maf_previous_year"),
    ("maf_two_years_ago_without_commitment", "maf_two_years_ago"),
]


@pytest.mark.parametrize(("rule_id", "zone"), ZONE_RULES)
def test_zones_53_58_only_with_a_payment_commitment(rule_id: str, zone: str) -> None:
    value: object = 1 if zone.startswith("maf") else date(2025, 3, 1)
    filled_without = invoices({"payment_commitment_part_a": 1, zone: value})
    assert list(run_rule(rule_id, lines({}), invoice_rows=filled_without)) == [2]
    filled_with = invoices({**COMMITMENT, zone: value})
    assert run_rule(rule_id, lines({}), invoice_rows=filled_with) == {}
    empty = invoices({"payment_commitment_part_a": 0})
    assert run_rule(rule_id, lines({}), invoice_rows=empty) == {}


def test_part_a_must_be_0_1_or_2() -> None:
    assert list(
        run_rule(
            covers("commitment_part_a_invalid"), lines({}), invoice_rows=invoices({"payment_commitment_part_a": 3})
        )
    ) == [2]
    for part_a in (0, 1):
        assert (
            run_rule(
                "commitment_part_a_invalid", lines({}), invoice_rows=invoices({"payment_commitment_part_a": part_a})
            )
            == {}
        )
    assert run_rule("commitment_part_a_invalid", lines({}), invoice_rows=invoices(COMMITMENT)) == {}


def test_commitment_ct1_ct2_must_match_the_insurability_answer() -> None:
    wrong = invoices({**COMMITMENT, "ct1": 130, "ct2": 130})
    assert run_rule(covers("commitment_ct_differs_from_answer"), lines({}), invoice_rows=wrong) == {
        2: "CT1-CT2 130-130 différent de la réponse d'assurabilité"
    }
    assert run_rule("commitment_ct_differs_from_answer", lines({}), invoice_rows=invoices(COMMITMENT)) == {}
    no_commitment = invoices({"ct1": 130, "ct2": 130})
    assert run_rule("commitment_ct_differs_from_answer", lines({}), invoice_rows=no_commitment) == {}


def test_commitment_period_must_be_covered_by_the_answer() -> None:
    before = invoices({**COMMITMENT, "insurability_start_date": date(2014, 12, 1)})
    assert list(run_rule(covers("commitment_start_not_in_answer"), lines({}), invoice_rows=before)) == [2]
    assert run_rule("commitment_start_not_in_answer", lines({}), invoice_rows=invoices(COMMITMENT)) == {}
    reversed_period = invoices({**COMMITMENT, "insurability_end_date": date(2025, 2, 1)})
    assert list(run_rule(covers("commitment_end_not_in_answer"), lines({}), invoice_rows=reversed_period)) == [2]
    assert run_rule("commitment_end_not_in_answer", lines({}), invoice_rows=invoices(COMMITMENT)) == {}
    missing_end = invoices({**COMMITMENT, "insurability_end_date": None})
    assert list(run_rule("commitment_end_not_in_answer", lines({}), invoice_rows=missing_end)) == [2]


def test_service_outside_the_commitment_period_is_rejected() -> None:
    zones = {k: v for k, v in COMMITMENT.items() if k != "communication_date"}
    batch = lines({**zones, "first_service_date": date(2025, 4, 1)}, {**zones, "first_service_date": date(2025, 3, 31)})
    assert run_rule(covers("service_outside_commitment_period"), batch) == {
        10: "Engagement de paiement du 01/03/2025 au 31/03/2025"
    }
    assert run_rule("service_outside_commitment_period", lines({"first_service_date": date(2025, 4, 1)})) == {}


# --- 201803 / 801803 the PUC of zone 18 (records 20 and 80) ------------------------------------------------------

GROUP = "30012345001"  # served by PUC 319 in the SAMPLE register (reference/pucs.csv)
MOVED = "30012345002"  # PUC 317 until 2024-03-31, PUC 318 from 2024-04-01 (a quarterly change)


def _puc(rule_id: str, third_party: str, received: date, destination: int, trailer: int | None = None) -> dict:
    rows = invoices({"destination_mutuality": destination, "trailer_key": 9,
                     "trailer_destination_mutuality": destination if trailer is None else trailer})
    return run_rule(rule_id, lines({}), invoice_rows=rows, sending=sending_table(third_party, received))


def test_zone_18_not_the_groups_puc_is_rejected_with_the_official_code() -> None:
    assert _puc(covers("destination_not_the_puc"), GROUP, date(2025, 3, 4), 318) == {
        2: "Zone 18: 318 n'est pas le PUC du tiers payant 30012345001 au 04/03/2025 (319)"
    }
    assert _puc("destination_not_the_puc", GROUP, date(2025, 3, 4), 319) == {}


def test_the_puc_register_is_versioned_by_reception_date() -> None:
    assert _puc("destination_not_the_puc", MOVED, date(2024, 3, 31), 317) == {}  # last day of the old PUC
    assert list(_puc("destination_not_the_puc", MOVED, date(2024, 3, 31), 318)) == [2]
    assert _puc("destination_not_the_puc", MOVED, date(2024, 4, 1), 318) == {}  # first day of the new one
    assert list(_puc("destination_not_the_puc", MOVED, date(2024, 4, 1), 317)) == [2]


def test_a_provider_without_a_puc_is_rejected() -> None:
    found = _puc("destination_not_the_puc", "30099999999", date(2025, 3, 4), 319)
    assert found == {2: "Zone 18: 319 n'est pas le PUC du tiers payant 30099999999 au 04/03/2025 (aucun PUC attribue)"}


def test_zone_18_of_record_80_is_checked_too() -> None:
    assert _puc(covers("trailer_destination_not_the_puc"), GROUP, date(2025, 3, 4), 319, trailer=318) == {
        9: "Zone 18: 318 n'est pas le PUC du tiers payant 30012345001 (319)"
    }
    assert _puc("trailer_destination_not_the_puc", GROUP, date(2025, 3, 4), 319, trailer=319) == {}


# --- the rule set itself -------------------------------------------------------------------------------------------


def test_every_rule_code_is_an_official_code_and_effects_match_levels() -> None:
    data = resources.files("tierspayant.schemes.be_nursing.formats").joinpath("data", "efact_error_codes.json")
    entries = json.loads(data.read_text(encoding="utf-8"))
    official = {e["code"] for e in entries}
    blocking = {e["code"] for e in entries if e["type"] == "B"}
    for rule in refac_rules():
        assert rule.code in official, rule.id
        if rule.level is Level.INVOICE and rule.effect is Effect.REJECT_FILE:
            assert rule.code in blocking, rule.id  # only a blocking (type B) code rejects the whole file
        elif rule.level is Level.INVOICE:
            assert rule.effect is Effect.REJECT_BLOCK, rule.id
        else:
            assert rule.effect in (Effect.REJECT_LINE, Effect.INFORM), rule.id


@not_a_rule_case
def test_every_rule_has_a_triggering_test() -> None:
    """Each declared rule fired in some passing rule test: read from what the engine returned while the tests ran
    (recorded in this session, or the tests run here), not from their text."""
    base = baseline(cases(RULE_TEST_MODULES["tierspayant.schemes.be_nursing"]))
    assert base.failures == {}
    fired = set().union(*base.fired.values())
    assert {r.id for r in refac_rules()} - fired == set()
