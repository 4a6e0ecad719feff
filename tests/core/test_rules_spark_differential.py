"""Every rule of every scheme on both engines — DuckDB (the default) and Apache Spark — with identical findings.

Generated batches (hypothesis, small: the Spark session is shared and each batch costs a few Spark queries per
rule) and the example files go through the real entry points (KIN ``adjudicate`` / ``decide``, REFAC
``evaluate_rules``) once per engine; the findings are compared sorted, every column as text. A lint test keeps the
rules portable: no aggregate whose result depends on row order, no ordered window without ORDER BY, no function
whose result type differs between the engines (``date_trunc``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from spark_differential import DIFFERENTIAL, assert_same, on_both

from tierspayant.core.rules.backend import using
from tierspayant.core.rules.dialects import portability_problems, rule_sql
from tierspayant.core.rules.model import Rule
from tierspayant.core.rules.spark import SparkRuleSession
from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE
from tierspayant.schemes.be_nursing.mutuality.batch import build_batch
from tierspayant.schemes.be_nursing.mutuality.evaluation import evaluate_rules, refac_rules
from tierspayant.schemes.be_nursing.mutuality.intake import read_intake
from tierspayant.schemes.be_nursing.mutuality.reference import load_reference
from tierspayant.schemes.be_nursing.mutuality.tables import INVOICE_SCHEMA, LINE_SCHEMA, build_tables
from tierspayant.schemes.be_nursing.store.mutuality.registry import HISTORY_SCHEMA
from tierspayant.schemes.lu_doctors.fund.adjudication import MACROS as DOCTORS_MACROS
from tierspayant.schemes.lu_doctors.fund.adjudication import scheme_rules as doctors_rules
from tierspayant.schemes.lu_kin.examples import example_demaut, example_fac
from tierspayant.schemes.lu_kin.fund.adjudication import adjudicate
from tierspayant.schemes.lu_kin.fund.decisions import decide
from tierspayant.schemes.lu_kin.fund.history import LEDGER_SCHEMA, TITRE_ACT_SCHEMA, TITRE_SCHEMA
from tierspayant.schemes.lu_kin.fund.registries import (
    AFFILIATION_SCHEMA,
    INSURED_SCHEMA,
    MEMBERSHIP_SCHEMA,
    PROVIDER_SCHEMA,
)
from tierspayant.schemes.lu_kin.reference import OPEN_END, load_sample_reference
from tierspayant.schemes.lu_kin.rules_tables import (
    FILE_SCHEMA,
    MACROS,
    REQUEST_SCHEMA,
    file_frame,
    kin_rules,
    lines_frame,
    requests_frame,
    with_effective_acts,
)
from tierspayant.schemes.lu_kin.rules_tables import LINE_SCHEMA as KIN_LINE_SCHEMA
from tierspayant.schemes.lu_kin.titre import make_titre_id

ALL_RULES: list[Rule] = [*kin_rules(), *refac_rules(), *doctors_rules()]


# --- portability lint ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_rule_is_portable(rule: Rule) -> None:
    """Order-dependent aggregates (list/string_agg/first/any_value/arg_min …), ordered window functions without an
    ORDER BY, and date_trunc give engine-dependent answers: a rule may not use them (or declares its Spark text)."""
    if rule.declared_sql("spark") is None:
        assert portability_problems(rule.sql) == [], f"rule {rule.id} is not portable"
    spark_text = rule_sql(rule, "spark", (*MACROS, *DOCTORS_MACROS))  # KIN and the doctors define the same euros()
    assert spark_text.strip() and "euros(" not in spark_text.lower(), "a macro call is left for Spark"


def test_the_lint_names_the_known_traps() -> None:
    problems = portability_problems(
        "SELECT list(x ORDER BY y) AS a, arg_min(x, y) AS b, date_trunc('month', d) AS c,"
        " row_number() OVER (PARTITION BY p) AS n FROM t GROUP BY p"
    )
    assert len(problems) == 4 and any("date_trunc" in p for p in problems)
    assert portability_problems("SELECT min(x), row_number() OVER (PARTITION BY p ORDER BY o) FROM t") == []


def test_list_order_by_is_lost_when_transpiled() -> None:
    """Why the lint exists: SQLGlot carries ``list(x ORDER BY y)`` to Spark as ``collect_list(x)``, order lost."""
    rule = Rule("listing", "X", ALL_RULES[0].level, ALL_RULES[0].effect, "", "SELECT list(x ORDER BY y) AS key FROM t")
    assert "ORDER" not in rule_sql(rule, "spark").upper()


def test_date_trunc_is_a_timestamp_on_spark(spark: Any) -> None:
    """The other trap, measured: Spark's date_trunc of a DATE is a TIMESTAMP; DuckDB's was a DATE up to 1.x and is a
    TIMESTAMP from 2.0 — a type that depends on the engine and its version, hence banned by the lint."""
    value = spark.sql("SELECT date_trunc('month', DATE '2024-03-15') AS m").collect()[0]["m"]
    assert isinstance(value, datetime) and value == datetime(2024, 3, 1)


def test_macro_arguments_keep_their_precedence(spark: Any) -> None:
    """``euros(c + 1)`` inlined on Spark is euros of the sum, as DuckDB's macro gives it."""
    rule = Rule(
        "euro_text",
        "X",
        ALL_RULES[0].level,
        ALL_RULES[0].effect,
        "",
        "SELECT euros(c + 1) AS key, rate_percent(c) AS detail FROM t",
    )
    table = pl.DataFrame({"c": [0, 5, 1234, 7000]})
    found = on_both(lambda: _evaluate([rule], {"t": table}))
    assert_same(*found)
    assert sorted(found[1]["key"].to_list()) == ["0.01", "0.06", "12.35", "70.01"]


