"""The practice's own database: SQLAlchemy models and the Alembic tree (``migrations``). Never shared with the fund."""

MIGRATIONS_PACKAGE = "tierspayant.schemes.lu_kin.store.practice.migrations"
