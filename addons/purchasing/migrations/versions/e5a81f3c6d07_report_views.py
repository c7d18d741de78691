"""report views over purchases (version 1)

Stable views for third-party report writers (docs/addons/reporting.md lists them). Built
with core.sql_views, like every add-on's report views; ``yaprak reporting grant-readonly``
finds them by their comment.

Revision ID: e5a81f3c6d07
Revises: 56db58fc93e2
Create Date: 2026-11-29 17:45:00
"""

from collections.abc import Sequence

from alembic import op

from core.sql_views import SqlView, create_views, drop_views
from core.sql_views import ViewColumn as C

revision: str = "e5a81f3c6d07"
down_revision: str | None = "56db58fc93e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOC = [
    C("currency", "d.currency"),
    C("amount_untaxed", "d.amount_untaxed", "money"),
    C("amount_tax", "d.amount_tax", "money"),
    C("amount_total", "d.amount_total", "money"),
]
_LINE = [
    C("product_id", "l.product_id", "integer"),
    C("description", "l.description"),
    C("quantity", "l.quantity", "quantity"),
    C("unit_price", "l.unit_price", "price"),
    C("discount", "l.discount", "money"),
    C("tax_rate", "l.tax_rate", "integer"),
    C("net", "l.net", "money"),
    C("tax", "l.tax", "money"),
]

VIEWS = [
    SqlView(
        "purchasing_v_order",
        "one row per purchase order",
        "purchasing_order d",
        [
            C("id", "d.id", "integer"),
            C("company_id", "d.company_id", "integer"),
            C("number", "d.number"),
            C("state", "d.state"),
            C("date", "d.date", "date"),
            C("expected_date", "d.expected_date", "date"),
            C("partner_id", "d.partner_id", "integer"),
            C("warehouse_id", "d.warehouse_id", "integer"),
            C("buyer_id", "d.buyer_id", "integer"),
            *_DOC,
            C("receipt_status", "d.receipt_status"),
            C("invoice_status", "d.invoice_status"),
        ],
    ),
    SqlView(
        "purchasing_v_order_line",
        "one row per purchase order line, with what was received and invoiced of it",
        "purchasing_order_line l JOIN purchasing_order d ON d.id = l.order_id",
        [
            C("id", "l.id", "integer"),
            C("company_id", "l.company_id", "integer"),
            C("order_id", "l.order_id", "integer"),
            C("order_number", "d.number"),
            C("state", "d.state"),
            C("date", "d.date", "date"),
            C("partner_id", "d.partner_id", "integer"),
            C("currency", "d.currency"),
            *_LINE,
            C("qty_received", "l.qty_received", "quantity"),
            C("qty_invoiced", "l.qty_invoiced", "quantity"),
        ],
    ),
    SqlView(
        "purchasing_v_invoice",
        "one row per vendor invoice",
        "purchasing_invoice d",
        [
            C("id", "d.id", "integer"),
            C("company_id", "d.company_id", "integer"),
            C("number", "d.number"),
            C("vendor_number", "d.vendor_number"),
            C("state", "d.state"),
            C("date", "d.date", "date"),
            C("due_date", "d.due_date", "date"),
            C("partner_id", "d.partner_id", "integer"),
            C("order_id", "d.order_id", "integer"),
            *_DOC,
            C("amount_paid", "d.amount_paid", "money"),
            C("amount_residual", "d.amount_residual", "money"),
            C("payment_state", "d.payment_state"),
        ],
    ),
    SqlView(
        "purchasing_v_invoice_line",
        "one row per vendor invoice line",
        "purchasing_invoice_line l JOIN purchasing_invoice d ON d.id = l.invoice_id",
        [
            C("id", "l.id", "integer"),
            C("company_id", "l.company_id", "integer"),
            C("invoice_id", "l.invoice_id", "integer"),
            C("invoice_number", "d.number"),
            C("state", "d.state"),
            C("date", "d.date", "date"),
            C("partner_id", "d.partner_id", "integer"),
            C("currency", "d.currency"),
            *_LINE,
            C("order_line_id", "l.order_line_id", "integer"),
        ],
    ),
]


def upgrade() -> None:
    create_views(op, VIEWS)


def downgrade() -> None:
    drop_views(op, VIEWS)