def _evaluate(rules: list[Rule], tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    from tierspayant.core.rules.backend import open_session

    with open_session(macros=MACROS) as session:
        session.register(tables)
        return session.run(rules)


def test_spark_reads_parquet_written_elsewhere(spark: Any, tmp_path: Any) -> None:
    """A table given as a Parquet path (a month on shared storage) is read where it lies, on both engines."""
    rule = Rule("negative", "X", ALL_RULES[0].level, ALL_RULES[0].effect, "", "SELECT n AS key FROM t WHERE n < 0")
    path = tmp_path / "t.parquet"
    pl.DataFrame({"n": [-2, 1, -1]}).write_parquet(path)
    with SparkRuleSession(spark=spark) as session:
        session.register({"t": path})
        assert sorted(session.run([rule])["key"].to_list()) == ["-1", "-2"]
    with using("duckdb"):
        assert sorted(_evaluate([rule], {"t": path})["key"].to_list()) == ["-1", "-2"]  # type: ignore[dict-item]


# --- KIN: generated FAC and DEMAUT batches ------------------------------------------------------------------------

KIN_REFERENCE = load_sample_reference()
FACTURIER, MEMBER, STRANGER = "70012345", "70023456", "70099999"
PATIENTS = ("1956031401288", "1979122003208", "1990010100000")  # two known, one unknown to the fund
TITRES = (make_titre_id(2024, 1), make_titre_id(2024, 2), make_titre_id(2024, 3))  # the third was never issued
ACTS = ("ZK11", "ZK12", "ZK41", "ZK16", "K01", "XX99")
DAYS = (date(2024, 2, 29), date(2024, 3, 11), date(2024, 3, 12), date(2024, 3, 25), date(2024, 4, 3))
AMOUNTS = (0, 896, 2091, 2987, 4000)


def _rows(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([[row.get(c) for c in schema] for row in rows], schema=schema, orient="row")


kin_line = st.fixed_dictionaries(
    {
        "invoice_number": st.sampled_from(("MH1", "MH2", "MH3")),
        "matricule": st.sampled_from((PATIENTS[0], *PATIENTS)),
        "fund": st.just("CNS"),
        "titre_id": st.sampled_from((TITRES[0], *TITRES)),
        "service_date": st.sampled_from(DAYS),
        "act_code": st.sampled_from(("ZK11", "ZK41", "ZK16", *ACTS)),
        "performer_code": st.sampled_from((MEMBER, FACTURIER, MEMBER, STRANGER)),
        "place_category": st.sampled_from(("01", "01", "02", "99")),
        "tariff_cents": st.sampled_from(AMOUNTS),
        "insured_cents": st.sampled_from(AMOUNTS),
        "asked_cents": st.sampled_from(AMOUNTS),
        "facturier": st.just(FACTURIER),
    }
)


@st.composite
def kin_history(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    titres, acts = [], []
    for titre_id in TITRES[:2]:
        issued = draw(st.sampled_from((date(2024, 1, 10), date(2024, 2, 20), date(2024, 3, 8))))
        titres.append(
            {
                "titre_id": titre_id,
                "matricule": draw(st.sampled_from((PATIENTS[0], *PATIENTS[:2]))),
                "facturier": draw(st.sampled_from((FACTURIER, FACTURIER, STRANGER))),
                "pathology": "COMMON",
                "issued_on": issued,
                "valid_from": issued - timedelta(days=7),
                "valid_to": draw(st.sampled_from((date(2024, 3, 20), date(2025, 3, 8)))),
                "rate_e2": draw(st.sampled_from((7000, 10000))),
                "first_service_on": draw(st.sampled_from((None, date(2024, 2, 1), date(2024, 3, 11)))),
            }
        )
        for act in draw(st.sets(st.sampled_from(ACTS[:4]), min_size=1, max_size=3)):
            sessions = draw(st.sampled_from((1, 2, 8)))
            acts.append(
                {
                    "titre_id": titre_id,
                    "act_code": act,
                    "sessions": sessions,
                    "sessions_paid": draw(st.integers(0, sessions)),
                }
            )
    ledger = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "matricule": st.sampled_from(PATIENTS[:2]),
                    "service_date": st.sampled_from(DAYS),
                    "act_code": st.sampled_from(ACTS[:4]),
                    "titre_id": st.sampled_from(TITRES[:2]),
                    "deposit_id": st.integers(1, 3),
                }
            ),
            max_size=4,
        )
    )
    insured = [{"matricule": m, "birth_date": date(1956, 3, 14)} for m in PATIENTS[:2]]
    affiliated_from = draw(st.sampled_from((date(2000, 1, 1), date(2024, 3, 10))))
    affiliations = [
        {"matricule": m, "fund": "CNS", "valid_from": affiliated_from, "valid_to": OPEN_END} for m in PATIENTS[:2]
    ]
    member_from = draw(st.sampled_from((date(2020, 1, 1), date(2024, 3, 15))))
    return {
        "titres": _rows(titres, TITRE_SCHEMA),
        "titre_acts": _rows(acts, TITRE_ACT_SCHEMA),
        "ledger": _rows(ledger, LEDGER_SCHEMA),
        "insured": _rows(insured, INSURED_SCHEMA),
        "affiliations": _rows(affiliations, AFFILIATION_SCHEMA),
        "providers": _rows(
            draw(st.sampled_from(([{"code": FACTURIER, "name": "Cabinet", "kind": "group"}], []))), PROVIDER_SCHEMA
        ),
        "memberships": _rows(
            [
                {
                    "group_code": FACTURIER,
                    "member_code": MEMBER,
                    "kind": "joint_invoicing",
                    "valid_from": member_from,
                    "valid_to": OPEN_END,
                }
            ],
            MEMBERSHIP_SCHEMA,
        ),
    }


