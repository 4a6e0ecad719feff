"""Alembic tree of the platform store."""
