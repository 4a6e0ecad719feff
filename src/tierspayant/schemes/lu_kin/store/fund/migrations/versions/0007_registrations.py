"""registrations: provider-code applications, member declarations of groups and associations, their documents and
history; memberships say whether an import or a registration wrote them.

Revision ID: 0007_registrations
Revises: 0006_answers_published
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_registrations"
down_revision: str | None = "0006_answers_published"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN with a constant default: the rows already there came from an import
    op.add_column("membership", sa.Column("source", sa.String(length=12), nullable=False, server_default="import"))
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("applicant", sa.String(length=200), nullable=False),
        sa.Column("provider_kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider_code", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
    )
    op.create_index(op.f("ix_registration_provider_code"), "registration", ["provider_code"])
    op.create_table(
        "registration_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"], name=op.f("fk_registration_document_registration_id_registration")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_document")),
    )
    op.create_index(op.f("ix_registration_document_registration_id"), "registration_document", ["registration_id"])
    op.create_table(
        "registration_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"], name=op.f("fk_registration_event_registration_id_registration")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_event")),
    )
    op.create_index(op.f("ix_registration_event_registration_id"), "registration_event", ["registration_id"])
    op.create_table(
        "member_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=8), nullable=False),
        sa.Column("member_code", sa.String(length=8), nullable=False),
        sa.Column("change", sa.String(length=5), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("employment", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"], name=op.f("fk_member_change_registration_id_registration")
        ),
        sa.ForeignKeyConstraint(["group_code"], ["provider.code"], name=op.f("fk_member_change_group_code_provider")),
        sa.ForeignKeyConstraint(["member_code"], ["provider.code"], name=op.f("fk_member_change_member_code_provider")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["registration_document.id"],
            name=op.f("fk_member_change_document_id_registration_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_change")),
    )
    op.create_index(op.f("ix_member_change_registration_id"), "member_change", ["registration_id"])
    op.create_index(op.f("ix_member_change_group_code"), "member_change", ["group_code"])


def downgrade() -> None:
    op.drop_table("member_change")
    op.drop_table("registration_event")
    op.drop_table("registration_document")
    op.drop_table("registration")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("source")
