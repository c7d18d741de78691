"""core: companies, installed add-ons, add-ons enabled per company

Revision ID: 3f0a6c1d2b01
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f0a6c1d2b01"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "core_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_company")),
        sa.UniqueConstraint("code", name=op.f("uq_core_company_code")),
    )
    op.create_table(
        "core_addon",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_core_addon")),
    )
    op.create_table(
        "core_company_addon",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("addon", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["core_company.id"],
            name=op.f("fk_core_company_addon_company_id_core_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "addon", name=op.f("pk_core_company_addon")),
    )


def downgrade() -> None:
    op.drop_table("core_company_addon")
    op.drop_table("core_addon")
    op.drop_table("core_company")
