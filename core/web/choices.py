"""The options of the selects every add-on's forms share: ``(id, label)`` pairs, read in the
request's session (so the company's own rows only), in the order people look for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Membership, Partner, PaymentTerm, Product, User
from core.tenancy import company_of


def products(session: Any) -> list[tuple[int, str]]:
    """Active products, ``CODE name``, by code."""
    rows = session.execute(
        select(Product.id, Product.code, Product.name)
        .where(Product.active.is_(True))
        .order_by(Product.code)
    )
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]


def goods(session: Any) -> list[tuple[int, str]]:
    """Active products kept in stock (not services), ``CODE name``, by code."""
    rows = session.execute(
        select(Product.id, Product.code, Product.name)
        .where(Product.active.is_(True), Product.type == "goods")
        .order_by(Product.code)
    )
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]


def vendors(session: Any) -> list[tuple[int, str]]:
    """Active vendors, by name."""
    rows = session.execute(
        select(Partner.id, Partner.name)
        .where(Partner.active.is_(True), Partner.is_vendor.is_(True))
        .order_by(Partner.name)
    )
    return [(r[0], r[1]) for r in rows]


def customers(session: Any) -> list[tuple[int, str]]:
    """Active customers and prospects, by name."""
    rows = session.execute(
        select(Partner.id, Partner.name)
        .where(Partner.active.is_(True))
        .where(Partner.is_customer.is_(True) | Partner.is_prospect.is_(True))
        .order_by(Partner.name)
    )
    return [(r[0], r[1]) for r in rows]


def payment_terms(session: Any) -> list[tuple[int, str]]:
    """The company's payment terms, by name."""
    rows = session.execute(select(PaymentTerm.id, PaymentTerm.name).order_by(PaymentTerm.name))
    return [(r[0], r[1]) for r in rows]


def members(session: Any) -> list[tuple[int, str]]:
    """The company's users (name, else e-mail), by name."""
    rows = session.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.company_id == company_of(session))
        .order_by(User.name)
    )
    return [(r[0], r[1] or r[2]) for r in rows]


def customer_groups(session: Any) -> list[tuple[int, str]]:
    """The company's customer groups, by name."""
    from core.models import PartnerGroup

    rows = session.execute(select(PartnerGroup.id, PartnerGroup.name).order_by(PartnerGroup.name))
    return [(r[0], r[1]) for r in rows]


def product_categories(session: Any) -> list[tuple[int, str]]:
    """The company's product categories, by name."""
    from core.models import ProductCategory

    query = select(ProductCategory.id, ProductCategory.name).order_by(ProductCategory.name)
    return [(r[0], r[1]) for r in session.execute(query)]
