"""Rules as data, evaluated set-at-a-time with DuckDB SQL.

A rule is a declared object (id, anomaly code, level, effect, description) whose check is one SQL ``SELECT`` over
the batch's tables (the lines of the file, the reference tables, the history fetched once per file). The query
returns one row per finding with a ``key`` column (the line / invoice / file key of the rule's level) and, if it
wishes, a ``detail`` text column (the remark sent back: "the other service was billed on 2024-03-02 by …").

Why SQL: one query per rule per file (never one per line); DuckDB runs it vectorised in-process on the Arrow /
Polars frames without copying; and the same standard SQL (window functions, joins) runs unchanged on a
distributed engine (Spark SQL, Trino, DuckDB on MotherDuck) over the same table names — see docs/rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from tierspayant.core.findings import Effect, Level

FINDING_COLUMNS: dict[str, type[pl.DataType]] = {
    "rule": pl.Utf8,
    "code": pl.Utf8,
    "level": pl.Utf8,
    "effect": pl.Utf8,
    "key": pl.Utf8,
    "detail": pl.Utf8,
}

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """One control: what it checks (``sql``), what it is called, and what a hit does."""

    id: str
    code: str
    level: Level
    effect: Effect
    description: str
    sql: str
    tables: tuple[str, ...] = field(default=())  # the tables the query reads (checked before running)

    def __post_init__(self) -> None:
        if not _IDENT.match(self.id):
            raise ValueError(f"rule id {self.id!r}: lowercase letters, digits and '_' only")
        if not self.sql.strip().lower().startswith(("select", "with")):
            raise ValueError(f"rule {self.id}: the check must be a single SELECT (or WITH … SELECT) query")


@dataclass(frozen=True)
class RuleSet:
    """An ordered set of rules of one scheme."""

    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} declared twice")
            seen.add(rule.id)

    def __iter__(self) -> Any:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_rules(source: str | Path | Traversable) -> RuleSet:
    """Read a YAML list of rules: ``- {id, code, level, effect, description, tables, sql}``."""
    path = source if isinstance(source, Traversable) else Path(source)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a YAML list of rules")
    rules = []
    for index, item in enumerate(data, start=1):
        try:
            rules.append(
                Rule(
                    id=str(item["id"]),
                    code=str(item["code"]),
                    level=Level(item["level"]),
                    effect=Effect(item["effect"]),
                    description=str(item["description"]).strip(),
                    sql=str(item["sql"]),
                    tables=tuple(item.get("tables", ())),
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{source}: rule #{index} ({item.get('id', '?')}): {exc}") from exc
    return RuleSet(tuple(rules))


def package_rules(package: str, name: str = "rules.yaml") -> RuleSet:
    """Load the rules file shipped inside a scheme package."""
    return load_rules(resources.files(package).joinpath(name))


def evaluate(
    rules: Iterable[Rule],
    tables: Mapping[str, pl.DataFrame | Any],
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pl.DataFrame:
    """Run every rule once over the whole batch and return all findings as one frame.

    ``tables`` maps a table name to a Polars frame or an Arrow table; they are registered as DuckDB views
    (zero-copy). The result has the columns of ``FINDING_COLUMNS``; ``key`` is text so that line numbers,
    invoice numbers and file names share one column.
    """
    con = connection or duckdb.connect()
    try:
        for name, frame in tables.items():
            con.register(name, frame)
        parts: list[pl.DataFrame] = []
        for rule in rules:
            missing = [t for t in rule.tables if t not in tables]
            if missing:
                raise ValueError(f"rule {rule.id}: table(s) {', '.join(missing)} not provided")
            hits = _run(con, rule)
            if hits.height:
                parts.append(hits)
        if not parts:
            return empty_findings()
        return pl.concat(parts, how="vertical")
    finally:
        if connection is None:
            con.close()


def _run(con: duckdb.DuckDBPyConnection, rule: Rule) -> pl.DataFrame:
    query = f"SELECT * FROM ({rule.sql}) AS hits"
    try:
        frame = con.sql(query).pl()
    except duckdb.Error as exc:
        raise RuntimeError(f"rule {rule.id} failed: {exc}") from exc
    if "key" not in frame.columns:
        raise RuntimeError(f"rule {rule.id}: its query must return a 'key' column")
    detail = (
        frame["detail"].cast(pl.Utf8)
        if "detail" in frame.columns
        else pl.Series("detail", [None] * frame.height, dtype=pl.Utf8)
    )
    return pl.DataFrame(
        {
            "rule": [rule.id] * frame.height,
            "code": [rule.code] * frame.height,
            "level": [rule.level.value] * frame.height,
            "effect": [rule.effect.value] * frame.height,
            "key": frame["key"].cast(pl.Utf8),
            "detail": detail,
        },
        schema=FINDING_COLUMNS,
    )


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_COLUMNS)
