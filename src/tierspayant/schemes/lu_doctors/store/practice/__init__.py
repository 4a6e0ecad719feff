"""The doctor's (or association's) own database: SQLAlchemy models and the Alembic tree (``migrations``).

Migrate to ``heads``: the foundation is revision ``0001``; each later piece adds its own revisions on a branch
from it (issue 11, devices: ``0002_devices`` …; issue 14, digital fee notes: its own ids), so two pieces built in
parallel never fight over one revision number; the lead may add a merge revision.
"""

MIGRATIONS_PACKAGE = "tierspayant.schemes.lu_doctors.store.practice.migrations"
MIGRATION_TARGET = "heads"
