"""Reorder rules: keep a product in a warehouse between a minimum and a maximum.

``create_rule`` and ``update_rule`` take the raw payload (the page, the API and scripts pass
it as sent), check everything before anything is written and raise ``ValidationError``
naming the field:

- ``minimum`` >= 0, ``maximum`` >= ``minimum``, ``multiple`` > 0, ``lead_days`` >= 0 or
  empty (empty: the vendor's lead time);
- the product is goods (a service is not kept in stock), the warehouse is active, one rule
  per product and warehouse;
- the vendor, when given, is a vendor partner of the company; without one the rule takes the
  product's preferred vendor (core's ``ProductVendor`` rows, lowest ``sequence`` first).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.models import Partner, Product
from core.schemas import QuantityField

from .models import MaterialsReorderRule, MaterialsWarehouse

NOT_NEGATIVE = validate.Range(min=0, error=N_("must not be negative"))
POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))
MAX_BELOW_MIN = N_("the maximum must not be below the minimum")


class ReorderRuleSchema(Schema):
    """A reorder rule: below ``minimum`` (projected), propose up to ``maximum`` in
    multiples of ``multiple`` from ``vendor_id`` (empty: the product's preferred vendor),
    needed ``lead_days`` from today (empty: the vendor's lead time)."""

    id = fields.Integer(dump_only=True)
    product_id = fields.Integer(required=True, metadata={"label": _l("Product")})
    warehouse_id = fields.Integer(required=True, metadata={"label": _l("Warehouse")})
    minimum = QuantityField(
        metadata={"label": _l("Minimum")}, load_default="0", validate=NOT_NEGATIVE
    )
    maximum = QuantityField(
        metadata={"label": _l("Maximum")}, load_default="0", validate=NOT_NEGATIVE
    )
    multiple = QuantityField(
        metadata={"label": _l("Order multiple")}, load_default="1", validate=POSITIVE
    )
    lead_days = fields.Integer(
        metadata={"label": _l("Lead time (days)")},
        allow_none=True,
        load_default=None,
        validate=NOT_NEGATIVE,
    )
    vendor_id = fields.Integer(metadata={"label": _l("Vendor")}, allow_none=True, load_default=None)
    active = fields.Boolean(metadata={"label": _l("Active")}, load_default=True)

    @validates_schema
    def _max_not_below_min(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("minimum"), data.get("maximum")
        if low is not None and high is not None and high < low:
            raise ValidationError(MAX_BELOW_MIN, "maximum")


def _check(session: Session, data: dict[str, Any], rule: MaterialsReorderRule | None) -> None:
    """What the schema cannot see: the records the ids name (the company's only)."""
    errors: dict[str, list[str]] = {}
    product_id = data.get("product_id", rule.product_id if rule else None)
    warehouse_id = data.get("warehouse_id", rule.warehouse_id if rule else None)
    if "product_id" in data:
        product = session.get(Product, data["product_id"])
        if product is None:
            errors["product_id"] = [N_("no such product")]
        elif product.type != "goods":
            errors["product_id"] = [N_("a service is not kept in stock")]
    if "warehouse_id" in data:
        warehouse = session.get(MaterialsWarehouse, data["warehouse_id"])
        if warehouse is None:
            errors["warehouse_id"] = [N_("no such warehouse")]
        elif not warehouse.active:
            errors["warehouse_id"] = [N_("the warehouse is archived")]
    if data.get("vendor_id") is not None:
        vendor = session.get(Partner, data["vendor_id"])
        if vendor is None:
            errors["vendor_id"] = [N_("no such vendor")]
        elif not vendor.is_vendor:
            errors["vendor_id"] = [N_("the partner is not a vendor")]
    if not errors and ("product_id" in data or "warehouse_id" in data):
        same = session.scalar(
            select(MaterialsReorderRule.id).where(
                MaterialsReorderRule.product_id == product_id,
                MaterialsReorderRule.warehouse_id == warehouse_id,
            )
        )
        if same is not None and (rule is None or same != rule.id):
            errors["product_id"] = [N_("the product has a rule for this warehouse already")]
    if rule is not None and ("minimum" in data) != ("maximum" in data):
        low = data.get("minimum", rule.minimum)  # one of the two changed: check the pair
        if data.get("maximum", rule.maximum) < low:
            errors["maximum"] = [MAX_BELOW_MIN]
    if errors:
        raise ValidationError(errors)


def _apply(rule: MaterialsReorderRule, data: dict[str, Any]) -> None:
    for key, value in data.items():
        setattr(rule, key, value)


def create_rule(session: Session, payload: dict[str, Any]) -> MaterialsReorderRule:
    """A new rule from ``payload`` (checked; nothing written when refused)."""
    data = ReorderRuleSchema().load(payload)
    _check(session, data, None)
    rule = MaterialsReorderRule()
    _apply(rule, data)
    session.add(rule)
    session.flush()
    return rule


def update_rule(
    session: Session, rule: MaterialsReorderRule, payload: dict[str, Any]
) -> MaterialsReorderRule:
    """Change ``rule`` with the fields of ``payload`` (those not sent are kept)."""
    schema = ReorderRuleSchema(partial=True)
    data = schema.load(payload)
    _check(session, data, rule)
    _apply(rule, data)
    session.flush()
    return rule
