"""The practice's own database: SQLAlchemy models and the Alembic tree (``migrations``). Never shared with the fund."""

MIGRATIONS_PACKAGE = "tierspayant.store.practice.migrations"
