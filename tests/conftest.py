"""Shared test fixtures.

``database_url`` runs a test once on SQLite and once on PostgreSQL (127.0.0.1:5432, database ``test``) when that
server is reachable; each PostgreSQL run gets a fresh schema, dropped afterwards. Set ``TIERSPAYANT_TEST_PG_URL``
to point elsewhere, or to ``off`` to skip PostgreSQL.

Under ``CI=true`` a skipped test is a failure: every skip in this suite means a missing tool (Chromium, OpenSSH,
poppler — Debian packages listed in tests/system-packages.txt, which ``make test`` installs), a missing service
(PostgreSQL) or missing files (../shared), and CI must run everything. The one exception is a skip that says the
test does not apply to its parameters — raise it with :func:`not_applicable`; it stays a skip. A module skipped
at collection time is always a failure under CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from functools import cache
from pathlib import Path
from typing import NoReturn

import pytest
from _pytest.outcomes import Skipped  # pytest.skip.Exception, typed
from hypothesis import settings

CI = os.environ.get("CI", "").lower() == "true"
# Tables printed by the commands are read back by the tests: the same width with or without a terminal.
os.environ["COLUMNS"] = "200"
# No time limit per example: a test's speed is a benchmark's business, and a loaded machine must not fail a test.
settings.register_profile("tierspayant", deadline=None)
settings.load_profile("tierspayant")
PG_URL = os.environ.get("TIERSPAYANT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@cache
def postgres_reachable() -> bool:
    if PG_URL == "off":
        return False
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


class NotApplicable(Skipped):  # what pytest.skip() raises
    """A legitimate skip: the test does not apply to these parameters (nothing is missing)."""

    legitimate = True  # read by attribute: this module may be imported twice (as conftest and as tests.conftest)


def not_applicable(reason: str) -> NoReturn:
    """Skip a test that does not apply to its parameters; unlike other skips, allowed under ``CI=true``."""
    raise NotApplicable(f"not applicable: {reason}")


def pytest_report_header(config: pytest.Config) -> str:
    if postgres_reachable():
        return f"databases: SQLite and PostgreSQL ({PG_URL}) — storage tests run on both"
    if CI:
        return f"databases: PostgreSQL ({PG_URL}) NOT reachable — under CI=true every PostgreSQL run fails"
    return "databases: SQLite only — PostgreSQL not reachable, its runs are skipped"


def _ci_failure(reason: str) -> str:
    return (
        f"skipped under CI=true, where a skip is a failure: {reason}\n"
        "(a missing Debian package goes in tests/system-packages.txt; a test that does not apply to its "
        "parameters uses tests.conftest.not_applicable)"
    )


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under CI=true, turn a skip into a failure unless it was raised by :func:`not_applicable`."""
    report: pytest.TestReport = yield
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        legitimate = call.excinfo is not None and getattr(call.excinfo.value, "legitimate", False) is True
        if not legitimate:
            report.outcome = "failed"
            report.longrepr = _ci_failure(_skip_reason(report))
    return report


_ci_skipped_modules: list[tuple[pytest.CollectReport, pytest.CollectReport]] = []  # (the skip, as a failure)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Under CI=true, a module skipped while collected (``allow_module_level=True``) fails the run. Its report stays
    a skip here (a collection error would interrupt the whole session); the session's end counts it as an error."""
    if CI and report.skipped:
        failed = pytest.CollectReport(report.nodeid, "failed", _ci_failure(_skip_reason(report)), [])
        _ci_skipped_modules.append((report, failed))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(pytest_report_header(terminalreporter.config))
    for skipped, failed in _ci_skipped_modules:
        terminalreporter.write_line(f"ERROR {failed.nodeid}: {failed.longrepr}", red=True)
        # counted as an error, not a skip, in the closing line
        terminalreporter.stats["skipped"] = [r for r in terminalreporter.stats.get("skipped", []) if r is not skipped]
        terminalreporter.stats.setdefault("error", []).append(failed)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _ci_skipped_modules and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: SQLite file, or a new PostgreSQL schema when the server is reachable."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def shared_dir() -> Path:
    """The project's requirement folder (seeds, fact sheets, reference data); tests may read it, code may not."""
    if not SHARED.exists():
        pytest.skip("../shared is not present")
    return SHARED
