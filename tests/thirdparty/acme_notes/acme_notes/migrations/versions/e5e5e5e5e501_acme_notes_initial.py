"""acme_notes: the company note table

Revision ID: e5e5e5e5e501
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5e5e5e5e501"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("acme_notes",)
depends_on: str | Sequence[str] | None = ("3f0a6c1d2b01",)


def upgrade() -> None:
    op.create_table(
        "acme_notes_company_note",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["core_company.id"],
            name=op.f("fk_acme_notes_company_note_company_id_core_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_acme_notes_company_note")),
    )


def downgrade() -> None:
    op.drop_table("acme_notes_company_note")
