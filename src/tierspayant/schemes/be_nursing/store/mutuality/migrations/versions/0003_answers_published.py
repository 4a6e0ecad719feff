"""A reception says whether its replies (931000 first) were all delivered: a crash between the registry's commit and
the last reply leaves it false, and the next run of the same file delivers the staged replies instead of answering
"duplicate"; ``answer_names`` lists the names of its replies, acknowledgement first. Receptions recorded before
this revision had their replies delivered.

Revision ID: 0003_answers_published
Revises: 0002_payments_and_messages
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_answers_published"
down_revision: str | None = "0002_payments_and_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite supports it with a constant default): no table copy that foreign keys would refuse
    op.add_column(
        "refac_sending", sa.Column("answers_published", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("refac_sending", sa.Column("answer_names", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("refac_sending") as batch:
        batch.drop_column("answer_names")
        batch.drop_column("answers_published")
