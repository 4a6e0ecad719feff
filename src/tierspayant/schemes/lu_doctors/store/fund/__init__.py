"""The fund's (CNS) database for the doctors' device flat rates: models and Alembic tree (``migrations``)."""

MIGRATIONS_PACKAGE = "tierspayant.schemes.lu_doctors.store.fund.migrations"
