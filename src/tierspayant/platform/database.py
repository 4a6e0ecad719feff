"""Opening a party's database for the platform: create the PostgreSQL schema if needed, then migrate."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from tierspayant.platform.store import MIGRATIONS
from tierspayant.store.database import make_engine, migrate, session_factory

_SEARCH_PATH = re.compile(r"search_path(?:=|%3D)([A-Za-z_][A-Za-z0-9_]*)")


def ensure_postgres_schema(url: str) -> None:
    """A URL that names its schema through ``options=-csearch_path=…`` gets that schema created if absent."""
    if not url.startswith("postgres"):
        return
    match = _SEARCH_PATH.search(unquote(url))
    if match is None:
        return
    base = url.split("?", 1)[0]
    engine = make_engine(base)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{match.group(1)}"'))
    finally:
        engine.dispose()


def open_platform_store(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """The platform store at ``url``, migrated to the newest revision."""
    ensure_postgres_schema(url)
    engine = make_engine(url)
    migrate(engine, MIGRATIONS)
    return engine, session_factory(engine)
