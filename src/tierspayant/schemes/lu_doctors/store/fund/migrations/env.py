"""Alembic environment of the fund's device flat-rate database."""

from tierspayant.schemes.lu_doctors.store.fund.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