def kin_file(file_type: str, send_date: date) -> pl.DataFrame:
    row = {
        "file_name": "F70012345202403_KIN_TEST",
        "file_type": file_type,
        "facturier": FACTURIER,
        "sender": FACTURIER,
        "reference": "REF1",
        "send_date": send_date,
        "received_on": send_date,
    }
    return _rows([row], FILE_SCHEMA)


def assert_same_adjudication(lines: pl.DataFrame, file: pl.DataFrame, history: dict[str, pl.DataFrame]) -> None:
    outcomes: dict[str, Any] = {}

    def run() -> pl.DataFrame:
        result = adjudicate(lines, file, history, KIN_REFERENCE)
        outcomes[str(len(outcomes))] = result.lines.select("row_id", "paid", "covered_cents")
        return result.findings

    assert_same(*on_both(run))
    assert_same(outcomes["0"], outcomes["1"])


@DIFFERENTIAL
@given(
    lines=st.lists(kin_line, max_size=8),
    history=kin_history(),
    send_date=st.sampled_from((date(2024, 3, 20), date(2024, 4, 2))),
)
def test_kin_billing_rules_agree(
    spark: Any, lines: list[dict[str, Any]], history: dict[str, Any], send_date: date
) -> None:
    numbered = [{**line, "row_id": i, "line_number": i + 1} for i, line in enumerate(lines)]
    assert_same_adjudication(_rows(numbered, KIN_LINE_SCHEMA), kin_file("FAC", send_date), history)


