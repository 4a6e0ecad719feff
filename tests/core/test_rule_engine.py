from pathlib import Path

import polars as pl
import pytest

from tierspayant.core.findings import Effect, Level
from tierspayant.core.rules import Rule, RuleSet, evaluate, load_rules
from tierspayant.core.rules.model import findings_of

LINES = pl.DataFrame({"line_id": [1, 2, 3], "patient": ["a", "a", "b"], "day": ["d1", "d1", "d1"]})

TWO_PER_DAY = Rule(
    id="one_act_per_day",
    code="K101",
    level=Level.LINE,
    effect=Effect.REJECT_LINE,
    description="At most one act per patient and day.",
    sql="""
        SELECT line_id AS key, 'other line ' || first_line AS detail FROM (
          SELECT line_id, min(line_id) OVER (PARTITION BY patient, day) AS first_line FROM lines)
        WHERE line_id <> first_line
    """,
    tables=("lines",),
)


def test_rule_returns_one_finding_per_hit() -> None:
    found = evaluate([TWO_PER_DAY], {"lines": LINES})
    assert found.select("rule", "code", "key", "detail").rows() == [("one_act_per_day", "K101", "2", "other line 1")]


def test_rule_without_hits_returns_empty_frame_with_columns() -> None:
    found = evaluate([TWO_PER_DAY], {"lines": LINES.filter(pl.col("line_id") != 2)})
    assert found.height == 0 and "key" in found.columns


def test_missing_table_is_named() -> None:
    with pytest.raises(ValueError, match="lines"):
        evaluate([TWO_PER_DAY], {})


def test_rule_must_be_a_select() -> None:
    with pytest.raises(ValueError, match="SELECT"):
        Rule("drop_it", "X", Level.FILE, Effect.INFORM, "", "DROP TABLE lines")


def test_duplicate_rule_ids_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        RuleSet((TWO_PER_DAY, TWO_PER_DAY))


def test_load_rules_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "- id: negative\n  code: K9\n  level: line\n  effect: reject_line\n  description: no negative\n"
        "  tables: [lines]\n  sql: SELECT line_id AS key FROM lines WHERE line_id < 0\n"
    )
    rules = load_rules(path)
    assert rules.get("negative").effect is Effect.REJECT_LINE
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  code: K9\n  level: nowhere\n  effect: inform\n  description: d\n  sql: SELECT 1\n")
    with pytest.raises(ValueError, match="rule #1"):
        load_rules(bad)


def test_engine_choice_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from tierspayant.core.rules import open_session, selected_engine
    from tierspayant.core.rules.backend import ENGINE_ENV, using

    monkeypatch.setenv(ENGINE_ENV, "trino")
    with pytest.raises(ValueError, match=r"TIERSPAYANT_RULES_ENGINE.*duckdb, spark"):
        selected_engine()
    with pytest.raises(ValueError, match="'oracle' is not one of duckdb, spark"):
        open_session("oracle")
    monkeypatch.delenv(ENGINE_ENV)
    assert selected_engine() == "duckdb"
    with using("spark"):
        assert selected_engine() == "spark"
    assert selected_engine() == "duckdb"


def test_a_rule_may_declare_its_spark_text(tmp_path: Path) -> None:
    from tierspayant.core.rules.dialects import rule_sql

    path = tmp_path / "rules.yaml"
    path.write_text(
        "- id: late\n  code: K9\n  level: line\n  effect: inform\n  description: d\n  tables: [lines]\n"
        "  sql: SELECT line_id AS key FROM lines WHERE d - e > 3\n"
        "  dialects:\n    spark: SELECT line_id AS key FROM lines WHERE datediff(d, e) > 3\n"
    )
    rule = load_rules(path).get("late")
    assert rule_sql(rule, "spark") == "SELECT line_id AS key FROM lines WHERE datediff(d, e) > 3"
    assert rule_sql(rule, "duckdb").startswith("SELECT line_id AS key FROM lines WHERE d - e")
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace("    spark:", "    oracle:"))
    with pytest.raises(ValueError, match="unknown SQL dialect 'oracle'"):
        load_rules(bad)


def test_duckdb_session_reads_parquet_in_place(tmp_path: Path) -> None:
    """A table given as a Parquet path (a month on shared storage) is a view over the file, not a copy."""
    path = tmp_path / "lines.parquet"
    LINES.write_parquet(path)
    found = evaluate([TWO_PER_DAY], {"lines": path})
    assert found.select("key", "detail").rows() == [("2", "other line 1")]


def test_findings_come_one_chunk_per_column_whatever_the_engine_answer() -> None:
    # An engine answers in batches; findings chunked unevenly would be copied whole by the next select or filter.
    answer = pl.concat(
        [pl.DataFrame({"key": [i, i + 1], "detail": [f"remark {i}", None]}) for i in range(0, 20, 2)], rechunk=False
    )
    assert answer.n_chunks() == 10
    found = findings_of(TWO_PER_DAY, answer)
    assert set(found.n_chunks("all")) == {1}
    assert found["key"].to_list() == [str(i) for i in range(20)]
    assert found["detail"].to_list() == [f"remark {i}" if i % 2 == 0 else None for i in range(20)]
    assert set(found["rule"]) == {"one_act_per_day"} and set(found["effect"]) == {Effect.REJECT_LINE.value}
    bare = findings_of(TWO_PER_DAY, answer.select("key"))  # a rule may give no remark
    assert bare["detail"].null_count() == 20 and set(bare.n_chunks("all")) == {1}
