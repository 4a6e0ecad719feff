"""REFAC registry: sendings received, sending numbers taken, ledger of accepted services (columnar segments).

Revision ID: 0001_refac_registry
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_refac_registry"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refac_sending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("third_party", sa.String(length=12), nullable=True),
        sa.Column("invoiced_year", sa.Integer(), nullable=True),
        sa.Column("invoiced_month", sa.Integer(), nullable=True),
        sa.Column("sending_number", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reply_kind", sa.String(length=6), nullable=False),
        sa.Column("refusal_type", sa.String(length=2), nullable=True),
        sa.Column("error_percentage", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=True),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("accepted_lines", sa.Integer(), nullable=False),
        sa.Column("rejected_lines", sa.Integer(), nullable=False),
        sa.Column("accepted_cents", sa.BigInteger(), nullable=False),
        sa.Column("rejected_cents", sa.BigInteger(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("payment_order", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refac_sending")),
    )
    op.create_index(op.f("ix_refac_sending_digest"), "refac_sending", ["digest"], unique=False)
    op.create_index("ix_refac_sending_number", "refac_sending", ["third_party", "invoiced_year", "sending_number"])
    op.create_table(
        "refac_sending_number",
        sa.Column("third_party", sa.String(length=12), nullable=False),
        sa.Column("invoiced_year", sa.Integer(), nullable=False),
        sa.Column("sending_number", sa.Integer(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sending_id"], ["refac_sending.id"], name=op.f("fk_refac_sending_number_sending_id_refac_sending")
        ),
        sa.PrimaryKeyConstraint("third_party", "invoiced_year", "sending_number", name=op.f("pk_refac_sending_number")),
    )
    op.create_table(
        "refac_ledger_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=False),
        sa.Column("first_service_date", sa.Date(), nullable=False),
        sa.Column("last_service_date", sa.Date(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sending_id"], ["refac_sending.id"], name=op.f("fk_refac_ledger_segment_sending_id_refac_sending")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refac_ledger_segment")),
    )
    op.create_index(
        "ix_refac_ledger_segment_dates", "refac_ledger_segment", ["first_service_date", "last_service_date"]
    )


def downgrade() -> None:
    op.drop_index("ix_refac_ledger_segment_dates", table_name="refac_ledger_segment")
    op.drop_table("refac_ledger_segment")
    op.drop_table("refac_sending_number")
    op.drop_index("ix_refac_sending_number", table_name="refac_sending")
    op.drop_index(op.f("ix_refac_sending_digest"), table_name="refac_sending")
    op.drop_table("refac_sending")
