"""Alembic environment of the platform store."""

from tierspayant.store.alembic_env import run
from tierspayant.store.platform.models import metadata

run(metadata)
