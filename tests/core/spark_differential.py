"""What the engine-differential tests share: run the same entry point on DuckDB then on Spark, and compare the
findings sorted, every column as text (row order and integer widths may differ between engines, findings may not)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from hypothesis import HealthCheck, settings

from tierspayant.core.rules.backend import using

# Small: the Spark session is shared and each example costs a few Spark queries per rule.
DIFFERENTIAL = settings(
    max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def on_both(run: Callable[[], pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    with using("duckdb"):
        duck = run()
    with using("spark"):
        spark = run()
    return duck, spark


def normalised(frame: pl.DataFrame) -> list[tuple[str | None, ...]]:
    """Rows as text, sorted: the engines' row order and integer widths may differ, the findings may not."""
    columns = sorted(frame.columns)
    return sorted(frame.select(pl.col(c).cast(pl.Utf8) for c in columns).rows(), key=lambda row: tuple(map(str, row)))


def assert_same(duck: pl.DataFrame, spark: pl.DataFrame) -> None:
    assert sorted(duck.columns) == sorted(spark.columns)
    assert normalised(spark) == normalised(duck)
