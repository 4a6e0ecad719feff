"""it_flat_rate: the fund's side of the annual IT flat rate (requests, decisions, payments in June).

Revision ID: 0008_it_flat_rate
Revises: 0007_registrations
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_it_flat_rate"
down_revision: str | None = "0007_registrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "it_flat_rate_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("practice_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("address_key", sa.String(length=400), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("evidence_name", sa.String(length=255), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("facturiers", sa.String(length=200), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("services_claimed", sa.Integer(), nullable=True),
        sa.Column("services_counted", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("days_active", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("reference_version", sa.String(length=16), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_file", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_it_flat_rate_request")),
    )
    op.create_index(op.f("ix_it_flat_rate_request_year"), "it_flat_rate_request", ["year"])
    op.create_index(op.f("ix_it_flat_rate_request_address_key"), "it_flat_rate_request", ["address_key"])
    op.create_table(
        "it_flat_rate_code",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("provider_code", sa.String(length=8), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["it_flat_rate_request.id"],
            name=op.f("fk_it_flat_rate_code_request_id_it_flat_rate_request"),
        ),
        sa.PrimaryKeyConstraint("year", "provider_code", name=op.f("pk_it_flat_rate_code")),
    )


def downgrade() -> None:
    op.drop_table("it_flat_rate_code")
    op.drop_index(op.f("ix_it_flat_rate_request_address_key"), table_name="it_flat_rate_request")
    op.drop_index(op.f("ix_it_flat_rate_request_year"), table_name="it_flat_rate_request")
    op.drop_table("it_flat_rate_request")
