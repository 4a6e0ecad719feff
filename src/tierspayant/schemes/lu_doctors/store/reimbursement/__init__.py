"""The fund's (CNS's) tables of digital fee notes: insured persons' funds, claims, reimbursements and PID
transfers (one per fee note), and the compensation statements of digital sending. Own Alembic tree."""

MIGRATIONS_PACKAGE = "tierspayant.schemes.lu_doctors.store.reimbursement.migrations"
