"""Apache Spark as the rules engine: the same rules files, transpiled by SQLGlot, over the batch's tables as Parquet.

Each table reaches Spark as Parquet — a frame is written once into the session's staging folder, a table that is
already a Parquet file or folder (a month on shared storage) is read where it lies — and is registered as a
temporary view under its rule-table name. Findings come back through Arrow in the frame DuckDB gives.

One SparkSession per process (starting the JVM takes seconds): ``spark_session()`` makes it from the settings —
``TIERSPAYANT_SPARK_MASTER`` (default ``local[*]``; ``spark://host:7077`` for a cluster), and for a local master
the driver bound to 127.0.0.1 with its web UI off. Each rule session is a ``newSession()`` of it, so two batches
never see each other's views. On a cluster the staging folder (``TIERSPAYANT_SPARK_STAGING``) must be shared
storage mounted at the same path on every node (docs/scale.md).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tierspayant.core.rules.backend import OnRule, Table, spark_master
from tierspayant.core.rules.dialects import rule_sql
from tierspayant.core.rules.model import Macro, Rule, check_tables, empty_findings, findings_of

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STAGING_ENV = "TIERSPAYANT_SPARK_STAGING"
DRIVER_MEMORY_ENV = "TIERSPAYANT_SPARK_DRIVER_MEMORY"
SHUFFLE_PARTITIONS_ENV = "TIERSPAYANT_SPARK_SHUFFLE_PARTITIONS"
LOCAL_SHUFFLE_PARTITIONS = 8  # small batches on few cores: 200 empty tasks per shuffle would dominate

_lock = threading.Lock()


def spark_conf(master: str) -> dict[str, str]:
    """The SparkSession settings the engine wants (a local master stays on loopback, no web UI)."""
    local = master.startswith("local")
    conf = {
        "spark.app.name": "tierspayant-rules",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.memory": os.environ.get(DRIVER_MEMORY_ENV, "2g"),
        "spark.sql.shuffle.partitions": os.environ.get(
            SHUFFLE_PARTITIONS_ENV, str(LOCAL_SHUFFLE_PARTITIONS) if local else "200"
        ),
    }
    if local:
        conf |= {"spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1"}
    return conf


def spark_session(master: str | None = None) -> SparkSession:
    """The process's SparkSession: the one already running (a test fixture's, a notebook's), else a new one."""
    from pyspark.sql import SparkSession

    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        chosen = master or spark_master()
        if chosen.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(chosen)
        for key, value in spark_conf(chosen).items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        return spark


class SparkRuleSession:
    @property
    def engine(self) -> Literal["spark"]:
        return "spark"

    def __init__(self, macros: tuple[Macro, ...] = (), spark: SparkSession | None = None) -> None:
        self.spark = (spark or spark_session()).newSession()
        self._macros = macros
        root = os.environ.get(STAGING_ENV)
        if root:
            Path(root).mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix="rules-", dir=root or None))
        self._registered: dict[str, Table] = {}
        self._written = 0

    def register(self, tables: Mapping[str, Table]) -> None:
        for name, table in tables.items():
            if self._registered.get(name) is table:
                continue
            path = table if isinstance(table, Path) else self._stage(table)
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
            self._registered[name] = table

    def tables(self) -> frozenset[str]:
        return frozenset(self._registered)

    def run(self, rules: Iterable[Rule], on_rule: OnRule | None = None) -> pl.DataFrame:
        from pyspark.errors import PySparkException

        parts: list[pl.DataFrame] = []
        for rule in rules:
            check_tables(rule, self._registered)
            query = rule_sql(rule, "spark", self._macros)
            try:
                arrow = self.spark.sql(query).toArrow()
            except PySparkException as exc:
                raise RuntimeError(f"rule {rule.id} failed on Spark: {exc}") from exc
            hits = findings_of(rule, _frame(arrow))
            if on_rule is not None:
                on_rule(rule, hits)
            if hits.height:
                parts.append(hits)
        return pl.concat(parts, how="vertical") if parts else empty_findings()

    def close(self) -> None:
        for name in self._registered:
            self.spark.catalog.dropTempView(name)
        self._registered.clear()
        shutil.rmtree(self._staging, ignore_errors=True)

    def __enter__(self) -> SparkRuleSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _stage(self, table: Any) -> Path:
        """Write a frame once as Parquet in the staging folder (typed columns Spark reads as they are)."""
        arrow = table.to_arrow() if isinstance(table, pl.DataFrame) else table
        self._written += 1
        path = self._staging / f"t{self._written}.parquet"
        pq.write_table(_parquet_ready(arrow), path)
        return path


def _parquet_ready(table: pa.Table) -> pa.Table:
    """A column with no type yet (all NULL, ``pl.Null``) becomes text: Parquet's NULL type is not one Spark reads."""
    columns = [column.cast(pa.string()) if pa.types.is_null(column.type) else column for column in table.itercolumns()]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _frame(arrow: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return frame
