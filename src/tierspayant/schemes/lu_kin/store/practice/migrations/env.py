"""Alembic environment of the practice database."""

from tierspayant.schemes.lu_kin.store.practice.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
