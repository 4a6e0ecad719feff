"""Shared test fixtures.

``database_url`` runs a test once on SQLite and once on PostgreSQL (127.0.0.1:5432, database ``test``) when that
server is reachable; each PostgreSQL run gets a fresh schema, dropped afterwards. Set ``TIERSPAYANT_TEST_PG_URL``
to point elsewhere, or to ``off`` to skip PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

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


def pytest_report_header(config: pytest.Config) -> str:
    if postgres_reachable():
        return f"databases: SQLite and PostgreSQL ({PG_URL}) — storage tests run on both"
    return "databases: SQLite only — PostgreSQL not reachable, its runs are skipped"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(pytest_report_header(terminalreporter.config))


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
