"""report views over stock (version 1)

Stable views for third-party report writers (docs/addons/reporting.md lists them). Built
with core.sql_views, like every add-on's report views; ``yaprak reporting grant-readonly``
finds them by their comment.

Revision ID: 9c4f2a7e1b35
Revises: 5a3803599ce0
Create Date: 2026-11-29 17:45:00
"""

from collections.abc import Sequence

from alembic import op

from core.sql_views import SqlView, create_views, drop_views
from core.sql_views import ViewColumn as C

revision: str = "9c4f2a7e1b35"
down_revision: str | None = "5a3803599ce0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = [
    SqlView(
        "materials_v_stock",
        "on hand and reserved of a product in a warehouse, with the product's average cost",
        "materials_stock s JOIN materials_warehouse w ON w.id = s.warehouse_id"
        " LEFT JOIN materials_cost c ON c.company_id = s.company_id"
        " AND c.product_id = s.product_id",
        [
            C("id", "s.id", "integer"),
            C("company_id", "s.company_id", "integer"),
            C("product_id", "s.product_id", "integer"),
            C("warehouse_id", "s.warehouse_id", "integer"),
            C("warehouse_code", "w.code"),
            C("warehouse_name", "w.name"),
            C("on_hand", "s.on_hand", "quantity"),
            C("reserved", "s.reserved", "quantity"),
            C("available", "s.on_hand - s.reserved", "quantity"),
            C("average_cost", "c.average", "price"),
        ],
    ),
    SqlView(
        "materials_v_move",
        "one stock move: a quantity in (positive) or out (negative) of a warehouse",
        "materials_move m",
        [
            C("id", "m.id", "integer"),
            C("company_id", "m.company_id", "integer"),
            C("date", "m.date", "date"),
            C("kind", "m.kind"),
            C("product_id", "m.product_id", "integer"),
            C("warehouse_id", "m.warehouse_id", "integer"),
            C("quantity", "m.quantity", "quantity"),
            C("unit_cost", "m.unit_cost", "price"),
            C("value", "m.value", "money"),
            C("origin_type", "m.origin_type"),
            C("origin_id", "m.origin_id", "integer"),
            C("reference", "m.reference"),
        ],
    ),
]


def upgrade() -> None:
    create_views(op, VIEWS)


def downgrade() -> None:
    drop_views(op, VIEWS)
