"""What requisitions are made of, for the API, the pages and the services: every field
checked, every bad one named. Number, state, totals, the run a line came from and what was
ordered of it are never loaded from input."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.schemas import NOT_NEGATIVE, MoneyField, PriceField, QuantityField

POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))


class RequisitionLineSchema(Schema):
    """A requisition line. Without ``unit_price`` the estimate is the vendor's price (core's
    product vendors), else the preferred vendor's, else the product's cost price; without
    ``vendor_id`` the product's preferred vendor; without ``description`` the product's name."""

    id = fields.Integer(allow_none=True, load_default=None)
    product_id = fields.Integer(metadata={"label": _l("Product")}, required=True)
    description = fields.String(
        metadata={"label": _l("Description")}, load_default="", validate=validate.Length(max=300)
    )
    quantity = QuantityField(metadata={"label": _l("Quantity")}, required=True, validate=POSITIVE)
    unit_price = PriceField(
        metadata={"label": _l("Estimated unit price")},
        allow_none=True,
        load_default=None,
        validate=NOT_NEGATIVE,
    )
    vendor_id = fields.Integer(metadata={"label": _l("Vendor")}, allow_none=True, load_default=None)
    needed_by = fields.Date(metadata={"label": _l("Needed by")}, allow_none=True, load_default=None)
    net = MoneyField(dump_only=True, metadata={"label": _l("Estimated amount")})
    qty_ordered = QuantityField(dump_only=True, metadata={"label": _l("Ordered")})
    run_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"label": _l("Replenishment run")}
    )


class RequisitionSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    requester_id = fields.Integer(
        metadata={"label": _l("Requester")}, allow_none=True, load_default=None
    )
    warehouse_id = fields.Integer(
        metadata={"label": _l("Warehouse")}, allow_none=True, load_default=None
    )
    needed_by = fields.Date(metadata={"label": _l("Needed by")}, allow_none=True, load_default=None)
    note = fields.String(
        metadata={"label": _l("Note"), "widget": "textarea"},
        load_default="",
        validate=validate.Length(max=2000),
    )
    amount_total = MoneyField(dump_only=True, metadata={"label": _l("Estimated total")})
    lines = fields.List(fields.Nested(RequisitionLineSchema), load_default=list)

    @validates_schema
    def _needed_after_date(self, data: dict, **_: Any) -> None:
        start, end = data.get("date"), data.get("needed_by")
        if start is not None and end is not None and end < start:
            raise ValidationError(N_("must not be before the requisition's date"), "needed_by")


class WaitingRequisitionSchema(RequisitionSchema):
    """A requisition waiting for the caller's decision (``/approvals``: read only)."""


class DecisionSchema(Schema):
    """The body of an approve/reject (and of the other actions): an optional comment."""

    comment = fields.String(load_default="", validate=validate.Length(max=2000))


# ----------------------------------------------------------------------------- orders
TAX_RATES = (0, 1, 10, 20)  # KDV rates in force
PERCENT = validate.Range(min=0, max=100, error=N_("must be between 0 and 100"))
RECEIPT_STATUS = {"nothing": _l("Nothing"), "partial": _l("Partly"), "full": _l("Fully")}
INVOICE_STATUS = {"nothing": _l("Nothing"), "partial": _l("Partly"), "invoiced": _l("Invoiced")}
ORIGINS = {"manual": _l("By hand"), "requisitions": _l("From requisitions")}


class PurchaseOrderLineSchema(Schema):
    """A purchase order line. Without ``unit_price`` the vendor's price for the product
    (core's product vendors, in the order's currency), else the product's cost price;
    without ``tax_rate`` the product's KDV rate; without ``description`` its name."""

    id = fields.Integer(allow_none=True, load_default=None)
    product_id = fields.Integer(metadata={"label": _l("Product")}, required=True)
    description = fields.String(
        metadata={"label": _l("Description")}, load_default="", validate=validate.Length(max=300)
    )
    quantity = QuantityField(metadata={"label": _l("Quantity")}, required=True, validate=POSITIVE)
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
    needed_by = fields.Date(metadata={"label": _l("Needed by")}, allow_none=True, load_default=None)
    net = MoneyField(dump_only=True, metadata={"label": _l("Net amount")})
    qty_received = QuantityField(dump_only=True, metadata={"label": _l("Received")})
    qty_invoiced = QuantityField(dump_only=True, metadata={"label": _l("Invoiced")})


class PurchaseOrderSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    partner_id = fields.Integer(metadata={"label": _l("Vendor")}, required=True)
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    warehouse_id = fields.Integer(
        metadata={"label": _l("Warehouse")}, allow_none=True, load_default=None
    )
    expected_date = fields.Date(
        metadata={"label": _l("Expected date")}, allow_none=True, load_default=None
    )
    payment_term_id = fields.Integer(
        metadata={"label": _l("Payment term")}, allow_none=True, load_default=None
    )
    buyer_id = fields.Integer(metadata={"label": _l("Buyer")}, allow_none=True, load_default=None)
    vendor_reference = fields.String(
        metadata={"label": _l("Vendor reference")},
        load_default="",
        validate=validate.Length(max=60),
    )
    note = fields.String(
        metadata={"label": _l("Note"), "widget": "textarea"},
        load_default="",
        validate=validate.Length(max=2000),
    )
    currency = fields.String(dump_only=True)
    origin = fields.String(dump_only=True, metadata={"label": _l("Origin")})
    receipt_status = fields.String(dump_only=True, metadata={"label": _l("Received")})
    invoice_status = fields.String(dump_only=True, metadata={"label": _l("Invoiced")})
    amount_untaxed = MoneyField(dump_only=True, metadata={"label": _l("Untaxed")})
    amount_tax = MoneyField(dump_only=True, metadata={"label": _l("VAT")})
    amount_total = MoneyField(dump_only=True, metadata={"label": _l("Total")})
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema), load_default=list)

    @validates_schema
    def _expected_after_date(self, data: dict, **_: Any) -> None:
        start, end = data.get("date"), data.get("expected_date")
        if start is not None and end is not None and end < start:
            raise ValidationError(N_("must not be before the order's date"), "expected_date")


class ConfirmSchema(Schema):
    """The body of an order's ``confirm``: ``mail`` false confirms without e-mailing the
    order to the vendor (it was sent otherwise)."""

    mail = fields.Boolean(load_default=True)


class RunOrderingSchema(Schema):
    """The body of ``POST /requisitions/order``: the requisitions to order (default: every
    approved one)."""

    requisition_ids = fields.List(fields.Integer(), allow_none=True, load_default=None)


OrderSchema = PurchaseOrderSchema  # the names the services and tests use
OrderLineSchema = PurchaseOrderLineSchema
