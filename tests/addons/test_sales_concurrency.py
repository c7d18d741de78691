"""Two people confirming, or invoicing, the same order at the same moment: one result."""

from __future__ import annotations

import threading
from decimal import Decimal as D

from sqlalchemy import func, select

from addons.sales import deliveries, invoices, orders
from addons.sales.models import SalesDelivery, SalesInvoice, SalesOrder
from addons.sales.schemas import LineSchema


def _race(world, order_id, action):
    """Run ``action(session, order)`` in two threads at once; the outcomes in order."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker():
        with world.runtime.activate():  # each request thread has its runtime
            attempt()

    def attempt():
        session = world.session()
        try:
            barrier.wait(30)  # both start together (an SQLite writer holds its lock from
            order = session.get(SalesOrder, order_id)  # its first read, so read after)
            action(session, order)
            session.commit()
            outcomes.append("done")
        except Exception as exc:  # the loser's error, whatever its kind
            session.rollback()
            outcomes.append(type(exc).__name__)
        finally:
            session.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


def _order(world):
    with world.session() as s:
        order = orders.create_order(
            s,
            {
                "partner_id": world.customer_id,
                "lines": [LineSchema().load({"product_id": world.goods_id, "quantity": "4"})],
            },
        )
        s.commit()
        return order.id


def test_confirming_at_once_confirms_once(sales_world):
    w = sales_world
    order_id = _order(w)
    outcomes = _race(w, order_id, lambda s, o: orders.confirm_order(s, o, w.user(s)))
    assert outcomes.count("done") == 1, outcomes
    with w.session() as s:
        assert s.get(SalesOrder, order_id).state == "confirmed"
        assert s.scalar(select(func.count()).select_from(SalesDelivery)) == 1


def test_invoicing_at_once_invoices_once(sales_world):
    w = sales_world
    order_id = _order(w)
    with w.session() as s:
        order = s.get(SalesOrder, order_id)
        deliveries.ship_delivery(s, orders.confirm_order(s, order, w.user(s)), w.user(s))
        s.commit()

    def invoice_and_post(s, order):
        invoices.post_invoice(s, invoices.invoice_order(s, order), w.user(s))

    outcomes = _race(w, order_id, invoice_and_post)
    assert outcomes.count("done") == 1, outcomes
    with w.session() as s:
        posted = s.scalars(select(SalesInvoice).where(SalesInvoice.state == "posted")).all()
        assert len(posted) == 1 and posted[0].lines[0].quantity == D("4.000")
        assert s.get(SalesOrder, order_id).lines[0].qty_invoiced == D("4.000")
