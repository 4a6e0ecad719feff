"""The default engine: DuckDB in-process, tables registered zero-copy (Polars / Arrow) or read from Parquet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Literal

import duckdb
import polars as pl
import pyarrow as pa

from tierspayant.core.rules.backend import OnRule, Table
from tierspayant.core.rules.model import Macro, Rule, check_tables, empty_findings, findings_of


class DuckDBRuleSession:
    @property
    def engine(self) -> Literal["duckdb"]:
        return "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None, macros: tuple[Macro, ...] = ()) -> None:
        self._owned = connection is None
        self.connection = connection if connection is not None else quiet_connection()
        self._registered: dict[str, Table] = {}
        for macro in macros:
            self.connection.execute(f"CREATE OR REPLACE MACRO {macro.name}({', '.join(macro.params)}) AS {macro.body}")

    def register(self, tables: Mapping[str, Table]) -> None:
        for name, table in tables.items():
            if self._registered.get(name) is table:
                continue
            if isinstance(self._registered.get(name), Path):
                self.connection.execute(f'DROP VIEW IF EXISTS "{name}"')
            if isinstance(table, Path):
                source = parquet_glob(table).replace("'", "''")
                self.connection.execute(f"CREATE OR REPLACE VIEW \"{name}\" AS SELECT * FROM read_parquet('{source}')")
            else:
                self.connection.register(name, arrow_of(table) if isinstance(table, pl.DataFrame) else table)
            self._registered[name] = table

    def tables(self) -> frozenset[str]:
        return frozenset(self._registered)

    def run(self, rules: Iterable[Rule], on_rule: OnRule | None = None) -> pl.DataFrame:
        parts: list[pl.DataFrame] = []
        for rule in rules:
            check_tables(rule, self._registered)
            try:
                frame = self.connection.sql(f"SELECT * FROM ({rule.sql}) AS hits").pl()
            except duckdb.Error as exc:
                raise RuntimeError(f"rule {rule.id} failed: {exc}") from exc
            hits = findings_of(rule, frame)
            if on_rule is not None:
                on_rule(rule, hits)
            if hits.height:
                parts.append(hits)
        return pl.concat(parts, how="vertical") if parts else empty_findings()

    def close(self) -> None:
        if self._owned:
            self.connection.close()

    def __enter__(self) -> DuckDBRuleSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def parquet_glob(path: Path) -> str:
    """A Parquet file, or every Parquet file of a folder (a table written in parts)."""
    return str(path / "*.parquet") if path.is_dir() else str(path)


def quiet_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB without its own progress bar: a long query under load would otherwise draw one on the
    terminal of whoever runs the service (the commands show their own)."""
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")  # a per-connection setting, not a global option
    return connection


def arrow_of(frame: pl.DataFrame) -> pa.Table:
    """A frame as Arrow without copying it: strings stay Polars' string views, which DuckDB scans as they are. (A
    Polars frame registered as such is converted again at every query, and the default conversion copies every
    string into a new buffer: hundreds of MB for a million lines.)"""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())
