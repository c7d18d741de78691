"""Sales record pages as a new user meets them: a draft delivery's lines (product and what
is left shown, only the quantity typed), locked documents shown read-only, buttons offered
only when they can be used, and a new quote's defaults."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest
from marshmallow import ValidationError

from addons.sales import deliveries, invoices, orders, payments, quotes
from addons.sales.models import SalesDelivery, SalesInvoice, SalesOrder, SalesPayment, SalesQuote
from addons.sales.schemas import OrderSchema, PaymentSchema, QuoteSchema


def _confirmed_order(w, quantity="10"):
    """A confirmed order of the goods (and the service); returns (order id, delivery id)."""
    with w.session() as s:
        data = OrderSchema().load(
            {
                "partner_id": w.customer_id,
                "lines": [
                    {"product_id": w.goods_id, "quantity": quantity},
                    {"product_id": w.service_id, "quantity": "1"},
                ],
            }
        )
        order = orders.create_order(s, data)
        delivery = orders.confirm_order(s, order, w.user(s))
        s.commit()
        return order.id, delivery.id


def _delivery(w, delivery_id):
    with w.runtime.db.session_for(w.company_id) as s:
        delivery = s.get(SalesDelivery, delivery_id)
        return [(ln.id, ln.order_line_id, ln.quantity) for ln in delivery.lines]


# -- 1. a draft delivery's lines ------------------------------------------------------------
def test_delivery_page_shows_the_product_and_what_is_left_and_only_the_quantity_is_typed(
    sales_world, web
):
    w = sales_world
    _, delivery_id = _confirmed_order(w)
    page = web.get(f"/sales/deliveries/{delivery_id}").get_data(as_text=True)
    assert "CIM-50" in page and "Çimento 50 kg" in page  # product, description: read-only
    assert 'name="lines-0-order_line_id"' not in page  # no free-typed order line
    assert 'name="lines-0-product"' not in page and 'name="lines-0-qty_left"' not in page
    assert 'name="lines-0-quantity"' in page
    assert re.search(r'name="lines-0-id" value="\d+"', page)


def test_saving_a_draft_delivery_with_more_than_is_left_is_refused(sales_world, web):
    w = sales_world
    _, delivery_id = _confirmed_order(w)
    ((line_id, order_line_id, quantity),) = _delivery(w, delivery_id)
    r = web.post(
        f"/sales/deliveries/{delivery_id}",
        data={"csrf_token": web.token_, "lines-0-id": str(line_id), "lines-0-quantity": "11"},
    )
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "siparişte sevk edilecek kalan miktardan fazla" in page  # under the line
    assert "Çimento 50 kg" in page  # the read-only columns stay after the refusal
    assert _delivery(w, delivery_id) == [(line_id, order_line_id, quantity)]  # nothing written
    # less is fine, and the line keeps its order line
    r = web.post(
        f"/sales/deliveries/{delivery_id}",
        data={"csrf_token": web.token_, "lines-0-id": str(line_id), "lines-0-quantity": "4"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert [(o, q) for _, o, q in _delivery(w, delivery_id)] == [(order_line_id, D("4.000"))]


def test_update_delivery_refuses_more_than_is_left_through_the_service(sales_world):
    w = sales_world
    _, delivery_id = _confirmed_order(w)
    with w.session() as s:
        delivery = s.get(SalesDelivery, delivery_id)
        order_line_id = delivery.lines[0].order_line_id
        with pytest.raises(ValidationError) as exc:
            deliveries.update_delivery(  # two lines of the same order line, 6 + 6 of 10
                s,
                delivery,
                {
                    "lines": [
                        {"order_line_id": order_line_id, "quantity": D("6")},
                        {"order_line_id": order_line_id, "quantity": D("6")},
                    ]
                },
            )
        assert exc.value.messages == {
            "lines": {
                0: {"quantity": ["more than is left to deliver of the order"]},
                1: {"quantity": ["more than is left to deliver of the order"]},
            }
        }


# -- 2. locked documents are shown read-only ------------------------------------------------
SAVE = 'class="btn btn-primary" type="submit"'


def test_a_confirmed_order_and_a_shipped_delivery_are_shown_read_only(sales_world, web):
    w = sales_world
    order_id, delivery_id = _confirmed_order(w)
    page = web.get(f"/sales/orders/{order_id}").get_data(as_text=True)
    assert SAVE not in page
    assert 'name="partner_id"' not in page and 'name="lines-0-quantity"' not in page
    assert 'data-value-of="partner_id">Ege Yapı Ltd.<' in page  # the label, not the id
    assert 'data-value-of="lines-0-product_id">' in page
    # a post from a page opened before the order was confirmed changes nothing
    r = web.post(
        f"/sales/orders/{order_id}",
        data={"csrf_token": web.token_, "partner_id": str(w.prospect_id), "note": "x"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/sales/orders/{order_id}")
    with w.runtime.db.session_for(w.company_id) as s:
        order = s.get(SalesOrder, order_id)
        assert (order.partner_id, order.note) == (w.customer_id, "")
    # the draft delivery may be changed; once shipped not
    assert SAVE in web.get(f"/sales/deliveries/{delivery_id}").get_data(as_text=True)
    with w.session() as s:
        deliveries.ship_delivery(s, s.get(SalesDelivery, delivery_id), w.user(s))
        s.commit()
    page = web.get(f"/sales/deliveries/{delivery_id}").get_data(as_text=True)
    assert SAVE not in page and 'name="lines-0-quantity"' not in page


def test_a_draft_invoice_of_an_order_has_read_only_lines_and_a_posted_one_no_save(sales_world, web):
    w = sales_world
    order_id, _ = _confirmed_order(w)
    with w.session() as s:
        invoice = invoices.invoice_order(s, s.get(SalesOrder, order_id))  # the service
        s.commit()
        invoice_id = invoice.id
    page = web.get(f"/sales/invoices/{invoice_id}").get_data(as_text=True)
    assert SAVE in page and 'name="date"' in page  # the header may change
    assert 'name="lines-0-quantity"' not in page and 'name="lines-1-product_id"' not in page
    assert "Montaj hizmeti" in page
    r = web.post(  # a refused header: the lines are still shown
        f"/sales/invoices/{invoice_id}",
        data={"csrf_token": web.token_, "partner_id": str(w.customer_id), "date": "x"},
    )
    assert r.status_code == 400 and "Montaj hizmeti" in r.get_data(as_text=True)
    r = web.post(
        f"/sales/invoices/{invoice_id}",
        data={"csrf_token": web.token_, "partner_id": str(w.customer_id), "note": "Kasım"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with w.session() as s:
        invoice = s.get(SalesInvoice, invoice_id)
        assert invoice.note == "Kasım" and len(invoice.lines) == 1
        invoices.post_invoice(s, invoice, w.user(s))
        s.commit()
    page = web.get(f"/sales/invoices/{invoice_id}").get_data(as_text=True)
    assert SAVE not in page and 'name="note"' not in page


def test_an_open_quote_may_be_changed_a_posted_payment_not(sales_world, web):
    w = sales_world
    with w.session() as s:
        quote = quotes.create_quote(
            s,
            QuoteSchema().load(
                {"partner_id": w.customer_id, "lines": [{"product_id": w.goods_id}]}
            ),
        )
        payment = payments.create_payment(
            s, PaymentSchema().load({"partner_id": w.customer_id, "amount": "10"})
        )
        s.commit()
        quote_id, payment_id = quote.id, payment.id
    assert SAVE in web.get(f"/sales/quotes/{quote_id}").get_data(as_text=True)
    assert SAVE in web.get(f"/sales/payments/{payment_id}").get_data(as_text=True)
    with w.session() as s:
        quotes.accept_quote(s, s.get(SalesQuote, quote_id), w.user(s))
        payments.post_payment(s, s.get(SalesPayment, payment_id), w.user(s))
        s.commit()
    for path in (f"/sales/quotes/{quote_id}", f"/sales/payments/{payment_id}"):
        page = web.get(path).get_data(as_text=True)
        assert SAVE not in page and 'name="partner_id"' not in page, path


# -- 3. buttons offered only when they can be used ------------------------------------------
def test_an_order_with_something_delivered_offers_no_cancel(sales_world, web):
    w = sales_world
    order_id, delivery_id = _confirmed_order(w)
    cancel = f"/sales/order/{order_id}/act/cancel"
    assert cancel in web.get(f"/sales/orders/{order_id}").get_data(as_text=True)
    with w.session() as s:
        delivery = s.get(SalesDelivery, delivery_id)
        deliveries.update_delivery(
            s, delivery, {"lines": [{"id": delivery.lines[0].id, "quantity": D("4")}]}
        )
        deliveries.ship_delivery(s, delivery, w.user(s))
        s.commit()
    assert cancel not in web.get(f"/sales/orders/{order_id}").get_data(as_text=True)


# -- 4. a new quote's defaults ----------------------------------------------------------------
def test_a_new_quote_starts_with_me_as_salesperson_and_no_customer_chosen(sales_world, web):
    page = web.get("/sales/quotes/new").get_data(as_text=True)
    customer = re.search(r'<select[^>]*name="partner_id".*?</select>', page, re.S).group(0)
    assert '<option value="">' in customer and "selected" not in customer
    salesperson = re.search(r'<select[^>]*name="salesperson_id".*?</select>', page, re.S).group(0)
    # the client is logged in as a user of its own ("user-..."), not the first one listed
    assert salesperson.count("selected") == 1
    assert re.search(r'<option value="\d+"\s+selected>user-', salesperson)


def test_a_quote_without_validity_is_valid_30_days(sales_world):
    w = sales_world
    with w.session() as s:
        quote = quotes.create_quote(
            s, QuoteSchema().load({"partner_id": w.customer_id, "date": "2026-03-02"})
        )
        assert quote.valid_until == date(2026, 4, 1)
        given = quotes.create_quote(
            s,
            QuoteSchema().load(
                {"partner_id": w.customer_id, "date": "2026-03-02", "valid_until": "2026-03-09"}
            ),
        )
        assert given.valid_until == date(2026, 3, 9)
