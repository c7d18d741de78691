"""saved views, attachments, notes; the partner list's index

Revision ID: 41529d590af6
Revises: a4aac0e4fcf3
Create Date: 2026-11-29 00:29:06.834386
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "41529d590af6"
down_revision: str | None = "a4aac0e4fcf3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_core_partner_company_name", "core_partner", ["company_id", "name", "id"])
    op.create_table(
        "core_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=80), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["core_company.id"],
            name=op.f("fk_core_attachment_company_id_core_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name=op.f("fk_core_attachment_user_id_core_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_attachment")),
    )
    with op.batch_alter_table("core_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_attachment_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            "ix_core_attachment_record", ["record_type", "record_id"], unique=False
        )

    op.create_table(
        "core_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=80), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["core_company.id"],
            name=op.f("fk_core_note_company_id_core_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name=op.f("fk_core_note_user_id_core_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_note")),
    )
    with op.batch_alter_table("core_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_note_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_core_note_record", ["record_type", "record_id"], unique=False)

    op.create_table(
        "core_saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("list_key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["core_company.id"],
            name=op.f("fk_core_saved_view_company_id_core_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core_user.id"],
            name=op.f("fk_core_saved_view_user_id_core_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_saved_view")),
        sa.UniqueConstraint(
            "company_id",
            "user_id",
            "list_key",
            "name",
            name=op.f("uq_core_saved_view_company_id_user_id_list_key_name"),
        ),
    )
    with op.batch_alter_table("core_saved_view", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_saved_view_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_core_saved_view_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_core_partner_company_name", table_name="core_partner")
    with op.batch_alter_table("core_saved_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_saved_view_user_id"))
        batch_op.drop_index(batch_op.f("ix_core_saved_view_company_id"))

    op.drop_table("core_saved_view")
    with op.batch_alter_table("core_note", schema=None) as batch_op:
        batch_op.drop_index("ix_core_note_record")
        batch_op.drop_index(batch_op.f("ix_core_note_company_id"))

    op.drop_table("core_note")
    with op.batch_alter_table("core_attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_core_attachment_record")
        batch_op.drop_index(batch_op.f("ix_core_attachment_company_id"))

    op.drop_table("core_attachment")
