"""Helpers for the receipt and vendor invoice tests: more people on the purchasing world,
confirmed purchase orders made directly (without the orders service), tolerances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from addons.materials.models import MaterialsCost, MaterialsStock
from addons.purchasing.models import PurchasingOrder, PurchasingOrderLine, PurchasingSettings
from core.auth import add_user, grant
from core.documents import compute_totals, service_transition
from core.models import Company, PaymentTerm

D = Decimal
MORE_PEOPLE = {
    "recv": ["purchasing.receiver"],
    "recv2": ["purchasing.receiver"],
    "acct": ["purchasing.accountant"],
}


def add_people(world: Any) -> Any:
    """The world with a receiver, a second receiver and an accountant, and a 30-day term."""
    runtime = world.runtime
    with runtime.db.transaction() as s:
        company = s.get(Company, world.company_id)
        for name, roles in MORE_PEOPLE.items():
            user = add_user(s, f"{name}@alim.test", name.title(), "parola-123")
            grant(s, runtime.kernel, user, company, roles)
            world.users[name] = user.id
    with runtime.db.transaction(world.company_id) as s:
        term = PaymentTerm(name="30 gün", days=30)
        s.add(term)
        s.flush()
        world.term_id = term.id
    return world


def make_order(world: Any, lines: list[tuple], confirm: bool = True, term: bool = True) -> int:
    """A purchase order to the world's vendor for its main warehouse; ``lines`` are
    ``(product_id, quantity, unit_price[, discount])``; confirmed (numbered) by the manager."""
    with world.session("boss") as s, s.begin():
        order = PurchasingOrder(
            partner_id=world.vendor_id,
            warehouse_id=world.warehouse_id,
            currency="TRY",
            payment_term_id=getattr(world, "term_id", None) if term else None,
        )
        order_lines = []
        for index, row in enumerate(lines):
            product_id, quantity, price = row[:3]
            order_lines.append(
                PurchasingOrderLine(
                    sequence=(index + 1) * 10,
                    product_id=product_id,
                    description=f"line {index + 1}",
                    quantity=D(quantity),
                    unit_price=D(price),
                    discount=D(row[3]) if len(row) > 3 else D(0),
                    tax_rate=20,
                )
            )
        order.lines = order_lines
        compute_totals(order, order_lines)
        s.add(order)
        s.flush()
        if confirm:
            service_transition(s, order, "confirm", world.user(s, "boss"))
        return order.id


def set_tolerances(world: Any, receipt: str = "0", price: str = "0") -> None:
    with world.session("boss") as s, s.begin():
        found = s.get(PurchasingSettings, world.company_id)
        if found is None:
            found = PurchasingSettings(company_id=world.company_id)
            s.add(found)
        found.receipt_tolerance = D(receipt)
        found.price_tolerance = D(price)


def stock(world: Any, product_id: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(on hand in the main warehouse, the company's quantity, value, average) of a product."""
    with world.session() as s:
        level = s.scalars(
            select(MaterialsStock).where(
                MaterialsStock.product_id == product_id,
                MaterialsStock.warehouse_id == world.warehouse_id,
            )
        ).first()
        cost = s.scalars(
            select(MaterialsCost).where(MaterialsCost.product_id == product_id)
        ).first()
        return (
            level.on_hand if level else D("0"),
            cost.quantity if cost else D("0"),
            cost.value if cost else D("0"),
            cost.average if cost else D("0"),
        )


def order_lines(world: Any, order_id: int) -> list[tuple[Decimal, Decimal]]:
    """(qty_received, qty_invoiced) of each line of the order."""
    with world.session() as s:
        order = s.get(PurchasingOrder, order_id)
        return [(line.qty_received, line.qty_invoiced) for line in order.lines]


def order_status(world: Any, order_id: int) -> tuple[str, str, str]:
    with world.session() as s:
        order = s.get(PurchasingOrder, order_id)
        return order.state, order.receipt_status, order.invoice_status
