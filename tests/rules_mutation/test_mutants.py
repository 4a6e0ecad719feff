"""The mutant generator on small queries: each operator changes the one place it names."""

from __future__ import annotations

from tierspayant.core.findings import Effect, Level
from tierspayant.core.rules.engine import Rule

from .mutants import mutants, round_trip


def rule(sql: str) -> Rule:
    return Rule("r", "X", Level.LINE, Effect.REJECT_LINE, "", sql)


def test_comparisons_flip_and_conjuncts_drop() -> None:
    found = {(m.kind, m.sql) for m in mutants(rule("SELECT k AS key FROM t WHERE a < 1 AND b >= 2"))}
    assert found == {
        ("flip", "SELECT k AS key FROM t WHERE a <= 1 AND b >= 2"),
        ("flip", "SELECT k AS key FROM t WHERE a < 1 AND b > 2"),
        ("drop_conjunct", "SELECT k AS key FROM t WHERE TRUE AND b >= 2"),
        ("drop_conjunct", "SELECT k AS key FROM t WHERE a < 1 AND TRUE"),
    }


def test_disjuncts_drop_and_between_bounds_drop_and_shift_by_one_day() -> None:
    sql = "SELECT k AS key FROM t WHERE (d < s OR d > e) AND NOT d BETWEEN f AND g"
    found = {m.sql.removeprefix("SELECT k AS key FROM t WHERE ") for m in mutants(rule(sql)) if m.kind != "flip"}
    assert found == {
        "TRUE AND NOT d BETWEEN f AND g",
        "(d < s OR d > e) AND TRUE",
        "(FALSE OR d > e) AND NOT d BETWEEN f AND g",
        "(d < s OR FALSE) AND NOT d BETWEEN f AND g",
        "(d < s OR d > e) AND NOT d <= g",
        "(d < s OR d > e) AND NOT d >= f",
        "(d < s OR d > e) AND NOT d BETWEEN (f + INTERVAL '1' DAY) AND g",
        "(d < s OR d > e) AND NOT d BETWEEN (f - INTERVAL '1' DAY) AND g",
        "(d < s OR d > e) AND NOT d BETWEEN f AND (g + INTERVAL '1' DAY)",
        "(d < s OR d > e) AND NOT d BETWEEN f AND (g - INTERVAL '1' DAY)",
    }


def test_macros_that_sqlglot_reads_as_keywords_survive_the_round_trip() -> None:
    assert "percent(p.rate_e2)" in round_trip(rule("SELECT percent(p.rate_e2) AS key FROM p")).sql


def test_having_conjuncts_drop() -> None:
    sql = "SELECT k AS key FROM t GROUP BY k HAVING sum(a) <> 1 AND max(b) = 2"
    found = {m.sql for m in mutants(rule(sql)) if m.kind == "drop_conjunct"}
    assert found == {
        "SELECT k AS key FROM t GROUP BY k HAVING TRUE AND MAX(b) = 2",
        "SELECT k AS key FROM t GROUP BY k HAVING SUM(a) <> 1 AND TRUE",
    }


def test_the_same_condition_at_two_places_gives_two_mutants_with_two_names() -> None:
    # (sqlglot walks the tree breadth first: the WHERE before the CASE of a column)
    sql = "SELECT k AS key, CASE WHEN d < s THEN 'x' END AS detail FROM t WHERE d < s"
    found = [(m.name, m.sql.removeprefix("SELECT k AS key, ")) for m in mutants(rule(sql)) if m.kind == "flip"]
    assert found == [
        ("r: flip: d < s  →  d <= s", "CASE WHEN d < s THEN 'x' END AS detail FROM t WHERE d <= s"),
        ("r: flip: d < s  →  d <= s  [#2]", "CASE WHEN d <= s THEN 'x' END AS detail FROM t WHERE d < s"),
    ]
