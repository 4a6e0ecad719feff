"""KIN rules at both sides of every boundary — the first and last valid day, one day before and after — and, for
each guard of a rule, the near miss that only that guard stops. Expected remarks are written out here.

Each validity window under test (titre, affiliation, membership, a reference table or parameter) is set to
[FIRST, LAST] and the rule is tried on FIRST - 1, FIRST, LAST and LAST + 1. The rule-mutation sweep
(tests/rules_mutation) checks that these tests notice each boundary moving.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

from tierspayant.schemes.lu_kin.fund.adjudication import adjudicate
from tierspayant.schemes.lu_kin.fund.decisions import decide
from tierspayant.schemes.lu_kin.reference import OPEN_END, ReferenceSet
from tierspayant.schemes.lu_kin.rules_tables import with_effective_acts
from tierspayant.schemes.lu_kin.titre import make_titre_id

from .batches import FACTURIER, MEMBER, OTHER_PATIENT, PATIENT, REFERENCE, TITRE, Batch, line, request, titre

FIRST = date(2024, 3, 4)
LAST = date(2024, 3, 15)
ONE = timedelta(days=1)
EDGES = [(FIRST - ONE, False), (FIRST, True), (LAST, True), (LAST + ONE, False)]
EDGE_IDS = ["day-before-first", "first-day", "last-day", "day-after-last"]
FILE = "F70012345202403_KIN_TEST"
OTHER_TITRE = make_titre_id(2024, 2)


def billed(batch: Batch, rule: str, reference: ReferenceSet = REFERENCE) -> dict[str, str]:
    """The findings of ``rule`` on a FAC batch: {key: remark}."""
    found = adjudicate(batch.lines_frame(), batch.file("FAC"), batch.history(), reference).findings
    return dict(found.filter(pl.col("rule") == rule).select("key", "detail").iter_rows())


def asked(batch: Batch, rule: str, reference: ReferenceSet = REFERENCE) -> dict[str, str]:
    """The findings of ``rule`` on a DEMAUT batch: {key: remark}."""
    requests = with_effective_acts(batch.requests_frame(), reference["conversion"])
    history = {k: v for k, v in batch.history().items() if k in ("insured", "affiliations", "providers", "memberships")}
    found = decide(requests, batch.file("DEMAUT"), history, reference).findings
    return dict(found.filter(pl.col("rule") == rule).select("key", "detail").iter_rows())


def window(table: str, keep: pl.Expr | None = None) -> ReferenceSet:
    """The sample reference with the rows of ``table`` (those matching ``keep``, or all) valid FIRST to LAST only."""
    frame = REFERENCE[table]
    chosen = pl.lit(True) if keep is None else keep
    frame = frame.with_columns(
        pl.when(chosen).then(pl.lit(FIRST)).otherwise(pl.col("valid_from")).alias("valid_from"),
        pl.when(chosen).then(pl.lit(LAST)).otherwise(pl.col("valid_to")).alias("valid_to"),
    )
    return replace(REFERENCE, tables={**REFERENCE.tables, table: frame})


def affiliation(matricule: str = PATIENT, start: date = date(2000, 1, 1), end: date = OPEN_END) -> dict[str, Any]:
    return {"matricule": matricule, "fund": "CNS", "valid_from": start, "valid_to": end}


def membership(group: str = FACTURIER, member: str = MEMBER, start: date = date(2020, 1, 1),
               end: date = OPEN_END) -> dict[str, Any]:  # fmt: skip
    return {"group_code": group, "member_code": member, "kind": "joint_invoicing", "valid_from": start, "valid_to": end}


def provider(code: str) -> dict[str, Any]:
    return {"code": code, "name": "Cabinet", "kind": "group"}


def expected(inside: bool, key: str, remark: str) -> dict[str, str]:
    return {} if inside else {key: remark}


# --- FAC: validity windows -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_titre_covers_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = Batch(lines=[line(service_date=day)], titres=[titre(valid_from=FIRST, valid_to=LAST)])
    remark = f"service of {day} outside the titre's validity 2024-03-04 – 2024-03-15"
    assert billed(batch, "bill_titre_validity") == expected(inside, "0", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_affiliation_covers_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = Batch(lines=[line(service_date=day)], affiliations=[affiliation(start=FIRST, end=LAST)])
    remark = f"matricule {PATIENT} is not affiliated on {day}"
    assert billed(batch, "bill_affiliation") == expected(inside, "0", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_membership_counts_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = Batch(lines=[line(service_date=day)], memberships=[membership(start=FIRST, end=LAST)])
    remark = f"performer {MEMBER} is not a declared member of {FACTURIER} on {day}"
    assert billed(batch, "bill_performer_allowed") == expected(inside, "0", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_place_category_listed_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    reference = window("places", pl.col("place_code") == "01")
    remark = f"place-of-service category 01 is not in the list on {day}"
    assert billed(Batch(lines=[line(service_date=day)]), "bill_place_known", reference) == expected(inside, "0", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_acts_per_day_limit_applies_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = Batch(
        lines=[line(service_date=day), line(row_id=1, line_number=2, act_code="ZK12", service_date=day)],
        titre_acts=[
            {"titre_id": TITRE, "act_code": act, "sessions": 8, "sessions_paid": 0} for act in ("ZK11", "ZK12")
        ],
    )
    reference = window("parameters", pl.col("name") == "max_acts_per_day")
    found = billed(batch, "bill_acts_per_day", reference)
    assert found == ({} if not inside else {"1": f"act number 2 on {day} for this protected person (at most 1 a day)"})


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_cumulation_pair_applies_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = Batch(
        lines=[line(act_code="ZK41", tariff_cents=3356, insured_cents=1007, asked_cents=2349, service_date=day)],
        titre_acts=[{"titre_id": TITRE, "act_code": "ZK41", "sessions": 8, "sessions_paid": 0}],
        ledger=[
            {"matricule": PATIENT, "service_date": day, "act_code": "ZK16", "titre_id": OTHER_TITRE, "deposit_id": 3}
        ],
    )
    found = billed(batch, "bill_cumulation", window("cumulation"))
    assert found == ({} if not inside else {"0": f"act ZK41 does not cumulate with ZK16 on {day}"})


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_start_delay_applies_to_titres_issued_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    first_session = day + timedelta(days=31)  # one day late under the 30-day start delay
    batch = Batch(
        lines=[line(service_date=first_session)],
        titres=[titre(issued_on=day, valid_from=date(2024, 1, 1), valid_to=date(2025, 1, 1))],
        send_date=date(2024, 6, 1),
    )
    found = billed(batch, "bill_treatment_start", window("parameters", pl.col("name") == "start_delay_days"))
    remark = f"first session on {first_session}, titre issued on {day} (start within 30 days)"
    assert found == ({} if not inside else {"0": remark})


# --- FAC: guards, each the one thing that keeps its rule quiet -----------------------------------------------------


def test_unknown_protected_person_is_refused_as_unknown_not_as_unaffiliated() -> None:
    unknown = Batch(insured=[{"matricule": OTHER_PATIENT, "birth_date": date(1979, 12, 20)}], affiliations=[])
    assert billed(unknown, "bill_insured_known") == {"MH1": f"matricule {PATIENT} is not known to the fund"}
    assert billed(unknown, "bill_affiliation") == {}


def test_affiliation_of_another_person_does_not_count() -> None:
    batch = Batch(affiliations=[affiliation(matricule=OTHER_PATIENT)])
    assert billed(batch, "bill_affiliation") == {"0": f"matricule {PATIENT} is not affiliated on 2024-03-11"}


def test_titre_and_its_acts_are_looked_up_by_their_own_id() -> None:
    other = Batch(titres=[titre(titre_id=OTHER_TITRE)], titre_acts=[
        {"titre_id": OTHER_TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 0}])  # fmt: skip
    assert billed(other, "bill_titre_exists") == {"0": f"titre {TITRE} was not issued by the fund"}
    acts_elsewhere = Batch(
        titre_acts=[{"titre_id": OTHER_TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 0}]
    )
    assert billed(acts_elsewhere, "bill_act_on_titre") == {"0": f"act ZK11 is not covered by titre {TITRE}"}


def test_same_service_twice_in_the_file_refuses_the_second() -> None:
    batch = Batch(lines=[line(), line(row_id=1, line_number=2)])
    assert billed(batch, "bill_not_already_paid") == {"1": "the same service is billed twice in this file"}


def test_insured_share_alone_differing_is_reported() -> None:
    assert billed(Batch(lines=[line(insured_cents=897)]), "bill_amounts_match_tariff") == {
        "0": "line says tariff 29.87 and participation 8.97, the fund computes 29.87 and 8.96"
    }


def test_membership_must_be_of_this_group_and_this_member() -> None:
    batch = Batch(memberships=[membership(group="70099999"), membership(member="70034567")])
    assert list(billed(batch, "bill_performer_allowed")) == ["0"]


def test_a_line_never_cumulates_with_itself() -> None:
    pairs = pl.concat([REFERENCE["cumulation"], REFERENCE["cumulation"].head(1).with_columns(
        pl.lit("ZK11").alias("act_code"), pl.lit("ZK11").alias("other_act_code"))])  # fmt: skip
    reference = replace(REFERENCE, tables={**REFERENCE.tables, "cumulation": pairs})
    assert billed(Batch(), "bill_cumulation", reference) == {}


def test_facturier_must_be_the_provider_of_that_code() -> None:
    batch = Batch(providers=[provider("70012346")])
    assert billed(batch, "bill_facturier_known") == {FILE: "facturier 70012345 is not a provider known to the fund"}
    assert asked(batch, "auth_facturier_known") == {FILE: "facturier 70012345 is not a provider known to the fund"}


@pytest.mark.parametrize(("asked_cents", "reduced"), [(2091, False), (2092, True)])
def test_amount_asked_exactly_the_fund_share_passes_one_cent_more_is_reduced(asked_cents: int, reduced: bool) -> None:
    found = billed(Batch(lines=[line(asked_cents=asked_cents)]), "bill_amount_within_tariff")
    assert list(found) == (["0"] if reduced else [])


@pytest.mark.parametrize(("paid_before", "refused"), [(6, []), (7, ["1"])])
def test_last_authorised_session_is_paid_the_next_is_refused(paid_before: int, refused: list[str]) -> None:
    batch = Batch(
        lines=[line(), line(row_id=1, line_number=2, service_date=date(2024, 3, 12))],
        titre_acts=[{"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": paid_before}],
    )
    assert list(billed(batch, "bill_sessions_authorised")) == refused


# --- DEMAUT: validity windows on the prescription date -------------------------------------------------------------


def prescribed(day: date, **changes: Any) -> Batch:
    return Batch(requests=[request(prescription_date=day, received_on=day + timedelta(days=3), **changes)])


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_request_affiliation_covers_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = prescribed(day).but(affiliations=[affiliation(start=FIRST, end=LAST)])
    remark = f"matricule {PATIENT} is not affiliated on {day}"
    assert asked(batch, "auth_affiliation") == expected(inside, "DA1", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_prescriber_listed_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    reference = window("prescribers", pl.col("prescriber_code") == "10123456")
    remark = f"prescriber 10123456 is not in the prescribers list on {day}"
    assert asked(prescribed(day), "auth_prescriber_known", reference) == expected(inside, "DA1", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_request_place_listed_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    reference = window("places", pl.col("place_code") == "01")
    remark = f"place-of-service category 01 is not in the list on {day}"
    assert asked(prescribed(day), "auth_place_known", reference) == expected(inside, "DA1", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_request_membership_counts_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    batch = prescribed(day).but(memberships=[membership(start=FIRST, end=LAST)])
    remark = f"performer {MEMBER} is not the facturier {FACTURIER} nor a declared member of it on {day}"
    assert asked(batch, "auth_performer_allowed") == expected(inside, "DA1", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_act_in_the_nomenclature_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    reference = window("nomenclature", pl.col("act_code") == "ZK11")
    remark = f"act ZK11 is not in the nomenclature on {day}"
    assert asked(prescribed(day), "auth_act_valid", reference) == expected(inside, "DA1", remark)


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_act_category_checked_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    """ZK31 is not for COMMON: the category check applies while ZK31 is in the nomenclature (the act check does the
    rest)."""
    reference = window("nomenclature", pl.col("act_code") == "ZK31")
    remark = "act ZK31 is not provided for the category COMMON"
    assert asked(prescribed(day, act_code="ZK31"), "auth_act_category", reference) == (
        {"DA1": remark} if inside else {}
    )


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_act_categories_of_the_nomenclature_row_valid_that_day(day: date, inside: bool) -> None:
    """ZK31 serves COMMON from FIRST to LAST only (SERIOUS before and after): a COMMON request is refused outside."""
    nomenclature = REFERENCE["nomenclature"]
    zk31 = nomenclature.filter(pl.col("act_code") == "ZK31")
    periods = [(["SERIOUS"], date(2017, 1, 1), FIRST - ONE), (["COMMON", "SERIOUS"], FIRST, LAST),
               (["SERIOUS"], LAST + ONE, OPEN_END)]  # fmt: skip
    rows = [
        zk31.with_columns(
            pl.Series("categories", [categories], dtype=zk31["categories"].dtype),
            pl.lit(start).alias("valid_from"),
            pl.lit(end).alias("valid_to"),
        )
        for categories, start, end in periods
    ]
    split = pl.concat([nomenclature.filter(pl.col("act_code") != "ZK31"), *rows])
    reference = replace(REFERENCE, tables={**REFERENCE.tables, "nomenclature": split})
    found = asked(prescribed(day, act_code="ZK31"), "auth_act_category", reference)
    assert found == expected(inside, "DA1", "act ZK31 is not provided for the category COMMON")


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_session_limit_applies_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    """COMMON allows 8 sessions from FIRST to LAST and 64 before and after (the fund needs a limit every day)."""
    limits = REFERENCE["session_limits"]
    common = limits.filter(pl.col("category") == "COMMON")
    periods = [(8, FIRST, LAST), (64, date(2000, 1, 1), FIRST - ONE), (64, LAST + ONE, OPEN_END)]
    split = pl.concat([limits.filter(pl.col("category") != "COMMON")] + [
        common.with_columns(pl.lit(n).cast(common["max_sessions"].dtype).alias("max_sessions"),
                            pl.lit(a).alias("valid_from"), pl.lit(b).alias("valid_to"))
        for n, a, b in periods])  # fmt: skip
    reference = replace(REFERENCE, tables={**REFERENCE.tables, "session_limits": split})
    found = asked(prescribed(day, sessions=9), "auth_session_limit", reference)
    remark = "9 sessions asked, at most 8 for the category COMMON: covered up to 8"
    assert found == ({"DA1": remark} if inside else {})


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_request_delay_applies_from_its_first_to_its_last_day(day: date, inside: bool) -> None:
    late = Batch(requests=[request(prescription_date=day, received_on=day + timedelta(days=32))])
    found = asked(late, "auth_request_delay", window("parameters", pl.col("name") == "request_delay_days"))
    remark = f"received on {day + timedelta(days=32)}, 32 days after the prescription of {day} (at most 31)"
    assert found == ({"DA1": remark} if inside else {})


@pytest.mark.parametrize(("day", "inside"), EDGES, ids=EDGE_IDS)
def test_electronic_channel_date_read_on_the_reception_day(day: date, inside: bool) -> None:
    old = Batch(requests=[request(prescription_date=date(2016, 12, 31), received_on=day)])
    found = asked(
        old, "auth_electronic_channel", window("parameters", pl.col("name") == "electronic_prescriptions_from")
    )
    remark = "prescription of 2016-12-31 is before 2017-01-01: paper channel only"
    assert found == ({"DA1": remark} if inside else {})


# --- DEMAUT: guards ------------------------------------------------------------------------------------------------


def test_request_of_an_unknown_or_unaffiliated_person_says_which() -> None:
    unknown = Batch(insured=[{"matricule": OTHER_PATIENT, "birth_date": date(1979, 12, 20)}], affiliations=[])
    assert asked(unknown, "auth_affiliation") == {"DA1": f"matricule {PATIENT} is not known to the fund"}
    other = Batch(affiliations=[affiliation(matricule=OTHER_PATIENT)])
    assert asked(other, "auth_affiliation") == {"DA1": f"matricule {PATIENT} is not affiliated on 2024-03-01"}


def test_request_membership_must_be_of_this_group_and_this_member() -> None:
    batch = Batch(memberships=[membership(group="70099999"), membership(member="70034567")])
    assert list(asked(batch, "auth_performer_allowed")) == ["DA1"]


def test_act_category_is_read_for_the_act_and_category_of_the_request() -> None:
    categories = REFERENCE["nomenclature"].with_columns(
        pl.when(pl.col("act_code") == "ZK31")
        .then(pl.lit(["SERIOUS"]))
        .otherwise(pl.col("categories"))
        .alias("categories")
    )
    reference = replace(REFERENCE, tables={**REFERENCE.tables, "nomenclature": categories})
    assert list(asked(Batch(requests=[request(act_code="ZK31")]), "auth_act_category", reference)) == ["DA1"]
    serious = Batch(requests=[request(act_code="ZK31", pathology="SERIOUS")])
    assert asked(serious, "auth_act_category", reference) == {}
