"""Alembic environment of the nurse's database (the practice side of Belgian home nursing)."""

from tierspayant.schemes.be_nursing.store.nurse.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
