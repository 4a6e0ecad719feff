"""Run the declared REFAC rules (``schemes/be_nursing/rules.yaml``) on the core engine: one SQL query per rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

import polars as pl

from tierspayant.core.rules.engine import Rule, RuleSet, evaluate, package_rules

RULES_PACKAGE = "tierspayant.schemes.be_nursing"


@cache
def refac_rules() -> RuleSet:
    """The rules shipped with the scheme (read once per process)."""
    return package_rules(RULES_PACKAGE)


def evaluate_rules(tables: Mapping[str, pl.DataFrame], rules: Iterable[Rule] | None = None) -> pl.DataFrame:
    """All findings of the file, one row per (rule, record): rule, code, level, effect, key (record index), detail.

    Only the tables the rules declare are handed to the engine (each one is registered with DuckDB)."""
    chosen = list(refac_rules() if rules is None else rules)
    if all(rule.tables for rule in chosen):
        needed = {name for rule in chosen for name in rule.tables}
        tables = {name: frame for name, frame in tables.items() if name in needed}
    found = evaluate(chosen, tables)
    return found.with_columns(pl.col("key").cast(pl.Int64))
