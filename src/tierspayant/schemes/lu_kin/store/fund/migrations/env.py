"""Alembic environment of the fund database."""

from tierspayant.schemes.lu_kin.store.fund.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
