"""Products: validation and the services that write them."""

from __future__ import annotations

from typing import Any

from flask_babel.speaklater import LazyString
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import lazy_gettext as _l
from core.models import Partner, Product, ProductCategory, ProductVendor
from core.schemas import NOT_NEGATIVE, CurrencyField, PriceField, QuantityField
from core.text import search_key
from core.units import UNITS, unit_label

TAX_RATES = (0, 1, 10, 20)  # KDV %


class VendorSchema(Schema):
    partner_id = fields.Integer(required=True)
    vendor_code = fields.String(load_default="", validate=validate.Length(max=60))
    price = PriceField(load_default="0", validate=NOT_NEGATIVE)
    currency = CurrencyField()
    lead_days = fields.Integer(load_default=0, validate=NOT_NEGATIVE)
    min_qty = QuantityField(load_default="0", validate=NOT_NEGATIVE)
    sequence = fields.Integer(load_default=10)


def _unit(code: str) -> LazyString:
    """A unit's name in the reader's language, decided when shown (``C62`` -> adet/piece)."""

    def label() -> str:
        from core.i18n import current_language

        return f"{unit_label(code, current_language())} ({code})"

    return LazyString(label)


class ProductSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(
        metadata={"label": _l("Code")}, required=True, validate=validate.Length(min=1, max=40)
    )
    name = fields.String(
        metadata={"label": _l("Name")}, required=True, validate=validate.Length(min=1, max=200)
    )
    type = fields.String(
        metadata={"label": _l("Type")},
        load_default="goods",
        validate=validate.OneOf(["goods", "service"], labels=[_l("Goods"), _l("Service")]),
    )
    uom = fields.String(
        metadata={"label": _l("Unit")},
        load_default="C62",
        validate=validate.OneOf(list(UNITS), labels=[_unit(code) for code in UNITS]),
    )
    list_price = PriceField(
        metadata={"label": _l("List price")}, load_default="0", validate=NOT_NEGATIVE
    )
    cost_price = PriceField(
        metadata={"label": _l("Cost price")}, load_default="0", validate=NOT_NEGATIVE
    )
    tax_rate = fields.Integer(
        metadata={"label": _l("VAT %")},
        load_default=20,
        validate=validate.OneOf(TAX_RATES, error="KDV rate must be 0, 1, 10 or 20"),
    )
    category_id = fields.Integer(
        metadata={"label": _l("Category")}, allow_none=True, load_default=None
    )
    active = fields.Boolean(metadata={"label": _l("Active")}, load_default=True)
    vendors = fields.List(fields.Nested(VendorSchema), load_default=list)


def _check(session: Session, data: dict, product: Product | None) -> None:
    errors: dict[str, Any] = {}
    if "code" in data:
        same = session.scalar(select(Product.id).where(Product.code == data["code"].strip()))
        if same is not None and (product is None or same != product.id):
            errors["code"] = [f"{data['code']!r} is already used by another product"]
    if (
        data.get("category_id") is not None
        and session.get(ProductCategory, data["category_id"]) is None
    ):
        errors["category_id"] = ["unknown category"]
    for index, vendor in enumerate(data.get("vendors") or []):
        partner = session.get(Partner, vendor["partner_id"])  # filtered to the company
        if partner is None:
            errors.setdefault("vendors", {})[index] = {"partner_id": ["unknown partner"]}
        elif not partner.is_vendor:
            errors.setdefault("vendors", {})[index] = {
                "partner_id": [f"{partner.name} is not a vendor"]
            }
    if errors:
        raise ValidationError(errors)


def _apply(product: Product, data: dict) -> None:
    vendors = data.pop("vendors", None)
    for key, value in data.items():
        setattr(product, key, value.strip() if isinstance(value, str) else value)
    if vendors is not None:
        product.vendors = [ProductVendor(**v) for v in vendors]
    product.search_key = search_key(product.code, product.name)[:300]


def create_product(session: Session, payload: dict) -> Product:
    data = ProductSchema().load(payload)
    _check(session, data, None)
    product = Product()
    _apply(product, data)
    session.add(product)
    session.flush()
    return product


def update_product(session: Session, product: Product, payload: dict) -> Product:
    data = ProductSchema(partial=True).load(payload)
    _check(session, data, product)
    _apply(product, data)
    session.flush()
    return product


def preferred_vendor(product: Product) -> ProductVendor | None:
    """The vendor with the lowest sequence (the preferred one)."""
    return min(product.vendors, key=lambda v: (v.sequence, v.id or 0), default=None)
