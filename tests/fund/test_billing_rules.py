"""Every billing rule: the smallest batch that triggers it, and a near miss that does not (one value changed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import pytest

from tierspayant.schemes.lu_kin.fund.adjudication import Adjudication, adjudicate
from tierspayant.schemes.lu_kin.rules_tables import billing_rules
from tierspayant.schemes.lu_kin.titre import make_titre_id

from .batches import FACTURIER, OTHER_PATIENT, PATIENT, REFERENCE, TITRE, Batch, line, titre


def run(batch: Batch) -> Adjudication:
    return adjudicate(batch.lines_frame(), batch.file("FAC"), batch.history(), REFERENCE)


def hits(batch: Batch, rule: str) -> list[str]:
    found = run(batch).findings
    return sorted(found.filter(pl.col("rule") == rule).get_column("key").to_list())


def test_baseline_is_paid_in_full_without_findings() -> None:
    result = run(Batch())
    assert result.findings.height == 0
    paid = result.lines.row(0, named=True)
    assert paid["paid"] and paid["covered_cents"] == 2091 and paid["fund_tariff_cents"] == 2987


def provider(code: str) -> dict[str, Any]:
    return {"code": code, "name": "Cabinet", "kind": "group"}


def insured(matricule: str) -> dict[str, Any]:
    return {"matricule": matricule, "birth_date": date(1956, 3, 14)}


TWO_LINES = [line(), line(row_id=1, line_number=2, service_date=date(2024, 3, 12))]

# (rule, batch that triggers it, expected keys, near miss that does not)
CASES: list[tuple[str, Callable[[], Batch], list[str], Callable[[], Batch]]] = [
    (
        "bill_facturier_known",
        lambda: Batch(providers=[provider("70012346")]),
        ["F70012345202403_KIN_TEST"],
        lambda: Batch(providers=[provider(FACTURIER)]),
    ),
    (
        "bill_insured_known",
        lambda: Batch(insured=[insured(OTHER_PATIENT)]),
        ["MH1"],
        lambda: Batch(insured=[insured(PATIENT)]),
    ),
    (
        "bill_titre_exists",
        lambda: Batch(lines=[line(titre_id=make_titre_id(2024, 2))]),
        ["0"],
        lambda: Batch(lines=[line(titre_id=TITRE)]),
    ),
    (
        "bill_titre_patient",
        lambda: Batch(titres=[titre(matricule=OTHER_PATIENT)]),
        ["0"],
        lambda: Batch(titres=[titre(matricule=PATIENT)]),
    ),
    (
        "bill_titre_facturier",
        lambda: Batch(titres=[titre(facturier="70099999")]),
        ["0"],
        lambda: Batch(titres=[titre(facturier=FACTURIER)]),
    ),
    # (a) a titre the insured obtained by post: never third-party payment; the same titre granted on a DEMAUT is
    (
        "bill_titre_by_post",
        lambda: Batch(titres=[titre(channel="post")]),
        ["0"],
        lambda: Batch(titres=[titre(channel="electronic")]),
    ),
    (
        "bill_titre_validity",
        lambda: Batch(lines=[line(service_date=date(2024, 2, 29))]),
        ["0"],
        lambda: Batch(lines=[line(service_date=date(2024, 3, 1))]),
    ),
    (
        "bill_treatment_start",
        lambda: Batch(lines=[line(service_date=date(2024, 4, 8))], send_date=date(2024, 4, 30)),
        ["0"],
        lambda: Batch(lines=[line(service_date=date(2024, 4, 7))], send_date=date(2024, 4, 30)),
    ),
    (
        "bill_act_on_titre",
        lambda: Batch(titre_acts=[{"titre_id": TITRE, "act_code": "ZK12", "sessions": 8, "sessions_paid": 0}]),
        ["0"],
        lambda: Batch(titre_acts=[{"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 0}]),
    ),
    (
        "bill_act_valid",  # ZK11 is in the nomenclature from 2017-01-01
        lambda: Batch(lines=[line(service_date=date(2016, 12, 31))]),
        ["0"],
        lambda: Batch(lines=[line(service_date=date(2017, 1, 1))]),
    ),
    (
        "bill_affiliation",
        lambda: Batch(
            affiliations=[
                {"matricule": PATIENT, "fund": "CNS", "valid_from": date(2000, 1, 1), "valid_to": date(2024, 3, 10)}
            ]
        ),
        ["0"],
        lambda: Batch(
            affiliations=[
                {"matricule": PATIENT, "fund": "CNS", "valid_from": date(2000, 1, 1), "valid_to": date(2024, 3, 11)}
            ]
        ),
    ),
    (
        "bill_service_not_after_sending",
        lambda: Batch(send_date=date(2024, 3, 10)),
        ["0"],
        lambda: Batch(send_date=date(2024, 3, 11)),
    ),
    (
        "bill_performer_allowed",
        lambda: Batch(lines=[line(performer_code="70034567")]),
        ["0"],
        lambda: Batch(lines=[line(performer_code=FACTURIER)]),
    ),
    (
        "bill_place_known",  # annex 08 lists 01 to 06
        lambda: Batch(lines=[line(place_category="07")]),
        ["0"],
        lambda: Batch(lines=[line(place_category="06")]),
    ),
    (
        "bill_not_already_paid",
        lambda: Batch(
            ledger=[
                {
                    "matricule": PATIENT,
                    "service_date": date(2024, 3, 11),
                    "act_code": "ZK11",
                    "titre_id": TITRE,
                    "deposit_id": 7,
                }
            ]
        ),
        ["0"],
        lambda: Batch(
            ledger=[
                {
                    "matricule": PATIENT,
                    "service_date": date(2024, 3, 10),
                    "act_code": "ZK11",
                    "titre_id": TITRE,
                    "deposit_id": 7,
                }
            ]
        ),
    ),
    (
        "bill_amount_within_tariff",
        lambda: Batch(lines=[line(asked_cents=2092)]),
        ["0"],
        lambda: Batch(lines=[line(asked_cents=2091)]),
    ),
    (
        "bill_amounts_match_tariff",
        lambda: Batch(lines=[line(tariff_cents=2988)]),
        ["0"],
        lambda: Batch(lines=[line(tariff_cents=2987)]),
    ),
    (
        "bill_sessions_authorised",
        lambda: Batch(
            lines=TWO_LINES,
            titre_acts=[{"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 7}],
        ),
        ["1"],
        lambda: Batch(
            lines=TWO_LINES,
            titre_acts=[{"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 6}],
        ),
    ),
    (
        "bill_acts_per_day",
        lambda: Batch(
            lines=[line(), line(row_id=1, line_number=2, act_code="ZK12")],
            titre_acts=[
                {"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 0},
                {"titre_id": TITRE, "act_code": "ZK12", "sessions": 8, "sessions_paid": 0},
            ],
        ),
        ["1"],
        lambda: Batch(lines=TWO_LINES),
    ),
    (
        "bill_cumulation",
        lambda: Batch(
            lines=[line(act_code="ZK41", tariff_cents=3356, insured_cents=1007, asked_cents=2349)],
            titre_acts=[{"titre_id": TITRE, "act_code": "ZK41", "sessions": 8, "sessions_paid": 0}],
            ledger=[
                {
                    "matricule": PATIENT,
                    "service_date": date(2024, 3, 11),
                    "act_code": "ZK16",
                    "titre_id": "T2024000000029",
                    "deposit_id": 3,
                }
            ],
        ),
        ["0"],
        lambda: Batch(
            lines=[line(act_code="ZK41", tariff_cents=3356, insured_cents=1007, asked_cents=2349)],
            titre_acts=[{"titre_id": TITRE, "act_code": "ZK41", "sessions": 8, "sessions_paid": 0}],
            ledger=[
                {
                    "matricule": PATIENT,
                    "service_date": date(2024, 3, 11),
                    "act_code": "ZK12",
                    "titre_id": "T2024000000029",
                    "deposit_id": 3,
                }
            ],
        ),
    ),
]


def test_every_billing_rule_has_a_case() -> None:
    independent, counting = billing_rules()
    assert {rule.id for rule in independent + counting} == {case[0] for case in CASES}


@pytest.mark.parametrize(("rule", "triggering", "keys", "near_miss"), CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_and_near_miss_does_not(
    rule: str, triggering: Callable[[], Batch], keys: list[str], near_miss: Callable[[], Batch]
) -> None:
    assert hits(triggering(), rule) == keys
    assert hits(near_miss(), rule) == []


def test_refused_line_is_not_paid_and_reduced_line_is_paid_the_fund_share() -> None:
    result = run(
        Batch(
            lines=[
                line(asked_cents=2500),
                line(row_id=1, line_number=2, service_date=date(2024, 3, 12), place_category="99"),
            ]
        )
    )
    rows = {row["row_id"]: row for row in result.lines.iter_rows(named=True)}
    assert rows[0]["paid"] and rows[0]["covered_cents"] == 2091  # reduced to the fund share (K212)
    assert not rows[1]["paid"] and rows[1]["covered_cents"] == 0  # refused (K210)
    assert set(result.findings.get_column("code")) == {"K212", "K210"}
    assert result.findings.filter(pl.col("code") == "K210").get_column("label").item().startswith("Catégorie")


def test_refused_invoice_refuses_all_its_lines() -> None:
    result = run(Batch(lines=TWO_LINES, insured=[], affiliations=[]))
    assert result.lines.get_column("covered_cents").to_list() == [0, 0]


def test_a_refused_line_does_not_use_up_a_session() -> None:
    # Session 8 of 8 on the second line: the first line is refused for its place, so the second is still allowed.
    batch = Batch(
        lines=[line(place_category="99"), line(row_id=1, line_number=2, service_date=date(2024, 3, 12))],
        titre_acts=[{"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 7}],
    )
    assert hits(batch, "bill_sessions_authorised") == []


def test_file_rejected_by_file_level_rule() -> None:
    assert run(Batch(providers=[])).file_rejected
    assert not run(Batch()).file_rejected


def test_second_patient_same_day_is_not_cumulated() -> None:
    other = line(row_id=1, invoice_number="MH2", matricule=OTHER_PATIENT, titre_id=TITRE)
    assert hits(Batch(lines=[line(), other]), "bill_acts_per_day") == []
