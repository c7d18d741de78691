"""What sales documents are made of, for the API, the pages and the services: every field
checked, every bad one named. Protected fields (number, state, totals, costs, quantities
delivered or invoiced) are never loaded from input."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.schemas import NOT_NEGATIVE, MoneyField, PriceField, QuantityField, one_of

TAX_RATES = (0, 1, 10, 20)  # KDV rates in force
POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))
PERCENT = validate.Range(min=0, max=100, error=N_("must be between 0 and 100"))

# The stored values of read-only status fields and their labels (record pages, lists,
# filters and group-by rows all show these).
KINDS = {"invoice": _l("Invoice"), "credit_note": _l("Credit note")}
PAYMENT_STATES = {
    "not_paid": _l("Not paid"),
    "partial": _l("Partly paid"),
    "paid": _l("Fully paid"),
}
DELIVERY_STATUS = {"nothing": _l("Nothing"), "partial": _l("Partly"), "full": _l("Fully")}
INVOICE_STATUS = {
    "nothing": _l("Nothing"),
    "to_invoice": _l("To invoice"),
    "partial": _l("Partly"),
    "invoiced": _l("Invoiced"),
}


class SalesLineSchema(Schema):
    """A priced line. Without ``unit_price`` the product's list price is used; without
    ``tax_rate`` the product's rate; without ``description`` the product's name."""

    id = fields.Integer(allow_none=True, load_default=None)
    product_id = fields.Integer(
        metadata={"label": _l("Product")}, allow_none=True, load_default=None
    )
    description = fields.String(
        metadata={"label": _l("Description")},
        load_default="",
        validate=validate.Length(max=300),
    )
    quantity = QuantityField(
        metadata={"label": _l("Quantity")}, load_default="1", validate=POSITIVE
    )
    unit_price = PriceField(
        metadata={"label": _l("Unit price")},
        allow_none=True,
        load_default=None,
        validate=NOT_NEGATIVE,
    )
    discount = MoneyField(metadata={"label": _l("Discount %")}, load_default="0", validate=PERCENT)
    tax_rate = fields.Integer(
        metadata={"label": _l("VAT %")},
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(TAX_RATES, error=N_("must be one of 0, 1, 10, 20")),
    )

    @validates_schema
    def _something_sold(self, data: dict, **_: Any) -> None:
        if data.get("product_id") is None and not (data.get("description") or "").strip():
            raise ValidationError(N_("give a product or a description"), "product_id")


LineSchema = SalesLineSchema  # the name the services and tests use


class _Sale(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    partner_id = fields.Integer(metadata={"label": _l("Customer")}, required=True)
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    salesperson_id = fields.Integer(
        metadata={"label": _l("Salesperson")}, allow_none=True, load_default=None
    )
    payment_term_id = fields.Integer(
        metadata={"label": _l("Payment term")}, allow_none=True, load_default=None
    )
    note = fields.String(metadata={"label": _l("Note")}, load_default="")
    amount_untaxed = MoneyField(dump_only=True, metadata={"label": _l("Untaxed")})
    amount_tax = MoneyField(dump_only=True, metadata={"label": _l("VAT")})
    amount_total = MoneyField(dump_only=True, metadata={"label": _l("Total")})
    lines = fields.List(fields.Nested(SalesLineSchema), load_default=list)


class QuoteSchema(_Sale):
    valid_until = fields.Date(
        metadata={"label": _l("Valid until")}, allow_none=True, load_default=None
    )

    @validates_schema
    def _valid_after_date(self, data: dict, **_: Any) -> None:
        start, end = data.get("date"), data.get("valid_until")
        if start is not None and end is not None and end < start:
            raise ValidationError(N_("must not be before the quote's date"), "valid_until")


class OrderLineSchema(SalesLineSchema):
    """An order line, with what was delivered and invoiced of it (read only)."""

    qty_delivered = QuantityField(dump_only=True, metadata={"label": _l("Delivered")})
    qty_invoiced = QuantityField(dump_only=True, metadata={"label": _l("Invoiced")})


class InvoiceLineSchema(SalesLineSchema):
    """An invoice line, with the order line it invoices or the invoice line it credits."""

    order_line_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"label": _l("Order line")}
    )
    origin_line_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"label": _l("Credited line")}
    )


class OrderSchema(_Sale):
    client_reference = fields.String(
        metadata={"label": _l("Customer reference")},
        load_default="",
        validate=validate.Length(max=60),
    )
    commitment_date = fields.Date(
        metadata={"label": _l("Delivery date")}, allow_none=True, load_default=None
    )
    shipping_address = fields.String(
        metadata={"label": _l("Shipping address")},
        load_default="",
        validate=validate.Length(max=2000),
    )
    quote_id = fields.Integer(dump_only=True, allow_none=True, metadata={"label": _l("Quote")})
    delivery_status = fields.String(
        dump_only=True, metadata={"label": _l("Delivered")}, validate=one_of(DELIVERY_STATUS)
    )
    invoice_status = fields.String(
        dump_only=True, metadata={"label": _l("Invoiced")}, validate=one_of(INVOICE_STATUS)
    )
    lines = fields.List(fields.Nested(OrderLineSchema), load_default=list)


class InvoiceSchema(_Sale):
    kind = fields.String(dump_only=True, metadata={"label": _l("Kind")}, validate=one_of(KINDS))
    order_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"label": _l("Sales order")}
    )
    origin_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"label": _l("Credited invoice")}
    )
    due_date = fields.Date(metadata={"label": _l("Due date")}, allow_none=True, load_default=None)
    amount_paid = MoneyField(dump_only=True, metadata={"label": _l("Paid")})
    amount_residual = MoneyField(dump_only=True, metadata={"label": _l("Open")})
    payment_state = fields.String(
        dump_only=True, metadata={"label": _l("Payment")}, validate=one_of(PAYMENT_STATES)
    )
    lines = fields.List(fields.Nested(InvoiceLineSchema), load_default=list)


def _product_code(product: Any) -> str:
    """A product as a line shows it next to its description: its code (else its name)."""
    if product is None:
        return ""
    return getattr(product, "code", "") or product.name


class DeliveryLineSchema(Schema):
    """A delivery line: the order line it ships and the quantity. On a page the line's
    product, description and what the order has of it are shown read-only; a line given by
    its ``id`` keeps its order line."""

    id = fields.Integer(allow_none=True, load_default=None)
    order_line_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Order line")}
    )
    product = fields.Function(
        lambda line: _product_code(line.order_line.product),
        dump_only=True,
        metadata={"label": _l("Product")},
    )
    description = fields.String(dump_only=True, metadata={"label": _l("Description")})
    qty_ordered = QuantityField(
        attribute="order_line.quantity", dump_only=True, metadata={"label": _l("Ordered")}
    )
    qty_left = QuantityField(
        attribute="order_line.qty_to_deliver",
        dump_only=True,
        metadata={"label": _l("Left to deliver")},
    )
    quantity = QuantityField(metadata={"label": _l("Quantity")}, required=True, validate=POSITIVE)


class DeliverySchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    order_id = fields.Integer(dump_only=True, metadata={"label": _l("Sales order")})
    date = fields.Date(metadata={"label": _l("Ship date")}, load_default=None)
    shipping_address = fields.String(
        metadata={"label": _l("Shipping address")},
        load_default="",
        validate=validate.Length(max=2000),
    )
    carrier = fields.String(
        metadata={"label": _l("Carrier")}, load_default="", validate=validate.Length(max=100)
    )
    tracking_reference = fields.String(
        metadata={"label": _l("Tracking reference")},
        load_default="",
        validate=validate.Length(max=100),
    )
    note = fields.String(metadata={"label": _l("Note")}, load_default="")
    lines = fields.List(fields.Nested(DeliveryLineSchema), load_default=None)


class AllocationSchema(Schema):
    invoice_id = fields.Integer(required=True)
    amount = MoneyField(metadata={"label": _l("Amount")}, required=True, validate=POSITIVE)


class PaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    partner_id = fields.Integer(metadata={"label": _l("Customer")}, required=True)
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    amount = MoneyField(metadata={"label": _l("Amount")}, required=True, validate=POSITIVE)
    method = fields.String(
        metadata={"label": _l("Method")},
        load_default="bank",
        validate=validate.OneOf(
            ["bank", "cash", "card", "cheque"],
            labels=[_l("Bank transfer"), _l("Cash"), _l("Credit card"), _l("Cheque")],
        ),
    )
    reference = fields.String(
        metadata={"label": _l("Reference")}, load_default="", validate=validate.Length(max=100)
    )
    note = fields.String(metadata={"label": _l("Note")}, load_default="")
    allocations = fields.List(fields.Nested(AllocationSchema), load_default=None)


# ------------------------------------------------------------------ bodies of API actions
class PickedQuantitySchema(Schema):
    """A quantity taken from one line (an order line to invoice, an invoice line to
    credit)."""

    line_id = fields.Integer(required=True, metadata={"label": _l("Line")})
    quantity = QuantityField(required=True, validate=POSITIVE, metadata={"label": _l("Quantity")})


class PickQuantitiesSchema(Schema):
    """``POST .../orders/<id>/invoice`` and ``.../invoices/<id>/credit_note``: the lines and
    quantities to take; without ``lines``, everything still open."""

    lines = fields.List(fields.Nested(PickedQuantitySchema), load_default=None)

    @validates_schema
    def _once_each(self, data: dict, **_: Any) -> None:
        ids = [row["line_id"] for row in data.get("lines") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError(N_("a line is named twice"), "lines")


class PostPaymentSchema(Schema):
    """``POST .../payments/<id>/post``: the invoices it pays and how much of each; without
    ``allocations``, the customer's open invoices, oldest due first."""

    allocations = fields.List(fields.Nested(AllocationSchema), load_default=None)


class CreditUseSchema(Schema):
    """An amount taken from one payment's rest or one credit note's left-over."""

    payment_id = fields.Integer(load_default=None, allow_none=True)
    credit_note_id = fields.Integer(load_default=None, allow_none=True)
    amount = MoneyField(required=True, validate=POSITIVE, metadata={"label": _l("Amount")})

    @validates_schema
    def _one_source(self, data: dict, **_: Any) -> None:
        if (data.get("payment_id") is None) == (data.get("credit_note_id") is None):
            raise ValidationError(N_("name a payment or a credit note"), "payment_id")


class UseCreditSchema(Schema):
    """``POST .../invoices/<id>/use_credit``: the customer's credits to set against the
    invoice and how much of each; without ``credits``, the oldest first."""

    credits = fields.List(fields.Nested(CreditUseSchema), load_default=None)
