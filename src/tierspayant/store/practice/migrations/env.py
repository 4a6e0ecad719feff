"""Alembic environment of the practice database."""

from tierspayant.store.alembic_env import run
from tierspayant.store.practice.models import Base

run(Base.metadata)
