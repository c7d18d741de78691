"""A sales company with reporting for the report tests: customer groups, product categories,
customers and products, and helpers posting invoices, credit notes and payments through
the sales services (so every document is exactly what posting leaves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from addons.reporting.framework import (
    ReportContext,
    Result,
    find_report,
    load_params,
    run_report,
)
from addons.sales import invoices, payments
from addons.sales.schemas import LineSchema
from core import hooks_for
from core.companies import enable_addons, get_company
from core.models import Partner, PartnerGroup, Product, ProductCategory
from core.partners import create_partner
from core.products import create_product


@dataclass
class ReportWorld:
    sales: Any  # the sales_world
    company: Any
    groups: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)  # the last has no group
    products: list[int] = field(default_factory=list)  # the last has no category
    usd_customer: int = 0

    def session(self) -> Any:
        return self.sales.session()

    def ctx(self, session: Any, today: date) -> ReportContext:
        return ReportContext(session, self.company, self.sales.user(session), today, "en")

    def run(self, session: Any, report_id: str, raw: dict[str, Any], today: date) -> Result:
        """``raw`` parameters loaded, checked and run, as the runner does."""
        ctx = self.ctx(session, today)
        report = find_report(hooks_for(self.company), report_id)
        return run_report(report, ctx, load_params(report, ctx, raw))

    def invoice(
        self,
        session: Any,
        partner_id: int,
        lines: list[tuple[int | None, str, str, str]],
        on: date,
        due: date | None = None,
    ) -> Any:
        """A posted invoice of ``lines`` (product, quantity, unit price, discount %)."""
        rows = []
        for product_id, quantity, price, discount in lines:
            raw = {"quantity": quantity, "unit_price": price, "discount": discount}
            if product_id is None:
                raw["description"] = "Danışmanlık"
            else:
                raw["product_id"] = product_id
            rows.append(LineSchema().load(raw))
        data: dict[str, Any] = {"partner_id": partner_id, "date": on, "lines": rows}
        if due is not None:
            data["due_date"] = due
        invoice = invoices.create_invoice(session, data)
        invoices.post_invoice(session, invoice, self.sales.user(session))
        return invoice

    def credit(self, session: Any, invoice: Any, quantities: dict[int, Decimal], on: date) -> Any:
        note = invoices.credit_note(session, invoice, quantities, on=on)
        invoices.post_invoice(session, note, self.sales.user(session))
        return note

    def payment(
        self, session: Any, partner_id: int, amount: str, on: date, allocations: list | None
    ) -> Any:
        payment = payments.create_payment(
            session, {"partner_id": partner_id, "amount": Decimal(amount), "date": on}
        )
        payments.post_payment(session, payment, self.sales.user(session), allocations)
        return payment


def make_report_world(sales_world: Any) -> ReportWorld:
    """Three customer groups, three categories (one below another), five customers (the
    last without a group), six products at various costs (the last without a category), a
    customer invoiced in USD."""
    w = sales_world
    enable_addons(w.runtime, "SATIS", ["reporting"])
    with w.runtime.db.Session() as s:
        company = get_company(s, "SATIS")
    world = ReportWorld(w, company)
    with w.session() as s:
        for name in ("Bayi", "Toptan", "Perakende"):
            group = PartnerGroup(name=name)
            s.add(group)
            s.flush()
            world.groups.append(group.id)
        parent = None
        for name in ("Yapı", "Boya", "İç cephe"):
            category = ProductCategory(name=name, parent_id=parent)
            s.add(category)
            s.flush()
            world.categories.append(category.id)
            parent = category.id if name == "Boya" else None
        for n in range(5):
            partner = create_partner(s, {"name": f"Müşteri {n}", "is_customer": True})
            partner.group_id = world.groups[n % 3] if n < 4 else None
            world.customers.append(partner.id)
        for n in range(6):
            product = create_product(
                s,
                {
                    "code": f"P{n}",
                    "name": f"Ürün {n}",
                    "list_price": str(50 + 7 * n),
                    "cost_price": f"{20 + 3 * n}.{n}5",
                    "tax_rate": 20,
                },
            )
            product.category_id = world.categories[n % 3] if n < 5 else None
            world.products.append(product.id)
        usd = create_partner(s, {"name": "Globex", "is_customer": True, "currency": "USD"})
        world.usd_customer = usd.id
        s.flush()
        assert s.get(Partner, usd.id).currency == "USD"
        assert s.get(Product, world.products[0]) is not None
        s.commit()
    return world
