"""report views over sales and core (version 1)

Stable views for third-party report writers (docs/addons/reporting.md lists them). A
view never changes in place: a new column or meaning is a new revision.

Revision ID: 3b7e9c41d2a8
Revises: c902373e66f2
Create Date: 2026-11-29 17:40:00
"""

from collections.abc import Sequence

from alembic import op

from core.sql_views import SqlView, create_views, drop_views, signed
from core.sql_views import ViewColumn as C

revision: str = "3b7e9c41d2a8"
down_revision: str | None = "c902373e66f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGN = "CASE WHEN i.kind = 'credit_note' THEN -1 ELSE 1 END"

VIEWS = [
    SqlView(
        "reporting_v_partner",
        "one row per partner (customer, prospect, vendor) with its group and billing city",
        "core_partner p LEFT JOIN core_partner_group g ON g.id = p.group_id",
        [
            C("id", "p.id", "integer"),
            C("company_id", "p.company_id", "integer"),
            C("name", "p.name"),
            C("is_customer", "p.is_customer", "boolean"),
            C("is_vendor", "p.is_vendor", "boolean"),
            C("is_prospect", "p.is_prospect", "boolean"),
            C("tax_id", "p.tax_id"),
            C("tax_office", "p.tax_office"),
            C("email", "p.email"),
            C("phone", "p.phone"),
            C("group_id", "p.group_id", "integer"),
            C("group_name", "g.name"),
            C(
                "city",
                "(SELECT a.city FROM core_partner_address a WHERE a.partner_id = p.id"
                " AND a.kind = 'billing' ORDER BY a.is_default DESC, a.id LIMIT 1)",
            ),
            C(
                "country",
                "(SELECT a.country FROM core_partner_address a WHERE a.partner_id = p.id"
                " AND a.kind = 'billing' ORDER BY a.is_default DESC, a.id LIMIT 1)",
            ),
            C("currency", "p.currency"),
            C("credit_limit", "p.credit_limit", "money"),
            C("active", "p.active", "boolean"),
        ],
    ),
    SqlView(
        "reporting_v_product",
        "one row per product or service with its category",
        "core_product p LEFT JOIN core_product_category c ON c.id = p.category_id",
        [
            C("id", "p.id", "integer"),
            C("company_id", "p.company_id", "integer"),
            C("code", "p.code"),
            C("name", "p.name"),
            C("type", "p.type"),
            C("uom", "p.uom"),
            C("category_id", "p.category_id", "integer"),
            C("category_name", "c.name"),
            C("list_price", "p.list_price", "price"),
            C("cost_price", "p.cost_price", "price"),
            C("tax_rate", "p.tax_rate", "integer"),
            C("active", "p.active", "boolean"),
        ],
    ),
    SqlView(
        "reporting_v_invoice",
        "one row per customer invoice or credit note (every state; posted ones count)",
        "sales_invoice i",
        [
            C("id", "i.id", "integer"),
            C("company_id", "i.company_id", "integer"),
            C("number", "i.number"),
            C("kind", "i.kind"),
            C("state", "i.state"),
            C("date", "i.date", "date"),
            C("due_date", "i.due_date", "date"),
            C("partner_id", "i.partner_id", "integer"),
            C("salesperson_id", "i.salesperson_id", "integer"),
            C("order_id", "i.order_id", "integer"),
            C("origin_id", "i.origin_id", "integer"),
            C("currency", "i.currency"),
            C("sign", _SIGN, "integer"),
            C("amount_untaxed", "i.amount_untaxed", "money"),
            C("amount_tax", "i.amount_tax", "money"),
            C("amount_total", "i.amount_total", "money"),
            C("amount_cost", "i.amount_cost", "money"),
            C("amount_paid", "i.amount_paid", "money"),
            C("amount_residual", "i.amount_residual", "money"),
            C("payment_state", "i.payment_state"),
            C("revenue", signed("i.amount_untaxed", "i.kind"), "money"),
            C("cost", signed("i.amount_cost", "i.kind"), "money"),
            C("gross_profit", signed("i.amount_untaxed - i.amount_cost", "i.kind"), "money"),
            C("total_signed", signed("i.amount_total", "i.kind"), "money"),
        ],
    ),
    SqlView(
        "reporting_v_invoice_line",
        "one row per line of a customer invoice or credit note, with its document's header",
        "sales_invoice_line l JOIN sales_invoice i ON i.id = l.invoice_id",
        [
            C("id", "l.id", "integer"),
            C("company_id", "l.company_id", "integer"),
            C("invoice_id", "l.invoice_id", "integer"),
            C("invoice_number", "i.number"),
            C("kind", "i.kind"),
            C("state", "i.state"),
            C("date", "i.date", "date"),
            C("partner_id", "i.partner_id", "integer"),
            C("salesperson_id", "i.salesperson_id", "integer"),
            C("currency", "i.currency"),
            C("product_id", "l.product_id", "integer"),
            C("description", "l.description"),
            C("quantity", "l.quantity", "quantity"),
            C("unit_price", "l.unit_price", "price"),
            C("discount", "l.discount", "money"),
            C("tax_rate", "l.tax_rate", "integer"),
            C("net", "l.net", "money"),
            C("tax", "l.tax", "money"),
            C("cost_unit", "l.cost_unit", "price"),
            C("cost_amount", "l.cost_amount", "money"),
            C("cost_basis", "l.cost_basis"),
            C("order_line_id", "l.order_line_id", "integer"),
            C("quantity_signed", signed("l.quantity", "i.kind"), "quantity"),
            C("revenue", signed("l.net", "i.kind"), "money"),
            C("cost", signed("l.cost_amount", "i.kind"), "money"),
            C("gross_profit", signed("l.net - l.cost_amount", "i.kind"), "money"),
        ],
    ),
    SqlView(
        "reporting_v_order",
        "one row per sales order",
        "sales_order o",
        [
            C("id", "o.id", "integer"),
            C("company_id", "o.company_id", "integer"),
            C("number", "o.number"),
            C("state", "o.state"),
            C("date", "o.date", "date"),
            C("commitment_date", "o.commitment_date", "date"),
            C("partner_id", "o.partner_id", "integer"),
            C("salesperson_id", "o.salesperson_id", "integer"),
            C("quote_id", "o.quote_id", "integer"),
            C("client_reference", "o.client_reference"),
            C("currency", "o.currency"),
            C("amount_untaxed", "o.amount_untaxed", "money"),
            C("amount_tax", "o.amount_tax", "money"),
            C("amount_total", "o.amount_total", "money"),
            C("delivery_status", "o.delivery_status"),
            C("invoice_status", "o.invoice_status"),
        ],
    ),
    SqlView(
        "reporting_v_order_line",
        "one row per sales order line, with what was delivered and invoiced of it",
        "sales_order_line l JOIN sales_order o ON o.id = l.order_id",
        [
            C("id", "l.id", "integer"),
            C("company_id", "l.company_id", "integer"),
            C("order_id", "l.order_id", "integer"),
            C("order_number", "o.number"),
            C("state", "o.state"),
            C("date", "o.date", "date"),
            C("partner_id", "o.partner_id", "integer"),
            C("currency", "o.currency"),
            C("product_id", "l.product_id", "integer"),
            C("description", "l.description"),
            C("quantity", "l.quantity", "quantity"),
            C("unit_price", "l.unit_price", "price"),
            C("discount", "l.discount", "money"),
            C("tax_rate", "l.tax_rate", "integer"),
            C("net", "l.net", "money"),
            C("tax", "l.tax", "money"),
            C("qty_delivered", "l.qty_delivered", "quantity"),
            C("qty_invoiced", "l.qty_invoiced", "quantity"),
        ],
    ),
]


def upgrade() -> None:
    create_views(op, VIEWS)


def downgrade() -> None:
    drop_views(op, VIEWS)
