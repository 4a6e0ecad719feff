"""Ledger clustered on its natural key (patient, day, act): primary key instead of id + unique index, and
WITHOUT ROWID on SQLite — one B-tree to maintain per paid line instead of two.

Revision ID: 0003_ledger_clustered
Revises: 0002_finding_set
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_ledger_clustered"
down_revision: str | None = "0002_finding_set"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "matricule, service_date, act_code, deposit_id, titre_id, performer_code, invoice_number, line_number, "
    "covered_cents"
)


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("matricule", sa.String(length=13), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("act_code", sa.String(length=10), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("titre_id", sa.String(length=14), nullable=False),
        sa.Column("performer_code", sa.String(length=8), nullable=False),
        sa.Column("invoice_number", sa.String(length=30), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("covered_cents", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "ledger_entry_clustered",
        *_columns(),
        sa.ForeignKeyConstraint(["deposit_id"], ["deposit.id"], name=op.f("fk_ledger_entry_deposit_id_deposit_c")),
        sa.PrimaryKeyConstraint("matricule", "service_date", "act_code", name=op.f("pk_ledger_entry_c")),
        sqlite_with_rowid=False,
    )
    op.execute(f"INSERT INTO ledger_entry_clustered ({COLUMNS}) SELECT {COLUMNS} FROM ledger_entry")
    op.drop_table("ledger_entry")
    op.rename_table("ledger_entry_clustered", "ledger_entry")


def downgrade() -> None:
    op.create_table(
        "ledger_entry_rowid",
        sa.Column("id", sa.Integer(), nullable=False),
        *_columns(),
        sa.ForeignKeyConstraint(["deposit_id"], ["deposit.id"], name=op.f("fk_ledger_entry_deposit_id_deposit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint(
            "matricule", "service_date", "act_code", name=op.f("uq_ledger_entry_matricule_service_date_act_code")
        ),
    )
    op.execute(f"INSERT INTO ledger_entry_rowid ({COLUMNS}) SELECT {COLUMNS} FROM ledger_entry")
    op.drop_table("ledger_entry")
    op.rename_table("ledger_entry_rowid", "ledger_entry")
