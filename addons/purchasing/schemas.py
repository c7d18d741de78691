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