kin_request = st.fixed_dictionaries(
    {
        "request_id": st.sampled_from(("DA1", "DA2", "DA3")),
        "matricule": st.sampled_from(PATIENTS),
        "fund": st.just("CNS"),
        "prescriber_code": st.sampled_from(("10123456", "19999999")),
        "prescription_date": st.sampled_from((date(2016, 12, 1), date(2024, 1, 20), date(2024, 3, 1))),
        "pathology": st.sampled_from(("COMMON", "LYMPHATIC_DRAINAGE", "SERIOUS")),
        "performer_code": st.sampled_from((FACTURIER, MEMBER, STRANGER)),
        "place_category": st.sampled_from(("01", "99")),
        "accident": st.booleans(),
        "act_code": st.sampled_from(ACTS),
        "sessions": st.sampled_from((4, 8, 30)),
        "document_name": st.just("ORD.pdf"),
        "document_problem": st.sampled_from((None, "scan below 200 DPI")),
        "facturier": st.just(FACTURIER),
        "received_on": st.sampled_from((date(2024, 3, 7), date(2024, 4, 30))),
    }
)


@DIFFERENTIAL
@given(requests=st.lists(kin_request, min_size=1, max_size=6), history=kin_history())
def test_kin_authorisation_rules_agree(spark: Any, requests: list[dict[str, Any]], history: dict[str, Any]) -> None:
    numbered = [{**request, "row_id": i, "act_order": i + 1} for i, request in enumerate(requests)]
    frame = with_effective_acts(_rows(numbered, REQUEST_SCHEMA), KIN_REFERENCE["conversion"])
    registries = {name: history[name] for name in ("insured", "affiliations", "providers", "memberships")}
    assert_same(
        *on_both(lambda: decide(frame, kin_file("DEMAUT", date(2024, 3, 7)), registries, KIN_REFERENCE).findings)
    )


# --- BE nursing REFAC: generated sendings -------------------------------------------------------------------------

REFAC_REFERENCE = load_reference()
NISS = (
    "85010100115",
    "85010100214",
    "50031510333",
    "72061220519",
    "40022830795",
    "61113040949",
    "33070751121",
    "90122461359",
    "85010100116",
)  # plain ×2, care path, medical house, hospital ×2, palliative, unknown, invalid
CODES = (
    425014,
    425036,
    428035,
    424255,
    424874,
    424896,
    423135,
    425272,
    427390,
    425110,
    999999,
    425014,
    425272,
    427390,
    423135,
)
NURSES = ("10000000001", "10000000002")
CARE_DAYS = (date(2025, 3, 3), date(2025, 3, 3), date(2025, 3, 12), date(2025, 3, 15), date(2014, 12, 31))


