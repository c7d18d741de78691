"""The purchasing demo: the whole chain, as people would have worked it over two months.

- Two people: a requester (Elif Kaya, ``purchasing.user`` and ``purchasing.receiver``) and a
  purchasing manager who approves, buys, receives and pays (Burak Şahin).
- Reorder rules for the main warehouse's goods: most sit comfortably below what is on hand,
  three are set above it, so the replenishment report proposes them.
- A replenishment run turns those three into a draft requisition; it is submitted (over
  100 TL: it waits for approval) and approved by the manager.
- A requisition by hand under the threshold (approved at once when submitted), and one over
  it left waiting for approval (``/purchasing/approvals`` has something to show).
- Purchase orders made from the approved requisitions (one per vendor), confirmed.
- Older history, by hand: an order received in full, invoiced and paid; one received in
  part and invoiced for what came; one whose vendor invoice is 6 % over the order's price
  (the company's price tolerance is 2 %), waiting for approval.

Every step goes through the services, so the documents, stock moves, average costs and
balances agree as they would in use. Dates are relative to today; a fixed
``random.Random`` is not needed (nothing is drawn).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.models import Partner, Product, ProductVendor

PEOPLE = [
    ("Elif Kaya", "elif.kaya", ["purchasing.user", "purchasing.receiver"]),
    ("Burak Şahin", "burak.sahin", ["purchasing.manager"]),
]
SHORT = 3  # rules set above what is on hand: the report proposes these


def build(company: Any, size: str = "full", today: date | None = None) -> None:
    from core.db import session_of

    session = session_of(company)
    Demo(session, company, today or date.today()).build()


class Demo:
    def __init__(self, session: Any, company: Any, today: date) -> None:
        self.session, self.company, self.today = session, company, today

    def build(self) -> None:
        from .settings import save

        save(self.session, self.company.id, {"price_tolerance": Decimal("2.00")})
        self.requester, self.manager = self.people()
        self.goods = list(
            self.session.scalars(
                select(Product).where(Product.type == "goods").order_by(Product.code)
            )
        )
        self.history()
        self.rules_and_run()
        self.requisitions_by_hand()
        self.orders_from_requisitions()
        self.session.flush()

    # -- people ------------------------------------------------------------------------------
    def people(self) -> list[Any]:
        from core.auth import add_user, find_user, grant
        from core.demo import DEMO_PASSWORD
        from core.runtime import current_runtime

        kernel = current_runtime().kernel
        domain = f"{self.company.code.lower()}.demo"
        made = []
        for name, local, roles in PEOPLE:
            email = f"{local}@{domain}"
            user = find_user(self.session, email) or add_user(
                self.session, email, name, DEMO_PASSWORD
            )
            grant(self.session, kernel, user, self.company, roles)
            made.append(user)
        return made

    def vendor_of(self, product: Product) -> Partner | None:
        row = self.session.scalars(
            select(ProductVendor)
            .where(ProductVendor.product_id == product.id)
            .order_by(ProductVendor.sequence, ProductVendor.id)
        ).first()
        return self.session.get(Partner, row.partner_id) if row is not None else None

    # -- older history: orders received, invoiced and paid ----------------------------------
    def order(self, vendor: Partner, lines: list[tuple[Product, int]], days_ago: int) -> Any:
        from .orders import confirm_order, create_order

        order = create_order(
            self.session,
            {
                "partner_id": vendor.id,
                "date": self.today - timedelta(days=days_ago),
                "expected_date": self.today - timedelta(days=days_ago - 7),
                "lines": [
                    {"product_id": product.id, "quantity": Decimal(quantity)}
                    for product, quantity in lines
                ],
            },
        )
        confirm_order(self.session, order, self.manager, mail=False)
        return order

    def history(self) -> None:
        from .invoices import invoice_order, submit_invoice, update_invoice
        from .payments import create_payment, post_payment
        from .receipts import post_receipt, receive_order

        by_vendor: dict[int, list[Product]] = {}
        for product in self.goods:
            vendor = self.vendor_of(product)
            if vendor is not None:
                by_vendor.setdefault(vendor.id, []).append(product)
        vendors = [self.session.get(Partner, vendor_id) for vendor_id in sorted(by_vendor)]
        if not vendors:
            return
        # 1. received in full 45 days ago, invoiced, paid
        first = vendors[0]
        done = self.order(first, [(p, 40) for p in by_vendor[first.id][:2]], days_ago=50)
        receipt = receive_order(self.session, done, on=self.today - timedelta(days=45))
        post_receipt(self.session, receipt, self.manager)
        invoice = invoice_order(self.session, done, on=self.today - timedelta(days=44))
        update_invoice(self.session, invoice, {"vendor_number": "MKS2026-0412"})
        submit_invoice(self.session, invoice, self.manager)
        payment = create_payment(
            self.session,
            {
                "partner_id": first.id,
                "amount": invoice.amount_total,
                "date": self.today - timedelta(days=14),
                "method": "bank",
                "reference": "EFT 20261115-0041",
            },
        )
        post_payment(self.session, payment, self.manager)
        # 2. half received 20 days ago and invoiced for what came; the rest is still due
        second = vendors[-1]
        partly = self.order(second, [(p, 60) for p in by_vendor[second.id][:1]], days_ago=25)
        line = partly.lines[0]
        receipt = receive_order(
            self.session, partly, {line.id: Decimal(30)}, on=self.today - timedelta(days=20)
        )
        post_receipt(self.session, receipt, self.manager)
        invoice = invoice_order(self.session, partly, on=self.today - timedelta(days=19))
        update_invoice(self.session, invoice, {"vendor_number": "TR-2611-" + str(second.id)})
        submit_invoice(self.session, invoice, self.manager)
        # 3. received; the vendor invoiced 6 % over the order's price: waits for approval
        third = vendors[len(vendors) // 2]
        dearer = self.order(third, [(p, 25) for p in by_vendor[third.id][:1]], days_ago=12)
        receipt = receive_order(self.session, dearer, on=self.today - timedelta(days=8))
        post_receipt(self.session, receipt, self.manager)
        invoice = invoice_order(self.session, dearer, on=self.today - timedelta(days=6))
        rows = [
            {
                "id": row.id,
                "quantity": row.quantity,
                "unit_price": (row.unit_price * Decimal("1.06")).quantize(Decimal("0.01")),
            }
            for row in invoice.lines
        ]
        update_invoice(self.session, invoice, {"vendor_number": "FT-88120", "lines": rows})
        submit_invoice(self.session, invoice, self.manager)  # another approver decides

    # -- reorder rules and a replenishment run ----------------------------------------------
    def rules_and_run(self) -> None:
        from addons.materials.replenishment import replenish_rules
        from addons.materials.rules import create_rule
        from addons.materials.stock import default_warehouse, stock_row

        from .requisitions import decide, submit

        main = default_warehouse(self.session)
        short = []
        for index, product in enumerate(self.goods):
            on_hand = stock_row(self.session, product.id, main.id).on_hand
            if index < SHORT:  # above what is on hand: proposed
                minimum = (on_hand * Decimal("1.2")).to_integral_value() + 20
            else:
                minimum = (on_hand / 4).to_integral_value()
            rule = create_rule(
                self.session,
                {
                    "product_id": product.id,
                    "warehouse_id": main.id,
                    "minimum": str(minimum),
                    "maximum": str(minimum * 2),
                    "multiple": "10",
                },
            )
            if index < SHORT:
                short.append(rule.id)
        if not short:
            return
        _run, requisitions = replenish_rules(self.session, short, self.requester)
        for requisition in requisitions or []:
            submit(self.session, requisition, self.requester)
            decide(self.session, requisition, self.manager, "approve", "Stok kritik, onaylandı.")

    def requisitions_by_hand(self) -> None:
        from .requisitions import create_requisition, submit
        from .schemas import RequisitionSchema

        def requisition(product: Product, quantity: str, days: int, note: str) -> Any:
            data = RequisitionSchema().load(
                {
                    "requester_id": self.requester.id,
                    "needed_by": (self.today + timedelta(days=days)).isoformat(),
                    "note": note,
                    "lines": [{"product_id": product.id, "quantity": quantity}],
                }
            )
            return create_requisition(self.session, data)

        cheap = min(self.goods, key=lambda p: p.cost_price)  # 5 boxes at about 11 TL
        small = requisition(cheap, "5", 10, "Sevkiyat için acil koli")
        submit(self.session, small, self.requester)  # up to 100 TL: approved at once
        dear = max(self.goods, key=lambda p: p.cost_price)
        waiting = requisition(dear, "12", 21, "Yeni şube açılışı")
        submit(self.session, waiting, self.requester)  # over 100 TL: waits for the manager

    def orders_from_requisitions(self) -> None:
        from .ordering import order_requisitions
        from .orders import confirm_order

        result = order_requisitions(self.session, self.manager)
        for order in result.orders:
            if order.state == "draft":
                confirm_order(self.session, order, self.manager, mail=False)
