"""Core's own list and form pages: partners and products (the shared master data)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Partner, PartnerGroup, PaymentTerm, Product, ProductCategory
from core.partners import PartnerSchema, create_partner, update_partner
from core.products import ProductSchema, create_product, update_product
from core.web.forms import FormView
from core.web.lists import BulkAction, ListView
from core.web.partner_view import partner_overview

bp = Blueprint("master", __name__)


def _names(session: Any, model: type) -> list[tuple[int, str]]:
    """(id, name) of every row of ``model`` by name (columns only: no objects to build)."""
    rows = session.execute(select(model.id, model.name).order_by(model.name))
    return [(row[0], row[1]) for row in rows]


def _groups(session: Any) -> list[tuple[int, str]]:
    return _names(session, PartnerGroup)


def _terms(session: Any) -> list[tuple[int, str]]:
    return _names(session, PaymentTerm)


def _categories(session: Any) -> list[tuple[int, str]]:
    return _names(session, ProductCategory)


def _archive(_session: Any, record: Any) -> str:
    if not record.active:
        raise ValueError(str(_l("already archived")))
    record.active = False
    return str(_l("archived"))


def _restore(_session: Any, record: Any) -> str:
    if record.active:
        raise ValueError(str(_l("not archived")))
    record.active = True
    return str(_l("restored"))


BULK = [
    BulkAction("archive", _l("Archive"), _archive, role="manager", style="danger"),
    BulkAction("restore", _l("Restore"), _restore, role="manager"),
]

partner_form = FormView(
    record_type="core.partner",
    model=Partner,
    schema=PartnerSchema,
    title=_l("Partner"),
    create=create_partner,
    update=update_partner,
    choices={"group_id": _groups, "payment_term_id": _terms},
    list_url=lambda: url_for("master.partners"),
    sections=partner_overview,  # the customer view: figures and timeline from the add-ons
)
partners = ListView(
    ListSpec(
        "core.partners",
        Partner,
        columns=[
            Column("name", _l("Name")),
            Column("tax_id", _l("Tax number")),
            Column("email", _l("E-mail")),
            Column("phone", _l("Phone"), sortable=False),
            Column(
                "group_id",
                _l("Group"),
                value=lambda p: p.group.name if p.group else "",
                groupable=True,
                sortable=False,
            ),
            Column("is_customer", _l("Customer"), kind="bool", groupable=True),
            Column("is_vendor", _l("Vendor"), kind="bool", groupable=True),
            Column("credit_limit", _l("Credit limit"), kind="money", summable=True),
            Column("currency", _l("Currency"), groupable=True, visible=False),
            Column("active", _l("Active"), kind="bool", groupable=True, visible=False),
        ],
        filters=[
            Filter("is_customer", _l("Customer"), Partner.is_customer, kind="bool"),
            Filter("is_prospect", _l("Prospect"), Partner.is_prospect, kind="bool"),
            Filter("is_vendor", _l("Vendor"), Partner.is_vendor, kind="bool"),
            Filter(
                "group_id",
                _l("Group"),
                Partner.group_id,
                choices=lambda s: {str(k): v for k, v in _groups(s)},
                watches=[PartnerGroup],
            ),
            Filter("active", _l("Active"), Partner.active, kind="bool"),
            Filter("credit_limit", _l("Credit limit"), Partner.credit_limit, kind="number"),
        ],
        search=[Partner.search_key],
        default_sort="name",
        load=[joinedload(Partner.group)],  # the Group column: in the same query (a LEFT JOIN)
    ),
    title=_l("Partners"),
    form=partner_form,
    new_url=lambda: url_for("master.partner_new"),
    bulk_actions=BULK,
)

product_form = FormView(
    record_type="core.product",
    model=Product,
    schema=ProductSchema,
    title=_l("Product"),
    create=create_product,
    update=update_product,
    choices={"category_id": _categories},
    list_url=lambda: url_for("master.products"),
)
products = ListView(
    ListSpec(
        "core.products",
        Product,
        columns=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column(
                "type",
                _l("Type"),
                groupable=True,
                choices={"goods": _l("Goods"), "service": _l("Service")},
                kind="choice",
            ),
            Column("uom", _l("Unit"), groupable=True),
            Column("list_price", _l("List price"), kind="money"),
            Column("cost_price", _l("Cost price"), kind="money"),
            Column("tax_rate", _l("VAT %"), kind="number", groupable=True),
            Column("active", _l("Active"), kind="bool", groupable=True, visible=False),
        ],
        filters=[
            Filter(
                "type",
                _l("Type"),
                Product.type,
                choices={"goods": _l("Goods"), "service": _l("Service")},
            ),
            Filter(
                "category_id",
                _l("Category"),
                Product.category_id,
                choices=lambda s: {str(k): v for k, v in _categories(s)},
                watches=[ProductCategory],
            ),
            Filter("active", _l("Active"), Product.active, kind="bool"),
            Filter("list_price", _l("List price"), Product.list_price, kind="number"),
        ],
        search=[Product.search_key],
        default_sort="code",
    ),
    title=_l("Products"),
    form=product_form,
    new_url=lambda: url_for("master.product_new"),
    bulk_actions=BULK,
)

partners.register(bp, "/partners")
partner_form.register(bp, "/partners")
products.register(bp, "/products")
product_form.register(bp, "/products")
