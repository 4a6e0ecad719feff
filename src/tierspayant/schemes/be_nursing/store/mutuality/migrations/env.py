"""Alembic environment of the mutuality (REFAC) database."""

from tierspayant.schemes.be_nursing.store.mutuality.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
