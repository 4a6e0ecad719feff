"""The practice database: the Alembic tree builds the tables on SQLite and PostgreSQL and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.store.practice.models import Base


def test_migrations_create_every_table(service: PracticeService) -> None:
    tables = set(inspect(service.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(service: PracticeService) -> None:
    with service.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_init_twice_changes_nothing(service: PracticeService) -> None:
    service.init()
    test_migrations_match_the_models(service)
