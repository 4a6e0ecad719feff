"""Findings of a file as one Parquet document (finding_set) instead of one row per finding.

Revision ID: 0002_finding_set
Revises: 0001_fund_initial
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_finding_set"
down_revision: str | None = "0001_fund_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_set",
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.Column("parquet", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["deposit_id"], ["deposit.id"], name=op.f("fk_finding_set_deposit_id_deposit")),
        sa.PrimaryKeyConstraint("deposit_id", name=op.f("pk_finding_set")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_deposit_id"))
    op.drop_table("finding")


def downgrade() -> None:
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("effect", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["deposit_id"], ["deposit.id"], name=op.f("fk_finding_deposit_id_deposit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_deposit_id"), ["deposit_id"], unique=False)
    op.drop_table("finding_set")
