"""titre channel: a titre obtained by the insured by post is never billed in third-party payment (K218)

Revision ID: 0004_titre_channel
Revises: 0003_ledger_clustered
Create Date: 2026-12-05 01:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_titre_channel"
down_revision: str | None = "0003_ledger_clustered"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("titre", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=10), nullable=False, server_default="electronic"))


def downgrade() -> None:
    with op.batch_alter_table("titre", schema=None) as batch_op:
        batch_op.drop_column("channel")
