"""Database access shared by every party's store: one URL (SQLite by default, PostgreSQL by URL) and Alembic.

Each party (practice, fund, platform) owns its own database and its own migration tree; they never share tables.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

# Constraint names every party's metadata uses, so that Alembic migrations name them the same on SQLite and
# PostgreSQL (the platform store predates this and keeps its own, already migrated, convention).
CONSTRAINT_NAMING: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys on, WAL and a busy timeout (several processes share a file)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def migrate(engine: Engine, migrations_package: str, revision: str = "head") -> None:
    """Bring the database to ``revision`` with the Alembic tree shipped in ``migrations_package``.

    The tree's ``env.py`` calls :func:`tierspayant.store.alembic_env.run` with its metadata.
    """
    location = resources.files(migrations_package)
    config = Config()
    config.set_main_option("script_location", str(location))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: everything commits together or nothing does (a rejected file leaves no trace)."""
    with factory() as session, session.begin():
        yield session


LOCK_BUCKETS = 256


@contextmanager
def exclusive(engine: Engine, key: str) -> Iterator[None]:
    """Hold a lock named ``key`` across processes until the block ends — or the process dies, which releases it.

    It keeps two runs of one file apart from the first look in the store to the last answer (a second run must see
    the first one's work as finished, or as abandoned by a dead process — never as in flight). PostgreSQL: a
    session advisory lock on a connection of its own. SQLite: ``flock`` on a lock file beside the database (one of
    ``LOCK_BUCKETS``, chosen by the key). An in-memory SQLite database has one process: nothing to hold.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            statement = text("SELECT pg_advisory_lock(hashtextextended(:key, 0))")
            connection.execute(statement, {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))"), {"key": key})
                connection.rollback()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    bucket = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % LOCK_BUCKETS
    folder = Path(f"{database}.locks")
    folder.mkdir(exist_ok=True)
    with open(folder / f"{bucket:03d}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
