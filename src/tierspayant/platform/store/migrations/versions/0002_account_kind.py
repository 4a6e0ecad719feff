"""account kind; provider codes up to 16 characters (Belgian third-party numbers have 11 digits)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WIDENED = (("accounts", "provider_code", True), ("deposits", "mailbox", False), ("mailboxes", "provider_code", False),
           ("delegations", "provider_code", False))  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=64), nullable=True))
    for table, column, nullable in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                column, existing_type=sa.String(length=8), type_=sa.String(length=16), existing_nullable=nullable
            )


def downgrade() -> None:
    for table, column, nullable in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                column, existing_type=sa.String(length=16), type_=sa.String(length=8), existing_nullable=nullable
            )
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("kind")
