"""What a rule is (declared data), how rules files are read, and the shape of the findings every engine returns."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

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

DIALECTS = ("duckdb", "spark")  # ``sql`` is written in DuckDB's; others are transpiled unless declared
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """One control: what it checks (``sql``), what it is called, and what a hit does.

    ``dialect_sql`` holds the same check written for another engine (``(("spark", "SELECT …"),)``), for the rare
    query SQLGlot cannot carry over; without it the DuckDB text is transpiled."""

    id: str
    code: str
    level: Level
    effect: Effect
    description: str
    sql: str
    tables: tuple[str, ...] = field(default=())  # the tables the query reads (checked before running)
    dialect_sql: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not _IDENT.match(self.id):
            raise ValueError(f"rule id {self.id!r}: lowercase letters, digits and '_' only")
        for dialect, text in ((None, self.sql), *self.dialect_sql):
            if dialect is not None and dialect not in DIALECTS:
                raise ValueError(f"rule {self.id}: unknown SQL dialect {dialect!r} (one of {', '.join(DIALECTS)})")
            if not text.strip().lower().startswith(("select", "with")):
                raise ValueError(f"rule {self.id}: the check must be a single SELECT (or WITH … SELECT) query")

    def declared_sql(self, dialect: str) -> str | None:
        """The query written for ``dialect`` in the rules file, if any (``duckdb``: always ``sql``)."""
        if dialect == "duckdb":
            return self.sql
        return dict(self.dialect_sql).get(dialect)


@dataclass(frozen=True)
class Macro:
    """A small SQL helper rules call by name (``euros(cents)``): a DuckDB macro, inlined into the query on an
    engine without macros. ``body`` is a DuckDB SQL expression over ``params``."""

    name: str
    params: tuple[str, ...]
    body: str


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

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_rules(source: str | Path | Traversable) -> RuleSet:
    """Read a YAML list of rules: ``- {id, code, level, effect, description, tables, sql[, dialects: {spark: …}]}``."""
    path = source if isinstance(source, Traversable) else Path(source)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a YAML list of rules")
    rules = []
    for index, item in enumerate(data, start=1):
        try:
            dialects: Mapping[str, Any] = item.get("dialects") or {}
            rules.append(
                Rule(
                    id=str(item["id"]),
                    code=str(item["code"]),
                    level=Level(item["level"]),
                    effect=Effect(item["effect"]),
                    description=str(item["description"]).strip(),
                    sql=str(item["sql"]),
                    tables=tuple(item.get("tables", ())),
                    dialect_sql=tuple((str(name), str(text)) for name, text in dialects.items()),
                )
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"{source}: rule #{index} ({item.get('id', '?')}): {exc}") from exc
    return RuleSet(tuple(rules))


def package_rules(package: str, name: str = "rules.yaml") -> RuleSet:
    """Load the rules file shipped inside a scheme package."""
    return load_rules(resources.files(package).joinpath(name))


def findings_of(rule: Rule, frame: pl.DataFrame) -> pl.DataFrame:
    """One rule's hits (``key`` and maybe ``detail`` columns) as finding rows; ``key`` becomes text so that line
    numbers, invoice numbers and file names share one column."""
    if "key" not in frame.columns:
        raise RuntimeError(f"rule {rule.id}: its query must return a 'key' column")
    # Every column in one chunk: the engine's answer comes in batches, and a findings frame whose columns are chunked
    # unevenly is copied whole by the next select or filter (tens of MB for a month's hundreds of thousands of hits).
    height = frame.height
    detail = (
        frame["detail"].cast(pl.Utf8).rechunk()
        if "detail" in frame.columns
        else pl.repeat(None, height, dtype=pl.Utf8, eager=True)
    )
    return pl.DataFrame(
        {
            "rule": pl.repeat(rule.id, height, dtype=pl.Utf8, eager=True),
            "code": pl.repeat(rule.code, height, dtype=pl.Utf8, eager=True),
            "level": pl.repeat(rule.level.value, height, dtype=pl.Utf8, eager=True),
            "effect": pl.repeat(rule.effect.value, height, dtype=pl.Utf8, eager=True),
            "key": frame["key"].cast(pl.Utf8).rechunk(),
            "detail": detail,
        },
        schema=FINDING_COLUMNS,
    )


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_COLUMNS)


def check_tables(rule: Rule, provided: Any) -> None:
    """A rule that names a table nobody provided fails before it runs, naming the table."""
    missing = [t for t in rule.tables if t not in provided]
    if missing:
        raise ValueError(f"rule {rule.id}: table(s) {', '.join(missing)} not provided")
