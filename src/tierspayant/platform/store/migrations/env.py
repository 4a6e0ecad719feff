"""Alembic environment of the platform store."""

from tierspayant.platform.store.models import metadata
from tierspayant.store.alembic_env import run

run(metadata)
