"""digital fee notes on the doctor's side (issue 14): patients' dated choice, assistants' rights, digital state

Revision ID: d14_0001
Revises: 0002_devices
Create Date: 2026-12-05 00:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tierspayant.schemes.lu_doctors.store.types

revision: str = "d14_0001"
down_revision: str | None = "0002_devices"
branch_labels: str | Sequence[str] | None = ("digital",)
depends_on: str | Sequence[str] | None = None

Euros = tierspayant.schemes.lu_doctors.store.types.Euros


def upgrade() -> None:
    op.create_table(
        "digital_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matricule", sa.String(length=13), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("chosen_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_choice")),
        sa.UniqueConstraint("matricule", "chosen_on", name=op.f("uq_digital_choice_matricule_chosen_on")),
    )
    op.create_index(op.f("ix_digital_choice_matricule"), "digital_choice", ["matricule"])
    op.create_table(
        "assistant_right",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant", sa.String(length=60), nullable=False),
        sa.Column("doctor_code", sa.String(length=8), nullable=False),
        sa.Column("right", sa.String(length=10), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_right")),
    )
    op.create_index(op.f("ix_assistant_right_assistant"), "assistant_right", ["assistant"])
    op.create_table(
        "digital_fee_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fee_note_id", sa.String(length=30), nullable=False),
        sa.Column("doctor_code", sa.String(length=8), nullable=False),
        sa.Column("with_qr", sa.Boolean(), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("receipt", sa.String(length=40), nullable=True),
        sa.Column("lineage", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("fund_share", Euros(), nullable=False),
        sa.Column("patient_share", Euros(), nullable=False),
        sa.Column("pid_state", sa.String(length=10), nullable=True),
        sa.Column("pid_transfer_id", sa.String(length=35), nullable=True),
        sa.Column("pid_amount", Euros(), nullable=True),
        sa.Column("pid_reason", sa.Text(), nullable=True),
        sa.Column("reimbursed_reason", sa.Text(), nullable=True),
        sa.Column("prepared_by", sa.String(length=60), nullable=False),
        sa.Column("signed_by", sa.String(length=60), nullable=True),
        sa.Column("sent_by", sa.String(length=60), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_fee_note")),
        sa.UniqueConstraint("fee_note_id", name=op.f("uq_digital_fee_note_fee_note_id")),
    )
    op.create_index(op.f("ix_digital_fee_note_doctor_code"), "digital_fee_note", ["doctor_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_digital_fee_note_doctor_code"), table_name="digital_fee_note")
    op.drop_table("digital_fee_note")
    op.drop_index(op.f("ix_assistant_right_assistant"), table_name="assistant_right")
    op.drop_table("assistant_right")
    op.drop_index(op.f("ix_digital_choice_matricule"), table_name="digital_choice")
    op.drop_table("digital_choice")
