"""Alembic environment of the fund's digital fee-note tables."""

from tierspayant.schemes.lu_doctors.store.reimbursement.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
