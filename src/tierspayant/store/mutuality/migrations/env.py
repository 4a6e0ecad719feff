"""Alembic environment of the mutuality (REFAC) database."""

from tierspayant.store.alembic_env import run
from tierspayant.store.mutuality.models import Base

run(Base.metadata)
