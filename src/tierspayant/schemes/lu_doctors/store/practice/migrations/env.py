"""Alembic environment of the doctor's database."""

from tierspayant.schemes.lu_doctors.store.practice.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
