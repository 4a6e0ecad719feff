"""Which engine runs the rules: DuckDB in-process (the default) or Apache Spark (``local[*]`` or a cluster).

A :class:`RuleSession` holds a batch's tables by name and runs rules over them; both engines return findings in
the same frame (``model.FINDING_COLUMNS``). The choice is a setting: ``TIERSPAYANT_RULES_ENGINE=duckdb|spark`` (and
``TIERSPAYANT_SPARK_MASTER``, default ``local[*]``), or :func:`configure` from the platform's settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import polars as pl

from tierspayant.core.rules.model import Macro, Rule

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
ENGINE_ENV = "TIERSPAYANT_RULES_ENGINE"
SPARK_MASTER_ENV = "TIERSPAYANT_SPARK_MASTER"

# A table is a Polars frame, an Arrow table, or a Parquet file / folder of Parquet files (what a month on shared
# storage is): both engines read all three under the same name.
Table = pl.DataFrame | Path | Any
OnRule = Callable[[Rule, pl.DataFrame], None]

_configured: dict[str, str] = {}


class RuleSession(Protocol):
    """A batch's tables registered on one engine, ready for rules."""

    @property
    def engine(self) -> Engine:
        """Which engine runs the rules."""

    def register(self, tables: Mapping[str, Table]) -> None:
        """Add or replace tables by name (a table already registered as the same object is kept as it is)."""

    def tables(self) -> frozenset[str]:
        """The names registered so far."""

    def run(self, rules: Iterable[Rule], on_rule: OnRule | None = None) -> pl.DataFrame:
        """Every rule once over the registered tables: all findings in one frame (``on_rule`` after each rule)."""

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


def configure(engine: str | None = None, spark_master: str | None = None) -> None:
    """Set the engine for this process (the platform calls it with its settings); the environment is the fallback."""
    if engine is not None:
        _configured["engine"] = _checked(engine, "setting rules_engine")
    if spark_master is not None:
        _configured["spark_master"] = spark_master


@contextmanager
def using(engine: str) -> Iterator[None]:
    """Run the rules of the enclosed code on ``engine`` (benchmarks and the differential test compare engines)."""
    before = dict(_configured)
    configure(engine)
    try:
        yield
    finally:
        _configured.clear()
        _configured.update(before)


def selected_engine() -> Engine:
    if "engine" in _configured:
        return _checked(_configured["engine"], "setting rules_engine")
    return _checked(os.environ.get(ENGINE_ENV) or "duckdb", ENGINE_ENV)


def spark_master() -> str:
    return _configured.get("spark_master") or os.environ.get(SPARK_MASTER_ENV) or "local[*]"


def open_session(engine: str | None = None, macros: Iterable[Macro] = ()) -> RuleSession:
    """A session on ``engine`` (default: the configured one) with the scheme's SQL helpers (``macros``)."""
    chosen = _checked(engine, "engine") if engine is not None else selected_engine()
    if chosen == "spark":
        from tierspayant.core.rules.spark import SparkRuleSession

        return SparkRuleSession(macros=tuple(macros))
    from tierspayant.core.rules.duckdb_session import DuckDBRuleSession

    return DuckDBRuleSession(macros=tuple(macros))


def _checked(value: str, source: str) -> Engine:
    if value not in ENGINES:
        raise ValueError(f"{source}: rules engine {value!r} is not one of {', '.join(ENGINES)}")
    return value
