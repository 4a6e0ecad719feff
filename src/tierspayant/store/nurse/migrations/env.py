"""Alembic environment of the nurse's database (the practice side of Belgian home nursing)."""

from tierspayant.store.alembic_env import run
from tierspayant.store.nurse.models import Base

run(Base.metadata)
