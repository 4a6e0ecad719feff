"""M38 regularisations compensated on a payment; the MyCareNet messages besides eFact (801000, 420900, agreements).

Revision ID: 0002_payments_and_messages
Revises: 0001_refac_registry
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_payments_and_messages"
down_revision: str | None = "0001_refac_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refac_regularisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("third_party", sa.String(length=12), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sending_id"], ["refac_sending.id"], name=op.f("fk_refac_regularisation_sending_id_refac_sending")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refac_regularisation")),
    )
    op.create_index(op.f("ix_refac_regularisation_third_party"), "refac_regularisation", ["third_party"])
    op.create_table(
        "mcn_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("third_party", sa.String(length=12), nullable=False),
        sa.Column("niss", sa.String(length=11), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reply_kind", sa.String(length=6), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mcn_message")),
    )
    op.create_index(op.f("ix_mcn_message_niss"), "mcn_message", ["niss"])


def downgrade() -> None:
    op.drop_index(op.f("ix_mcn_message_niss"), table_name="mcn_message")
    op.drop_table("mcn_message")
    op.drop_index(op.f("ix_refac_regularisation_third_party"), table_name="refac_regularisation")
    op.drop_table("refac_regularisation")
