"""corrections and paper titres: a cancelled session stays in the history; a titre knows how it was obtained

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("treatment_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("titre", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=10), nullable=False, server_default="electronic"))


def downgrade() -> None:
    with op.batch_alter_table("titre", schema=None) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("treatment_session", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
