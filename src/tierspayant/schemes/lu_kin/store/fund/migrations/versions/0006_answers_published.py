"""A deposit says whether its answers (return files and receipts) were all delivered: a crash between the commit and
the last receipt leaves it false, and the next run of the same file completes the first delivery instead of answering
"duplicate". Deposits recorded before this revision had their answers delivered.

Revision ID: 0006_answers_published
Revises: 0005_decision_pending
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_answers_published"
down_revision: str | None = "0005_decision_pending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite supports it with a constant default): no table copy that foreign keys would refuse
    op.add_column("deposit", sa.Column("answers_published", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("deposit") as batch:
        batch.drop_column("answers_published")
