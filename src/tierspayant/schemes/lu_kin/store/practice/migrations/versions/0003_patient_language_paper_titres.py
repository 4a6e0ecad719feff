"""a patient's language (printed documents); a titre recorded from paper has no authorisation request

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
    with op.batch_alter_table("titre", schema=None) as batch_op:
        batch_op.alter_column("authorisation_request_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("titre", schema=None) as batch_op:
        batch_op.alter_column("authorisation_request_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("language")
