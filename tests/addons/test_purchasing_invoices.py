"""Vendor invoices and the three-way match: never more than received, prices within the
tolerance post at once, beyond it the invoice waits for an approver (approve, reject with a
reason, no self-approval, no second decision), what a posted invoice changes on its order,
invoices without an order."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from addons.purchasing import invoices, receipts
from addons.purchasing.models import PurchasingInvoice, PurchasingOrder
from core.documents import TransitionRefused
from core.models import Company

from .purchasing_match import add_people, make_order, order_lines, order_status, set_tolerances

OVER = "more than was received and not invoiced yet"


@pytest.fixture
def world(purchasing_world):
    return add_people(purchasing_world)


def receive(world, order_id, quantities=None):
    with world.session("recv") as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        picked = None
        if quantities is not None:
            picked = {order.lines[i].id: D(q) for i, q in quantities.items()}
        receipts.post_receipt(s, receipts.receive_order(s, order, picked), world.user(s, "recv"))


def draft(world, order_id, quantities=None, prices=None, number="F-1", who="acct"):
    """A draft invoice of the order; ``prices`` {line index: the vendor's unit price}."""
    with world.session(who) as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        picked = None
        if quantities is not None:
            picked = {order.lines[i].id: D(q) for i, q in quantities.items()}
        invoice = invoices.invoice_order(s, order, picked)
        rows = [
            {"id": line.id, "quantity": line.quantity, "unit_price": line.unit_price}
            for line in invoice.lines
        ]
        for index, price in (prices or {}).items():
            rows[index]["unit_price"] = D(price)
        invoices.update_invoice(s, invoice, {"vendor_number": number, "lines": rows})
        return invoice.id


def submit(world, invoice_id, who="acct"):
    with world.session(who) as s, s.begin():
        invoice = s.get(PurchasingInvoice, invoice_id)
        invoices.submit_invoice(s, invoice, world.user(s, who))
        return invoice.state


def decide(world, invoice_id, who, action, comment=""):
    with world.session(who) as s, s.begin():
        invoice = s.get(PurchasingInvoice, invoice_id)
        invoices.decide(s, invoice, world.user(s, who), action, comment)
        return invoice.state


def read(world, invoice_id):
    with world.session() as s:
        inv = s.get(PurchasingInvoice, invoice_id)
        return {
            "state": inv.state,
            "number": inv.number,
            "total": inv.amount_total,
            "excess": inv.price_excess,
            "residual": inv.amount_residual,
            "paid": inv.amount_paid,
            "payment_state": inv.payment_state,
            "due": inv.due_date,
            "date": inv.date,
        }


def test_invoicing_more_than_received_is_refused(world):
    w = world
    order_id = make_order(w, [(w.product_id, "10", "7.50", "10")])  # net 6.75
    with pytest.raises(ValidationError) as nothing:
        draft(w, order_id)
    assert nothing.value.normalized_messages() == {
        "order_id": ["nothing to invoice: receive first"]
    }
    receive(w, order_id, {0: "4"})
    with w.session() as s:
        line_id = s.get(PurchasingOrder, order_id).lines[0].id
    with pytest.raises(ValidationError) as refused:
        draft(w, order_id, {0: "5"})
    assert refused.value.normalized_messages() == {"quantities": {str(line_id): [OVER]}}
    invoice_id = draft(w, order_id)
    with w.session("acct") as s, s.begin():
        invoice = s.get(PurchasingInvoice, invoice_id)
        line = invoice.lines[0]
        assert (line.quantity, line.unit_price, line.order_price) == (
            D("4"),
            D("6.7500"),
            D("6.7500"),
        )
        invoices.update_invoice(s, invoice, {"lines": [{"id": line.id, "quantity": D("5")}]})
    with pytest.raises(ValidationError) as over:
        submit(w, invoice_id)
    assert over.value.normalized_messages() == {"lines": {0: {"quantity": [OVER]}}}
    assert read(w, invoice_id)["state"] == "draft" and read(w, invoice_id)["number"] is None
    assert order_lines(w, order_id) == [(D("4"), D("0"))]


def test_within_the_price_tolerance_it_posts_at_once(world):
    w = world
    set_tolerances(w, price="5")
    order_id = make_order(w, [(w.product_id, "10", "7.50", "10"), (w.bare_id, "2", "12")])
    receive(w, order_id, {0: "4", 1: "2"})
    # 7.00 is 3.7 % over 6.75: within 5 %
    invoice_id = draft(w, order_id, prices={0: "7.00"})
    assert submit(w, invoice_id) == "posted"
    found = read(w, invoice_id)
    # 4 x 7.00 = 28.00, 2 x 12 = 24.00: 52.00 + 20 % KDV 10.40 = 62.40
    assert (found["total"], found["excess"], found["residual"], found["paid"]) == (
        D("62.40"),
        D("0.00"),
        D("62.40"),
        D("0.00"),
    )
    assert found["payment_state"] == "not_paid" and found["number"].startswith("ALF-")
    assert found["due"] == found["date"] + timedelta(days=30)  # the order's 30-day term
    assert order_lines(w, order_id) == [(D("4"), D("4")), (D("2"), D("2"))]
    assert order_status(w, order_id) == ("confirmed", "partial", "partial")
    # the rest received and invoiced: the order is done
    receive(w, order_id)
    assert submit(w, draft(w, order_id, number="F-2")) == "posted"
    assert order_status(w, order_id) == ("done", "full", "full")


def test_over_the_tolerance_waits_for_an_approver(world):
    w = world
    set_tolerances(w, price="5")
    order_id = make_order(w, [(w.product_id, "10", "7.50", "10")])
    receive(w, order_id, {0: "4"})
    # 7.50 is 11 % over 6.75: (7.50 - 6.75) x 4 = 3.00 over the order's price
    invoice_id = draft(w, order_id, prices={0: "7.50"})
    assert submit(w, invoice_id) == "submitted"
    found = read(w, invoice_id)
    assert (found["excess"], found["residual"]) == (D("3.00"), D("0.00"))
    assert order_lines(w, order_id) == [(D("4"), D("0"))]
    # waiting: another invoice of the same receipt would over-invoice, refused
    second = draft(w, order_id, number="F-2")
    with pytest.raises(ValidationError) as refused:
        submit(w, second)
    assert refused.value.normalized_messages() == {"lines": {0: {"quantity": [OVER]}}}
    with pytest.raises(TransitionRefused):  # an accountant is not an approver
        decide(w, invoice_id, "acct", "approve")
    assert decide(w, invoice_id, "appr", "approve", "Fiyat artışı bildirildi") == "posted"
    found = read(w, invoice_id)
    assert (found["state"], found["residual"], found["total"]) == ("posted", D("36.00"), D("36.00"))
    assert order_lines(w, order_id) == [(D("4"), D("4"))]
    with pytest.raises(TransitionRefused, match="not waiting for an approval"):
        decide(w, invoice_id, "appr2", "approve")
    with w.session() as s:
        from core.models import Approval

        rows = s.scalars(select(Approval).where(Approval.document_id == invoice_id)).all()
        assert [(r.decision, r.comment) for r in rows] == [("approved", "Fiyat artışı bildirildi")]


def test_no_self_approval_and_rejection(world):
    w = world
    order_id = make_order(w, [(w.product_id, "10", "5")])
    receive(w, order_id)
    # the manager (accountant and approver) enters an invoice over the price: not theirs to approve
    invoice_id = draft(w, order_id, prices={0: "6"}, who="boss")
    assert submit(w, invoice_id, who="boss") == "submitted"
    assert read(w, invoice_id)["excess"] == D("10.00")  # (6 - 5) x 10, no tolerance
    with pytest.raises(TransitionRefused, match="no self-approval"):
        decide(w, invoice_id, "boss", "approve")
    with pytest.raises(TransitionRefused, match="reason"):
        decide(w, invoice_id, "appr", "reject")
    assert decide(w, invoice_id, "appr", "reject", "Sipariş fiyatı geçerli") == "rejected"
    assert order_lines(w, order_id) == [(D("10"), D("0"))]
    assert read(w, invoice_id)["residual"] == D("0.00")
    # back to draft, corrected to the order's price: posts at once
    with w.session("boss") as s, s.begin():
        invoice = s.get(PurchasingInvoice, invoice_id)
        invoices.reopen_invoice(s, invoice, w.user(s, "boss"))
        row = {"id": invoice.lines[0].id, "quantity": D("10"), "unit_price": D("5")}
        invoices.update_invoice(s, invoice, {"lines": [row]})
    assert submit(w, invoice_id, who="boss") == "posted"
    assert order_lines(w, order_id) == [(D("10"), D("10"))]
    assert order_status(w, order_id) == ("done", "full", "full")


def test_cancel_and_vendor_number(world):
    w = world
    order_id = make_order(w, [(w.product_id, "2", "5")], term=False)
    receive(w, order_id)
    invoice_id = draft(w, order_id, number="  ")
    with pytest.raises(ValidationError) as no_number:
        submit(w, invoice_id)
    assert no_number.value.normalized_messages() == {
        "vendor_number": ["enter the vendor's invoice number"]
    }
    with w.session("acct") as s, s.begin():
        invoices.cancel_invoice(s, s.get(PurchasingInvoice, invoice_id), w.user(s, "acct"))
    assert read(w, invoice_id)["state"] == "cancelled"
    posted = draft(w, order_id, quantities={0: "1"}, number="A-9")
    assert submit(w, posted) == "posted"
    assert read(w, posted)["due"] == read(w, posted)["date"]  # no payment term: due at once
    twice = draft(w, order_id, number="A-9")
    with pytest.raises(ValidationError) as duplicate:
        submit(w, twice)
    assert duplicate.value.normalized_messages() == {
        "vendor_number": ["this vendor's invoice is entered already"]
    }
    with pytest.raises(ValidationError), w.session("acct") as s, s.begin():
        invoices.cancel_invoice(s, s.get(PurchasingInvoice, posted), w.user(s, "acct"))


def test_an_invoice_without_an_order(world):
    w = world
    with w.session("acct") as s, s.begin():
        with pytest.raises(ValidationError) as bad:
            invoices.create_invoice(
                s,
                {"partner_id": w.vendor_id, "lines": [{"quantity": D("1"), "unit_price": D("1")}]},
            )
        assert bad.value.normalized_messages() == {
            "lines": {0: {"description": ["give a product or a description"]}}
        }
        invoice = invoices.create_invoice(
            s,
            {
                "partner_id": w.vendor_id,
                "vendor_number": "NAK-1",
                "date": date(2026, 3, 10),
                "due_date": date(2026, 4, 30),
                "lines": [
                    {"description": "Nakliye", "quantity": D("1"), "unit_price": D("250")},
                ],
            },
        )
        invoice_id = invoice.id
    assert submit(w, invoice_id) == "posted"
    found = read(w, invoice_id)
    assert (found["total"], found["residual"], found["due"]) == (
        D("300.00"),
        D("300.00"),
        date(2026, 4, 30),
    )


def test_another_companys_order_is_not_found(world, make_company, yaprak_runtime):
    other = make_company("BASKA", addons=["purchasing"])
    order_id = make_order(world, [(world.product_id, "1", "5")])
    with yaprak_runtime.db.session_for(other.id) as s:
        assert s.get(PurchasingOrder, order_id) is None
        assert s.get(Company, other.id) is not None
