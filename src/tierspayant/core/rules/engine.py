"""Rules as data, evaluated set-at-a-time: one SQL query per rule over the whole batch.

A rule is a declared object (id, anomaly code, level, effect, description) whose check is one SQL ``SELECT`` over
the batch's tables (the lines of the file, the reference tables, the history fetched once per file). The query
returns one row per finding with a ``key`` column (the line / invoice / file key of the rule's level) and, if it
wishes, a ``detail`` text column (the remark sent back: "the other service was billed on 2024-03-02 by …").

Why SQL: one query per rule per file (never one per line); DuckDB runs it vectorised in-process on the Arrow /
Polars frames without copying (the default), and Apache Spark runs the same rules — transpiled by SQLGlot — over
the same table names, from ``local[*]`` to a cluster (``backend``, ``spark``; docs/rules.md, docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb
import polars as pl

from tierspayant.core.rules.backend import OnRule, RuleSession, Table, open_session
from tierspayant.core.rules.duckdb_session import DuckDBRuleSession
from tierspayant.core.rules.model import (
    FINDING_COLUMNS,
    Macro,
    Rule,
    RuleSet,
    empty_findings,
    findings_of,
    load_rules,
    package_rules,
)

__all__ = [
    "FINDING_COLUMNS",
    "Macro",
    "Rule",
    "RuleSet",
    "empty_findings",
    "evaluate",
    "findings_of",
    "load_rules",
    "package_rules",
]


def evaluate(
    rules: Iterable[Rule],
    tables: Mapping[str, Table],
    connection: duckdb.DuckDBPyConnection | RuleSession | None = None,
    *,
    on_rule: OnRule | None = None,
) -> pl.DataFrame:
    """Run every rule once over the whole batch and return all findings as one frame.

    ``tables`` maps a table name to a Polars frame, an Arrow table or a Parquet path. ``connection``: a DuckDB
    connection (the tables are registered on it, zero-copy), a :class:`RuleSession` of either engine (tables it
    already holds as the same object are not sent again), or nothing — a session on the configured engine is
    opened and closed around the call. The result has the columns of ``FINDING_COLUMNS``; ``key`` is text so that
    line numbers, invoice numbers and file names share one column.
    """
    rules = list(rules)
    if isinstance(connection, duckdb.DuckDBPyConnection):
        session: RuleSession = DuckDBRuleSession(connection)
    elif connection is not None:
        session = connection
    else:
        with open_session() as session:
            session.register(tables)
            return session.run(rules, on_rule)
    session.register(tables)
    return session.run(rules, on_rule)
