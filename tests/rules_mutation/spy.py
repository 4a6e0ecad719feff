"""A spy on the rule engine: every rule a DuckDB rule session runs goes through ``DuckDBRuleSession.run``; wrapped,
it notes which rules ran and which fired (returned findings), keeps a rule's input tables when asked, and runs a
mutated rule in place of the original when one is injected."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from tierspayant.core.rules.backend import OnRule
from tierspayant.core.rules.duckdb_session import DuckDBRuleSession
from tierspayant.core.rules.model import Macro, Rule


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
    """One evaluation of a rule: the tables it read and the findings it returned."""

    rule_id: str
    tables: dict[str, Any]
    findings: pl.DataFrame


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    original = DuckDBRuleSession.run

    def run(self: DuckDBRuleSession, rules: Iterable[Rule], on_rule: OnRule | None = None) -> pl.DataFrame:
        injected = recorder.inject
        chosen = [injected if injected is not None and rule.id == injected.id else rule for rule in rules]

        def noted(rule: Rule, hits: pl.DataFrame) -> None:
            if rule.id in recorder.snapshot:
                tables = {name: self.connection.sql(f'SELECT * FROM "{name}"').pl() for name in rule.tables}
                recorder.snapshots.append(Snapshot(rule.id, tables, hits))
            recorder.evaluated.add(rule.id)
            if hits.height:
                recorder.fired.add(rule.id)
            if on_rule is not None:
                on_rule(rule, hits)

        return original(self, chosen, noted)

    DuckDBRuleSession.run = run  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        DuckDBRuleSession.run = original  # type: ignore[method-assign]


def replay_session(macros: Iterable[Macro] = ()) -> DuckDBRuleSession:
    """One DuckDB session with a scheme's macros, on which the snapshots of a sweep are replayed."""
    return DuckDBRuleSession(None, tuple(macros))


def replay(snapshot: Snapshot, rule: Rule, session: DuckDBRuleSession) -> bool:
    """Whether ``rule`` (a mutant) returns the same findings as the original did on the snapshot's tables: if it does
    at every evaluation of a test, that test runs exactly as before and passes — no need to run it."""
    session.register(snapshot.tables)
    found, before = session.run([replace(rule)]), snapshot.findings
    # the same findings in any order: a rule's row order is not defined (DISTINCT, joins), so no test reads it
    return bool(found.sort(found.columns, nulls_last=True).equals(before.sort(before.columns, nulls_last=True)))
