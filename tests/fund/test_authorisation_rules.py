"""Every authorisation rule: the smallest DEMAUT batch that triggers it, and one that does not; then decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import pytest

from tierspayant.schemes.lu_kin.formats.models import DecisionOutcome
from tierspayant.schemes.lu_kin.fund.decisions import Decisions, decide
from tierspayant.schemes.lu_kin.rules_tables import authorisation_rules, with_effective_acts

from .batches import FACTURIER, PATIENT, REFERENCE, Batch, request


def run(batch: Batch) -> Decisions:
    requests = with_effective_acts(batch.requests_frame(), REFERENCE["conversion"])
    history = {k: v for k, v in batch.history().items() if k in ("insured", "affiliations", "providers", "memberships")}
    return decide(requests, batch.file("DEMAUT"), history, REFERENCE)


def hits(batch: Batch, rule: str) -> list[str]:
    return sorted(run(batch).findings.filter(pl.col("rule") == rule).get_column("key").to_list())


def test_baseline_is_granted() -> None:
    result = run(Batch())
    assert result.findings.height == 0
    (decision,) = result.requests
    assert decision.outcome is DecisionOutcome.ACCORD
    assert decision.covered_acts == [("ZK11", 8)] and decision.rate_e2 == 7000


def affiliation(valid_to: date) -> dict[str, Any]:
    return {"matricule": PATIENT, "fund": "CNS", "valid_from": date(2000, 1, 1), "valid_to": valid_to}


# (rule, batch that triggers it, near miss that does not: one value changed)
CASES: list[tuple[str, Callable[[], Batch], Callable[[], Batch]]] = [
    (
        "auth_facturier_known",
        lambda: Batch(providers=[{"code": "70012346", "name": "Cabinet", "kind": "group"}]),
        lambda: Batch(providers=[{"code": FACTURIER, "name": "Cabinet", "kind": "group"}]),
    ),
    (
        "auth_affiliation",  # prescribed on 2024-03-01
        lambda: Batch(affiliations=[affiliation(valid_to=date(2024, 2, 29))]),
        lambda: Batch(affiliations=[affiliation(valid_to=date(2024, 3, 1))]),
    ),
    (
        "auth_prescriber_known",
        lambda: Batch(
            requests=[
                request(prescriber_code="10456789", prescription_date=date(2019, 1, 2), received_on=date(2019, 1, 3))
            ]
        ),
        lambda: Batch(
            requests=[
                request(prescriber_code="10456789", prescription_date=date(2018, 12, 31), received_on=date(2019, 1, 3))
            ]
        ),
    ),
    (
        "auth_electronic_channel",
        lambda: Batch(requests=[request(prescription_date=date(2016, 12, 31), received_on=date(2017, 1, 2))]),
        lambda: Batch(requests=[request(prescription_date=date(2017, 1, 1), received_on=date(2017, 1, 2))]),
    ),
    (
        "auth_request_delay",
        lambda: Batch(requests=[request(received_on=date(2024, 4, 2))]),
        lambda: Batch(requests=[request(received_on=date(2024, 4, 1))]),
    ),
    (
        "auth_act_valid",  # ZK11 is in the nomenclature from 2017-01-01
        lambda: Batch(requests=[request(prescription_date=date(2016, 12, 31), received_on=date(2017, 1, 2))]),
        lambda: Batch(requests=[request(prescription_date=date(2017, 1, 1), received_on=date(2017, 1, 2))]),
    ),
    (
        "auth_act_category",  # ZK31 serves SERIOUS only
        lambda: Batch(requests=[request(act_code="ZK31", pathology="COMMON")]),
        lambda: Batch(requests=[request(act_code="ZK31", pathology="SERIOUS")]),
    ),
    (
        "auth_session_limit",
        lambda: Batch(requests=[request(sessions=5), request(row_id=1, act_order=2, act_code="ZK12", sessions=4)]),
        lambda: Batch(requests=[request(sessions=5), request(row_id=1, act_order=2, act_code="ZK12", sessions=3)]),
    ),
    (
        "auth_prescription_document",
        lambda: Batch(requests=[request(document_problem="not PDF/A")]),
        lambda: Batch(requests=[request(document_problem=None)]),
    ),
    (
        "auth_place_known",  # annex 08 lists 01 to 06
        lambda: Batch(requests=[request(place_category="07")]),
        lambda: Batch(requests=[request(place_category="06")]),
    ),
    (
        "auth_performer_allowed",
        lambda: Batch(requests=[request(performer_code="70099999")]),
        lambda: Batch(requests=[request(performer_code=FACTURIER)]),
    ),
    (  # (c) a serious pathology beyond the 64 sessions of the statutes: suspended for the Contrôle médical's advice
        "auth_medical_advice",
        lambda: Batch(requests=[request(pathology="SERIOUS", act_code="ZK31", sessions=65)]),
        lambda: Batch(requests=[request(pathology="SERIOUS", act_code="ZK31", sessions=64)]),
    ),
    (
        "auth_act_converted",
        lambda: Batch(requests=[request(act_code="K01")]),
        lambda: Batch(requests=[request(act_code="ZK11")]),
    ),
]


def test_every_authorisation_rule_has_a_case() -> None:
    assert {rule.id for rule in authorisation_rules()} == {case[0] for case in CASES}


@pytest.mark.parametrize(("rule", "triggering", "near_miss"), CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_and_near_miss_does_not(
    rule: str, triggering: Callable[[], Batch], near_miss: Callable[[], Batch]
) -> None:
    expected = ["F70012345202403_KIN_TEST"] if rule == "auth_facturier_known" else ["DA1"]
    assert hits(triggering(), rule) == expected
    assert hits(near_miss(), rule) == []


def test_refusal_carries_codes_and_remarks() -> None:
    (decision,) = run(Batch(requests=[request(place_category="99")])).requests
    assert decision.outcome is DecisionOutcome.REFUS and not decision.covered_acts
    (code, label, remark) = decision.anomalies[0]
    assert code == "K109" and label and remark and "99" in remark


def test_missing_prescription_suspends_with_motivation() -> None:
    (decision,) = run(Batch(requests=[request(document_problem="scan ORD-DA1.pdf not received")])).requests
    assert decision.outcome is DecisionOutcome.SUSPENS
    assert decision.motivation == "scan ORD-DA1.pdf not received"


def test_sessions_capped_at_the_category_limit_in_act_order() -> None:
    batch = Batch(requests=[request(sessions=6), request(row_id=1, act_order=2, act_code="ZK12", sessions=6)])
    (decision,) = run(batch).requests
    assert decision.outcome is DecisionOutcome.ACCORD
    assert decision.covered_acts == [("ZK11", 6), ("ZK12", 2)]
    assert [a[0] for a in decision.anomalies] == ["K107"]


def test_old_act_granted_as_its_new_act() -> None:
    (decision,) = run(Batch(requests=[request(act_code="K01")])).requests
    assert decision.outcome is DecisionOutcome.ACCORD and decision.covered_acts == [("ZK11", 8)]


def test_minor_gets_full_coverage() -> None:
    child = "2011060500106"
    batch = Batch(
        requests=[request(matricule=child)],
        insured=[{"matricule": child, "birth_date": date(2011, 6, 5)}],
        affiliations=[
            {"matricule": child, "fund": "CNS", "valid_from": date(2011, 6, 5), "valid_to": date(9999, 12, 31)}
        ],
    )
    (decision,) = run(batch).requests
    assert decision.rate_e2 == 10000 and decision.coverage_rate == 100
    assert child != PATIENT
