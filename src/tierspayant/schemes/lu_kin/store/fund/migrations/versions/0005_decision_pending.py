"""decision pending: a suspended request keeps the accord it would get, decided later after the advice

Revision ID: 0005_decision_pending
Revises: 0004_titre_channel
Create Date: 2026-12-05 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_decision_pending"
down_revision: str | None = "0004_titre_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("decided_on")
        batch_op.drop_column("pending")
