"""What the materials pages and API read and write: warehouses (with their locations), a
manual move, stock levels and moves as read, inventory counts. Every field checked, every
bad one named; what the services compute (values, averages, on-hand at posting, numbers,
states) is never loaded from input."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.schemas import NOT_NEGATIVE, MoneyField, PriceField, QuantityField, one_of

KINDS = {
    "receipt": _l("Receipt"),
    "issue": _l("Issue"),
    "transfer": _l("Transfer"),
    "adjustment": _l("Adjustment"),
}
COUNT_STATES = {"draft": _l("draft"), "done": _l("done"), "cancelled": _l("cancelled")}
POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))


class LocationSchema(Schema):
    id = fields.Integer(allow_none=True, load_default=None)
    code = fields.String(
        metadata={"label": _l("Code")}, required=True, validate=validate.Length(min=1, max=40)
    )
    name = fields.String(
        metadata={"label": _l("Name")}, load_default="", validate=validate.Length(max=100)
    )
    active = fields.Boolean(metadata={"label": _l("Active")}, load_default=True)


class WarehouseSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(
        metadata={"label": _l("Code")}, required=True, validate=validate.Length(min=1, max=20)
    )
    name = fields.String(
        metadata={"label": _l("Name")}, required=True, validate=validate.Length(min=1, max=100)
    )
    address = fields.String(
        metadata={"label": _l("Address"), "widget": "textarea"},
        load_default="",
        validate=validate.Length(max=300),
    )
    is_default = fields.Boolean(metadata={"label": _l("Default warehouse")}, load_default=False)
    active = fields.Boolean(metadata={"label": _l("Active")}, load_default=True)
    locations = fields.List(fields.Nested(LocationSchema), load_default=list)


class MoveSchema(Schema):
    """A move as read; posting one by hand (``POST``) takes ``kind``, ``product_id``,
    ``warehouse_id``, ``quantity`` (more than zero; an adjustment's may be negative: goods
    found missing), ``unit_cost`` (a receipt's, required there; a positive adjustment's,
    else the average), ``to_warehouse_id`` (a transfer's destination), ``location_id``,
    ``date`` and ``reference``. A transfer answers its move into the destination."""

    id = fields.Integer(dump_only=True)
    kind = fields.String(metadata={"label": _l("Kind")}, required=True, validate=one_of(KINDS))
    product_id = fields.Integer(metadata={"label": _l("Product")}, required=True)
    warehouse_id = fields.Integer(metadata={"label": _l("Warehouse")}, required=True)
    to_warehouse_id = fields.Integer(
        metadata={"label": _l("To warehouse (transfers)")},
        allow_none=True,
        load_default=None,
        load_only=True,
        validate=validate.Range(min=1, max=2**31 - 1),  # not a column: checked here
    )
    location_id = fields.Integer(
        metadata={"label": _l("Location")}, allow_none=True, load_default=None
    )
    quantity = QuantityField(metadata={"label": _l("Quantity")}, required=True)
    unit_cost = PriceField(
        metadata={"label": _l("Unit cost")},
        allow_none=True,
        load_default=None,
        validate=NOT_NEGATIVE,
    )
    value = MoneyField(dump_only=True, metadata={"label": _l("Value")})
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    reference = fields.String(
        metadata={"label": _l("Reference")}, load_default="", validate=validate.Length(max=100)
    )
    origin_type = fields.String(dump_only=True, metadata={"label": _l("Origin")})
    origin_id = fields.Integer(dump_only=True, allow_none=True)
    origin_line_id = fields.Integer(dump_only=True, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data: dict, **_: Any) -> None:
        kind, quantity = data.get("kind"), data.get("quantity")
        if quantity is not None:
            if quantity == 0:
                raise ValidationError(N_("the quantity must not be zero"), "quantity")
            if kind != "adjustment" and quantity < 0:
                raise ValidationError(N_("must be more than zero"), "quantity")
        if kind == "receipt" and data.get("unit_cost") is None:
            raise ValidationError(N_("a receipt needs its unit cost"), "unit_cost")
        if kind == "transfer" and data.get("to_warehouse_id") is None:
            raise ValidationError(
                N_("choose the warehouse to move the goods to"), "to_warehouse_id"
            )


class LevelSchema(Schema):
    """A product's stock in a warehouse (read only)."""

    id = fields.Integer(dump_only=True)
    product_id = fields.Integer(dump_only=True)
    product_code = fields.Function(lambda s: s.product.code, dump_only=True)
    product_name = fields.Function(lambda s: s.product.name, dump_only=True)
    warehouse_id = fields.Integer(dump_only=True)
    warehouse_code = fields.Function(lambda s: s.warehouse.code, dump_only=True)
    on_hand = QuantityField(dump_only=True)
    reserved = QuantityField(dump_only=True)
    available = QuantityField(dump_only=True)
    average_cost = PriceField(dump_only=True, attribute="average_cost", allow_none=True)
    value = MoneyField(dump_only=True, attribute="stock_value", allow_none=True)


class CountLineSchema(Schema):
    id = fields.Integer(allow_none=True, load_default=None)
    product_id = fields.Integer(metadata={"label": _l("Product")}, required=True)
    counted = QuantityField(metadata={"label": _l("Counted")}, required=True, validate=NOT_NEGATIVE)
    on_hand = QuantityField(
        dump_only=True, allow_none=True, metadata={"label": _l("On hand when posted")}
    )
    difference = QuantityField(
        dump_only=True, allow_none=True, metadata={"label": _l("Difference")}
    )


class CountSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True, metadata={"label": _l("Number")})
    state = fields.String(
        dump_only=True, metadata={"label": _l("State")}, validate=one_of(COUNT_STATES)
    )
    warehouse_id = fields.Integer(metadata={"label": _l("Warehouse")}, required=True)
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    note = fields.String(
        metadata={"label": _l("Note"), "widget": "textarea"},
        load_default="",
        validate=validate.Length(max=2000),
    )
    lines = fields.List(fields.Nested(CountLineSchema), load_default=list)
