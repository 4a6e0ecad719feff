"""What the rule engine did in each passing test of this session: the rules it evaluated and those that fired.

The conftest of each rule-test directory (tests/fund, tests/be_refac) installs ``record_rules`` (an autouse
fixture) and ``pytest_runtest_logreport``; a test's record is kept only once its call phase passed. The rule
guards and the mutation harness read these records instead of running the same tests again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from .spy import Recorder, recording


@dataclass(frozen=True)
class Record:
    function: Any  # the test function (pytest's item.obj)
    params: dict[str, Any]  # its parametrization
    evaluated: frozenset[str]
    fired: frozenset[str]


PASSED: list[Record] = []
_PENDING: dict[str, Record] = {}


@pytest.fixture(autouse=True)
def record_rules(request: pytest.FixtureRequest) -> Iterator[None]:
    recorder = Recorder()
    with recording(recorder):
        yield
    node = request.node
    params = dict(node.callspec.params) if hasattr(node, "callspec") else {}
    _PENDING[node.nodeid] = Record(node.obj, params, frozenset(recorder.evaluated), frozenset(recorder.fired))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.passed:  # a failed or skipped phase: the test's record is not kept
        _FAILED.add(report.nodeid)
    if report.when == "teardown":
        record = _PENDING.pop(report.nodeid, None)
        if record is not None and report.nodeid not in _FAILED:
            PASSED.append(record)


_FAILED: set[str] = set()


def recorded(function: Any, params: dict[str, Any]) -> Record | None:
    for record in PASSED:
        if record.function is function and record.params == params:
            return record
    return None