@st.composite
def refac_line(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(st.sampled_from(CARE_DAYS))
    part_a = draw(st.sampled_from((0, 2, 5)))
    return {
        "invoice_index": draw(st.integers(1, 3)),
        "third_party": "90000000001",
        "niss": draw(st.sampled_from((NISS[0], NISS[0], *NISS))),
        "nomenclature_code": draw(st.sampled_from(CODES)),
        "service_norm": 0,
        "first_service_date": first,
        "last_service_date": first + timedelta(days=draw(st.sampled_from((0, 10)))),
        "care_provider": draw(st.sampled_from(NURSES)),
        "units": draw(st.sampled_from((0, 1, 2))),
        "insurance_amount": draw(st.sampled_from((1000, 12000, 30000))),
        "same_day_repetition": draw(st.sampled_from((0, 3))),
        "has_eid": draw(st.booleans()),
        "payment_commitment_part_a": part_a,
        "insurability_start_date": date(2025, 3, 1) if part_a == 2 else None,
        "insurability_end_date": date(2025, 3, 10) if part_a == 2 else None,
    }


@st.composite
def refac_tables(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    rows = draw(st.lists(refac_line(), min_size=1, max_size=8))
    lines = [
        {
            **row,
            "key": 10 + i,
            "invoice_key": 100 * row["invoice_index"],
            "invoice_number": f"{row['invoice_index']:012d}",
        }
        for i, row in enumerate(rows)
    ]
    invoices = []
    for index in sorted({row["invoice_index"] for row in lines}):
        first = next(row for row in lines if row["invoice_index"] == index)
        invoices.append(
            {
                "key": 100 * index,
                "invoice_index": index,
                "invoice_number": first["invoice_number"],
                "niss": draw(st.sampled_from((first["niss"], NISS[0]))),
                "affiliation_mutuality": 319,
                "ct1": 110,
                "ct2": draw(st.sampled_from((110, 111))),
                "payment_commitment_part_a": first["payment_commitment_part_a"],
                "insurability_start_date": draw(st.sampled_from((first["insurability_start_date"], date(2025, 3, 2)))),
                "insurability_end_date": draw(st.sampled_from((first["insurability_end_date"], date(2025, 2, 1)))),
                "communication_date": draw(st.sampled_from((None, date(2025, 3, 1)))),
                "maf_current_year": draw(st.sampled_from((None, 2025))),
                "maf_previous_year": draw(st.sampled_from((None, 2024))),
                "maf_two_years_ago": draw(st.sampled_from((None, 2023))),
            }
        )
    past = [
        {
            "niss": draw(st.sampled_from(NISS[:3])),
            "nomenclature_code": draw(st.sampled_from(CODES[:8])),
            "first_service_date": day,
            "last_service_date": day,
            "care_provider": draw(st.sampled_from(NURSES)),
            "units": 1,
            "insurance_amount": 12000,
            "third_party": "90000000002",
            "invoice_number": "000000000077",
            "same_day_repetition": 0,
        }
        for day in draw(st.lists(st.sampled_from(CARE_DAYS[:3]), max_size=4))
    ]
    tables = build_tables(
        pl.DataFrame(lines, schema=LINE_SCHEMA),
        pl.DataFrame(invoices, schema=INVOICE_SCHEMA),
        pl.DataFrame(past, schema=HISTORY_SCHEMA),
        REFAC_REFERENCE,
    )
    if draw(st.booleans()):  # two stays of one patient admitted the same day: the comment must not depend on order
        stays = tables["hospital_stays"]
        tie = stays.head(1).with_columns(pl.lit("71099909").alias("hospital"))
        tables["hospital_stays"] = pl.concat([stays, tie.cast(stays.schema)])
    return tables


@DIFFERENTIAL
@given(tables=refac_tables())
def test_refac_rules_agree(spark: Any, tables: dict[str, pl.DataFrame]) -> None:
    assert_same(*on_both(lambda: evaluate_rules(tables)))


# --- the example files ----------------------------------------------------------------------------------------------


def test_kin_example_fac_agrees(spark: Any) -> None:
    fac = example_fac()
    lines = lines_frame(fac)
    first = lines.row(0, named=True)
    by_titre = lines.group_by("titre_id").agg(pl.col("matricule").first(), pl.col("act_code").unique())
    titres = [
        {
            "titre_id": t,
            "matricule": m,
            "facturier": FACTURIER,
            "pathology": "COMMON",
            "issued_on": date(2024, 3, 1),
            "valid_from": date(2024, 3, 1),
            "valid_to": date(2025, 3, 1),
            "rate_e2": 7000,
            "first_service_on": None,
        }
        for t, m, _ in by_titre.rows()
    ]
    acts = [
        {"titre_id": t, "act_code": a, "sessions": 2, "sessions_paid": 0}
        for t, _, codes in by_titre.rows()
        for a in codes
    ]
    matricules = lines["matricule"].unique().to_list()
    history = {
        "titres": _rows(titres, TITRE_SCHEMA),
        "titre_acts": _rows(acts, TITRE_ACT_SCHEMA),
        "ledger": _rows([{**first, "deposit_id": 1}], LEDGER_SCHEMA),
        "insured": _rows([{"matricule": m, "birth_date": date(1970, 1, 1)} for m in matricules], INSURED_SCHEMA),
        "affiliations": _rows(
            [
                {"matricule": m, "fund": "CNS", "valid_from": date(2000, 1, 1), "valid_to": OPEN_END}
                for m in matricules[:1]
            ],
            AFFILIATION_SCHEMA,
        ),
        "providers": _rows(
            [{"code": fac.header.billing_provider, "name": "Cabinet", "kind": "group"}], PROVIDER_SCHEMA
        ),
        "memberships": _rows([], MEMBERSHIP_SCHEMA),
    }
    file = file_frame(fac.header, "F_EXAMPLE_FAC", date(2024, 4, 2))
    assert_same_adjudication(lines, file, history)


def test_kin_example_demaut_agrees(spark: Any) -> None:
    demaut = example_demaut()
    requests = with_effective_acts(requests_frame(demaut, date(2024, 3, 7), {}), KIN_REFERENCE["conversion"])
    matricules = requests["matricule"].unique().to_list()
    registries = {
        "insured": _rows([{"matricule": m, "birth_date": date(2010, 1, 1)} for m in matricules], INSURED_SCHEMA),
        "affiliations": _rows([], AFFILIATION_SCHEMA),
        "providers": _rows([], PROVIDER_SCHEMA),
        "memberships": _rows([], MEMBERSHIP_SCHEMA),
    }
    file = file_frame(demaut.header, "F_EXAMPLE_DEMAUT", date(2024, 3, 7))
    duck, spark_found = on_both(lambda: decide(requests, file, registries, KIN_REFERENCE).findings)
    assert duck.height > 0
    assert_same(duck, spark_found)


def test_refac_example_sending_agrees(spark: Any) -> None:
    """The sample 920000, against a history holding its own services (so "already billed" and the counting rules
    see earlier sendings)."""
    intake = read_intake(SAMPLE_FILE.read_bytes(), SAMPLE_FILE.name)
    batch = build_batch(intake.frames)
    history = batch.lines.select(HISTORY_SCHEMA.names()).cast(HISTORY_SCHEMA)
    tables = build_tables(batch.lines, batch.invoices, history, REFAC_REFERENCE)
    duck, spark_found = on_both(lambda: evaluate_rules(tables))
    assert duck.height > 0
    assert_same(duck, spark_found)


# --- hand-built batches for what generated ones rarely reach --------------------------------------------------------


def test_kin_counting_rules_agree(spark: Any) -> None:
    """The counting rules read only the lines no other rule refused: two non-cumulable acts on one day, a ledger
    service that day, and a titre's sessions used up."""
    base = {
        "invoice_number": "MH1",
        "matricule": PATIENTS[0],
        "fund": "CNS",
        "titre_id": TITRES[0],
        "performer_code": MEMBER,
        "place_category": "01",
        "tariff_cents": 2987,
        "insured_cents": 896,
        "asked_cents": 2091,
        "facturier": FACTURIER,
    }
    days_acts = [
        (date(2024, 3, 11), "ZK41"),
        (date(2024, 3, 11), "ZK16"),
        (date(2024, 3, 12), "ZK11"),
        (date(2024, 3, 13), "ZK11"),
        (date(2024, 3, 14), "ZK11"),
    ]
    lines = _rows(
        [
            {**base, "row_id": i, "line_number": i + 1, "service_date": day, "act_code": act}
            for i, (day, act) in enumerate(days_acts)
        ],
        KIN_LINE_SCHEMA,
    )
    titre = {
        "titre_id": TITRES[0],
        "matricule": PATIENTS[0],
        "facturier": FACTURIER,
        "pathology": "COMMON",
        "issued_on": date(2024, 3, 8),
        "valid_from": date(2024, 3, 1),
        "valid_to": date(2025, 3, 8),
        "rate_e2": 7000,
        "first_service_on": None,
    }
    history = {
        "titres": _rows([titre], TITRE_SCHEMA),
        "titre_acts": _rows(
            [
                {"titre_id": TITRES[0], "act_code": a, "sessions": 2, "sessions_paid": 1}
                for a in ("ZK11", "ZK41", "ZK16")
            ],
            TITRE_ACT_SCHEMA,
        ),
        "ledger": _rows(
            [
                {
                    "matricule": PATIENTS[0],
                    "service_date": date(2024, 3, 12),
                    "act_code": "ZK16",
                    "titre_id": TITRES[1],
                    "deposit_id": 4,
                }
            ],
            LEDGER_SCHEMA,
        ),
        "insured": _rows([{"matricule": PATIENTS[0], "birth_date": date(1956, 3, 14)}], INSURED_SCHEMA),
        "affiliations": _rows(
            [{"matricule": PATIENTS[0], "fund": "CNS", "valid_from": date(2000, 1, 1), "valid_to": OPEN_END}],
            AFFILIATION_SCHEMA,
        ),
        "providers": _rows([{"code": FACTURIER, "name": "Cabinet", "kind": "group"}], PROVIDER_SCHEMA),
        "memberships": _rows(
            [
                {
                    "group_code": FACTURIER,
                    "member_code": MEMBER,
                    "kind": "joint_invoicing",
                    "valid_from": date(2020, 1, 1),
                    "valid_to": OPEN_END,
                }
            ],
            MEMBERSHIP_SCHEMA,
        ),
    }
    with using("duckdb"):
        fired = set(adjudicate(lines, kin_file("FAC", date(2024, 4, 2)), history, KIN_REFERENCE).findings["rule"])
    assert {"bill_acts_per_day", "bill_cumulation", "bill_sessions_authorised"} <= fired
    assert_same_adjudication(lines, kin_file("FAC", date(2024, 4, 2)), history)


def test_refac_stays_and_periods_agree(spark: Any) -> None:
    """A service during a hospital stay (with a second stay admitted the same day: the comment must not depend on
    which stay an engine meets first) and a palliative flat fee over a diabetes education period."""
    plain, hospital = NISS[0], NISS[4]
    rows = [
        {"niss": hospital, "nomenclature_code": 424255, "first_service_date": date(2025, 3, 12)},
        {
            "niss": plain,
            "nomenclature_code": 427390,
            "first_service_date": date(2025, 3, 3),
            "last_service_date": date(2025, 3, 13),
        },
        {"niss": plain, "nomenclature_code": 423135, "first_service_date": date(2025, 3, 12)},
    ]
    lines = [
        {
            "key": 10 + i,
            "invoice_key": 100,
            "invoice_index": 1,
            "invoice_number": "000000000001",
            "third_party": "90000000001",
            "service_norm": 0,
            "last_service_date": row["first_service_date"],
            "care_provider": NURSES[0],
            "units": 1,
            "insurance_amount": 1000,
            "same_day_repetition": 0,
            "has_eid": True,
            "payment_commitment_part_a": 0,
            "insurability_start_date": None,
            "insurability_end_date": None,
            **row,
        }
        for i, row in enumerate(rows)
    ]
    invoice = {
        "key": 100,
        "invoice_index": 1,
        "invoice_number": "000000000001",
        "niss": plain,
        "affiliation_mutuality": 319,
        "ct1": 110,
        "ct2": 110,
        "payment_commitment_part_a": 0,
        "insurability_start_date": None,
        "insurability_end_date": None,
        "communication_date": None,
        "maf_current_year": None,
        "maf_previous_year": None,
        "maf_two_years_ago": None,
    }
    tables = build_tables(
        pl.DataFrame(lines, schema=LINE_SCHEMA),
        pl.DataFrame([invoice], schema=INVOICE_SCHEMA),
        pl.DataFrame(schema=HISTORY_SCHEMA),
        REFAC_REFERENCE,
    )
    stays = tables["hospital_stays"]
    tie = stays.filter(pl.col("niss") == hospital).with_columns(pl.lit("71099909").alias("hospital"))
    tables["hospital_stays"] = pl.concat([stays, tie])
    with using("duckdb"):
        fired = set(evaluate_rules(tables)["rule"])
    assert {"billed_during_hospital_stay", "not_cumulable_same_period"} <= fired
    assert_same(*on_both(lambda: evaluate_rules(tables)))
