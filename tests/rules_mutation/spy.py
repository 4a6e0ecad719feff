"""A spy on the rule engine: every rule evaluation goes through ``tierspayant.core.rules.engine._run``; put in its
place, it notes which rules ran and which fired (returned findings), and can run a mutated rule instead."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from tierspayant.core.rules import engine
from tierspayant.core.rules.engine import Rule


@dataclass
class Recorder:
    """What the rule engine did while a test ran: rules evaluated, rules that fired; and the rule to inject."""

    evaluated: set[str] = field(default_factory=set)
    fired: set[str] = field(default_factory=set)
    inject: Rule | None = None
    snapshot: frozenset[str] = frozenset()  # rules whose inputs and findings are kept (to replay a mutant alone)
    snapshots: list[Snapshot] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """One evaluation of a rule: the tables it read (as Arrow) and the findings it returned."""

    rule_id: str
    tables: dict[str, Any]
    findings: pl.DataFrame


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    original = engine._run

    def run(con: duckdb.DuckDBPyConnection, rule: Rule) -> pl.DataFrame:
        actual = recorder.inject if recorder.inject is not None and recorder.inject.id == rule.id else rule
        hits = original(con, actual)
        if rule.id in recorder.snapshot:
            tables = {name: con.sql(f"SELECT * FROM {name}").pl() for name in rule.tables}
            recorder.snapshots.append(Snapshot(rule.id, tables, hits))
        recorder.evaluated.add(rule.id)
        if hits.height:
            recorder.fired.add(rule.id)
        return hits

    engine._run = run  # type: ignore[assignment]  # evaluate() looks _run up at each call
    try:
        yield recorder
    finally:
        engine._run = original  # type: ignore[assignment]


def replay(snapshot: Snapshot, rule: Rule, con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``rule`` (a mutant) returns the same findings as the original did on the snapshot's tables: if it does
    at every evaluation of a test, that test runs exactly as before and passes — no need to run it. ``con`` is one
    connection of the scheme (its macros defined), reused: the tables are registered for the replay and dropped."""
    for name, table in snapshot.tables.items():
        con.register(name, table)
    try:
        found, before = engine._run(con, rule), snapshot.findings
    finally:
        for name in snapshot.tables:
            con.unregister(name)
    # the same findings in any order: a rule's row order is not defined (DISTINCT, joins), so no test reads it
    return bool(found.sort(found.columns, nulls_last=True).equals(before.sort(before.columns, nulls_last=True)))
