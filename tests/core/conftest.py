"""One SparkSession for the whole test run: local[2], bound to loopback, web UI off, two shuffle partitions (tiny
batches). The rules engine's Spark sessions (``newSession()`` of it) find it as the process's session.

This folder is on ``sys.path`` so that the differential test modules share ``spark_differential``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tierspayant.core.rules.spark import spark_conf

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.append(_HERE)

TEST_MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(TEST_MASTER)
    conf = spark_conf(TEST_MASTER) | {
        "spark.app.name": "tierspayant-tests",
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.driver.memory": "1g",
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
