"""paper requests: an insured person's postal request for validation, answered by a paper titre or a written refusal
(seed 002); added by the registrations work (reg16)

Revision ID: 0009_paper_requests
Revises: 0008_it_flat_rate
Create Date: 2026-12-05 03:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_paper_requests"
down_revision: str | None = "0008_it_flat_rate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paper_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matricule", sa.String(length=13), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("prescriber_code", sa.String(length=8), nullable=False),
        sa.Column("prescription_date", sa.Date(), nullable=False),
        sa.Column("pathology", sa.String(length=20), nullable=False),
        sa.Column("acts", sa.Text(), nullable=False),
        sa.Column("facturier", sa.String(length=8), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("titre_id", sa.String(length=14), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("letter", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_request")),
    )
    op.create_index(op.f("ix_paper_request_matricule"), "paper_request", ["matricule"])


def downgrade() -> None:
    op.drop_table("paper_request")
