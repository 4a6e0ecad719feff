"""Alembic environment of the eDocuments vault database."""

from tierspayant.schemes.lu_doctors.store.edocuments.models import Base
from tierspayant.store.alembic_env import run

run(Base.metadata)
