"""Alembic environment of the fund database."""

from tierspayant.store.alembic_env import run
from tierspayant.store.fund.models import Base

run(Base.metadata)
