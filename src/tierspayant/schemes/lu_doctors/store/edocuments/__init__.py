"""The eDocuments service's own database (the Agence eSanté's document vault): models and Alembic tree."""

MIGRATIONS_PACKAGE = "tierspayant.schemes.lu_doctors.store.edocuments.migrations"
