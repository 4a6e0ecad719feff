"""The platform's own database: accounts, keys, delegations, API tokens, mailboxes, deposits and the audit log.

It never holds practice or fund tables: those parties keep their own databases and talk through files.
"""

MIGRATIONS = "tierspayant.platform.store.migrations"
