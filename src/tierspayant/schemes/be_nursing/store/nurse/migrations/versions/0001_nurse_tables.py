"""nurse tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nurse_sending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("third_party_number", sa.String(length=12), nullable=False),
        sa.Column("sending_number", sa.Integer(), nullable=False),
        sa.Column("invoiced_period", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_sending")),
        sa.UniqueConstraint(
            "third_party_number", "sending_number", name=op.f("uq_nurse_sending_third_party_number_sending_number")
        ),
    )
    op.create_table(
        "nurse_patient",
        sa.Column("niss", sa.String(length=11), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("niss", name=op.f("pk_nurse_patient")),
    )
    op.create_table(
        "nurse_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=25), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("patient_niss", sa.String(length=11), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("nomenclature_code", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=True),
        sa.Column("rejection_codes", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sending_id"], ["nurse_sending.id"], name=op.f("fk_nurse_visit_sending_id_nurse_sending")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_visit")),
        sa.UniqueConstraint("reference", name=op.f("uq_nurse_visit_reference")),
        sa.UniqueConstraint("origin", name=op.f("uq_nurse_visit_origin")),
    )
    op.create_index(op.f("ix_nurse_visit_patient_niss"), "nurse_visit", ["patient_niss"], unique=False)
    op.create_table(
        "nurse_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("sending_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sending_id"], ["nurse_sending.id"], name=op.f("fk_nurse_reply_sending_id_nurse_sending")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_reply")),
        sa.UniqueConstraint("sha256", name=op.f("uq_nurse_reply_sha256")),
    )


def downgrade() -> None:
    op.drop_table("nurse_reply")
    op.drop_index(op.f("ix_nurse_visit_patient_niss"), table_name="nurse_visit")
    op.drop_table("nurse_visit")
    op.drop_table("nurse_patient")
    op.drop_table("nurse_sending")
