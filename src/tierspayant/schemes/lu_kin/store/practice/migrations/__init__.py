"""Alembic tree of the practice database (run through ``tierspayant.store.database.migrate``)."""
