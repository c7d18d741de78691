"""Sales, end to end through the services: quote -> order -> deliveries -> invoice ->
credit note -> payments, with the quantities, totals, costs and balances checked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from marshmallow import ValidationError

from addons.sales import deliveries, invoices, orders, payments, quotes
from addons.sales.ledger import balance, last_sale, overdue, revenue
from addons.sales.models import SalesInvoice, SalesOrder, SalesQuote
from addons.sales.schemas import LineSchema, QuoteSchema
from core.documents import TransitionRefused
from core.models import OutboxMessage, Partner


def _quote(world, session, partner_id, lines):
    data = QuoteSchema().load({"partner_id": partner_id, "lines": lines})
    return quotes.create_quote(session, data)


def test_quote_to_payment(sales_world):
    w = sales_world
    with w.session() as s:
        quote = _quote(
            w,
            s,
            w.prospect_id,
            [
                {"product_id": w.goods_id, "quantity": "10", "discount": "10"},
                {"product_id": w.service_id, "quantity": "1"},
            ],
        )
        # prices and rates from the products; each line rounded once
        assert [(ln.description, ln.unit_price, ln.net, ln.tax) for ln in quote.lines] == [
            ("Çimento 50 kg", D("100.0000"), D("900.00"), D("180.00")),
            ("Montaj hizmeti", D("500.0000"), D("500.00"), D("100.00")),
        ]
        assert (quote.amount_untaxed, quote.amount_tax, quote.amount_total) == (
            D("1400.00"),
            D("280.00"),
            D("1680.00"),
        )
        quotes.send_quote(s, quote, w.user(s), pdf=lambda q: f"%PDF {q.number}".encode())
        assert quote.state == "sent" and quote.number.startswith("TKL-")
        mail = s.query(OutboxMessage).one()  # queued in the same transaction
        assert mail.to == "info@kl.test"
        assert mail.subject == f"{quote.number} numaralı teklifimiz"
        assert "1.680,00 ₺" in mail.body_text  # the customer's language: Turkish money
        assert mail.body_text.rstrip().endswith("Saygılarımızla\nSATIS Ltd.")  # signed
        assert [(a.filename, a.content) for a in mail.attachments] == [
            (f"{quote.number}.pdf", f"%PDF {quote.number}".encode())  # rendered once numbered
        ]
        order = quotes.accept_quote(s, quote, w.user(s))
        partner = s.get(Partner, w.prospect_id)
        assert partner.is_customer and not partner.is_prospect  # the same row
        assert order.quote_id == quote.id and order.amount_total == D("1680.00")
        delivery = orders.confirm_order(s, order, w.user(s))
        assert order.state == "confirmed" and order.number.startswith("SIP-")
        assert [(ln.description, ln.quantity) for ln in delivery.lines] == [
            ("Çimento 50 kg", D("10.000"))
        ]  # the service is not delivered
        # the service can be invoiced at once; the goods once delivered
        assert order.invoice_status == "to_invoice"

        # a partial delivery: 4 now, the rest on a backorder
        deliveries.update_delivery(
            s,
            delivery,
            {
                "lines": [{"order_line_id": delivery.lines[0].order_line_id, "quantity": D("4")}],
                "carrier": "Yurtiçi Kargo",
                "tracking_reference": "YK123",
            },
        )
        backorder = deliveries.ship_delivery(s, delivery, w.user(s))
        assert delivery.state == "done" and delivery.number.startswith("IRS-")
        goods_line = order.lines[0]
        assert goods_line.qty_delivered == D("4.000") and order.delivery_status == "partial"
        assert backorder.lines[0].quantity == D("6.000")

        invoice = invoices.invoice_order(s, order)
        assert [(ln.description, ln.quantity) for ln in invoice.lines] == [
            ("Çimento 50 kg", D("4.000")),
            ("Montaj hizmeti", D("1.000")),
        ]
        invoices.post_invoice(s, invoice, w.user(s))
        assert invoice.number.startswith("FTR-") and invoice.state == "posted"
        # cost frozen from the product's cost price: 4 x 60
        assert [(ln.cost_unit, ln.cost_amount, ln.cost_basis) for ln in invoice.lines] == [
            (D("60.0000"), D("240.00"), "standard"),
            (D("0.0000"), D("0.00"), "standard"),
        ]
        assert invoice.amount_untaxed == D("860.00")  # 4 x 90 + 500
        assert invoice.gross_profit == D("620.00")
        assert invoice.amount_residual == invoice.amount_total == D("1032.00")
        assert goods_line.qty_invoiced == D("4.000") and order.invoice_status == "partial"

        deliveries.ship_delivery(s, backorder, w.user(s))
        assert order.delivery_status == "full" and order.invoice_status == "to_invoice"
        second = invoices.invoice_order(s, order)
        invoices.post_invoice(s, second, w.user(s))
        assert order.invoice_status == "invoiced"
        assert second.amount_total == D("648.00")  # 6 x 90 x 1.2

        # payments: a partial one, then one that pays the rest and leaves credit
        p1 = payments.create_payment(s, {"partner_id": w.prospect_id, "amount": D("500")})
        payments.post_payment(s, p1, w.user(s))
        assert invoice.amount_paid == D("500.00") and invoice.payment_state == "partial"
        p2 = payments.create_payment(s, {"partner_id": w.prospect_id, "amount": D("1300")})
        payments.post_payment(s, p2, w.user(s))
        assert invoice.payment_state == "paid" and second.payment_state == "paid"
        assert p2.amount_unallocated == D("120.00")  # 1300 - 532 - 648
        assert balance(s, w.prospect_id) == D("-120.00")  # the customer's credit
        assert last_sale(s, w.prospect_id) == invoice.date
        sales, profit = revenue(s, w.prospect_id, date(2000, 1, 1), date(2100, 1, 1))
        assert sales == D("1400.00") and profit == D("1400.00") - D("600.00")
        s.commit()


def test_credit_note_reverses_revenue_and_cost_together(sales_world):
    w = sales_world
    with w.session() as s:
        order = orders.create_order(
            s,
            {
                "partner_id": w.customer_id,
                "lines": [LineSchema().load({"product_id": w.goods_id, "quantity": "5"})],
            },
        )
        delivery = orders.confirm_order(s, order, w.user(s))
        deliveries.ship_delivery(s, delivery, w.user(s))
        invoice = invoices.invoice_order(s, order)
        invoices.post_invoice(s, invoice, w.user(s))
        assert invoice.due_date == invoice.date + timedelta(days=30)  # the customer's term
        from core.models import Product

        s.get(Product, w.goods_id).cost_price = D("75")  # a later cost change ...
        s.flush()
        assert invoice.lines[0].cost_amount == D("300.00")  # ... never changes a past margin
        note = invoices.credit_note(s, invoice, {invoice.lines[0].id: D("2")})
        invoices.post_invoice(s, note, w.user(s))
        assert note.kind == "credit_note" and note.number.startswith("FTR-")
        assert note.amount_untaxed == D("200.00") and note.amount_cost == D("120.00")
        assert invoice.amount_residual == D("360.00")  # 600 - 240 credited
        assert order.lines[0].qty_invoiced == D("3.000")
        sales, profit = revenue(s, w.customer_id, date(2000, 1, 1), date(2100, 1, 1))
        assert (sales, profit) == (D("300.00"), D("120.00"))  # 500-200, (500-300)-(200-120)
        with pytest.raises(ValidationError, match="more than was invoiced"):
            invoices.credit_note(s, invoice, {invoice.lines[0].id: D("4")})
        s.commit()


def test_bad_input_is_refused_and_nothing_is_written(sales_world):
    w = sales_world
    for line, field in (
        ({"product_id": w.goods_id, "quantity": "0"}, "quantity"),
        ({"product_id": w.goods_id, "quantity": "-1"}, "quantity"),
        ({"product_id": w.goods_id, "discount": "101"}, "discount"),
        ({"product_id": w.goods_id, "tax_rate": 18}, "tax_rate"),
        ({"description": ""}, "product_id"),
    ):
        with pytest.raises(ValidationError) as refused:
            LineSchema().load(line)
        assert field in refused.value.messages
    with w.session() as s:
        with pytest.raises(ValidationError) as refused:
            _quote(w, s, w.customer_id, [{"product_id": 999999, "quantity": "1"}])
        assert refused.value.messages == {"lines": {0: {"product_id": ["unknown product"]}}}
        with pytest.raises(ValidationError, match="unknown customer"):
            _quote(w, s, 999999, [])
        s.rollback()
    with w.session() as s:
        order = orders.create_order(
            s,
            {
                "partner_id": w.customer_id,
                "lines": [LineSchema().load({"product_id": w.goods_id, "quantity": "2"})],
            },
        )
        with pytest.raises(ValidationError, match="not confirmed"):
            invoices.invoice_order(s, order)  # a draft order is not invoiced
        delivery = orders.confirm_order(s, order, w.user(s))
        with pytest.raises(TransitionRefused):
            orders.confirm_order(s, order, w.user(s))  # twice: refused, no second delivery
        delivery.lines[0].quantity = D("3")
        with pytest.raises(ValidationError, match="more than is left to deliver"):
            deliveries.ship_delivery(s, delivery, w.user(s))
        delivery.lines[0].quantity = D("2")
        with pytest.raises(ValidationError, match="nothing to invoice"):
            invoices.invoice_order(s, order)  # nothing delivered yet
        deliveries.ship_delivery(s, delivery, w.user(s))
        with pytest.raises(ValidationError, match="more than is left to invoice"):
            invoices.invoice_order(s, order, {order.lines[0].id: D("3")})
        invoice = invoices.invoice_order(s, order)
        invoices.post_invoice(s, invoice, w.user(s))
        with pytest.raises(ValidationError, match="cannot be changed"):
            invoices.update_invoice(s, invoice, {"note": "changed"})
        with pytest.raises(ValidationError, match="posted already"):
            invoices.post_invoice(s, invoice, w.user(s))
        empty = invoices.create_invoice(s, {"partner_id": w.customer_id, "lines": []})
        with pytest.raises(ValidationError, match="at least one line"):
            invoices.post_invoice(s, empty, w.user(s))
        invoices.cancel_invoice(s, empty, w.user(s))
        pay = payments.create_payment(s, {"partner_id": w.customer_id, "amount": D("10")})
        with pytest.raises(ValidationError) as refused:
            payments.post_payment(s, pay, w.user(s), [{"invoice_id": empty.id, "amount": D("5")}])
        assert refused.value.messages == {
            "allocations": {0: {"invoice_id": ["the invoice is cancelled"]}}
        }
        with pytest.raises(ValidationError, match="open amount"):
            payments.post_payment(
                s, pay, w.user(s), [{"invoice_id": invoice.id, "amount": D("9999")}]
            )
        assert pay.state == "draft"
        s.commit()
    with w.session() as s:  # the refused steps left nothing behind
        assert s.query(SalesInvoice).filter_by(state="posted").count() == 1
        assert s.query(SalesOrder).count() == 1
        assert s.query(SalesQuote).count() == 0


def test_overdue_and_partner_view_figures(sales_world):
    w = sales_world
    with w.session() as s:
        invoice = invoices.create_invoice(
            s,
            {
                "partner_id": w.customer_id,
                "date": date.today() - timedelta(days=45),
                "lines": [LineSchema().load({"product_id": w.service_id, "quantity": "2"})],
            },
        )
        invoices.post_invoice(s, invoice, w.user(s))
        assert invoice.is_overdue(date.today())
        assert overdue(s, w.customer_id, date.today()) == D("1200.00")
        assert balance(s, w.customer_id) == D("1200.00")
        s.commit()


def test_quotes_expire_reject_and_reopen(sales_world):
    w = sales_world
    today = date.today()
    with w.session() as s:
        old = _quote(w, s, w.customer_id, [{"product_id": w.goods_id}])
        old.date, old.valid_until = today - timedelta(days=40), today - timedelta(days=10)
        current = _quote(w, s, w.customer_id, [{"product_id": w.goods_id}])
        current.valid_until = today + timedelta(days=5)
        sent = _quote(w, s, w.customer_id, [{"product_id": w.goods_id}])
        quotes.send_quote(s, sent, w.user(s))
        assert quotes.expire_quotes(s, today) == 1  # the daily job
        assert (old.state, current.state) == ("expired", "draft")
        with pytest.raises(ValidationError, match="open quote"):
            quotes.update_quote(s, old, {"note": "late"})
        from addons.sales.workflows import service_transition
        from core.documents import Veto, transition

        service_transition(s, sent, "reject", w.user(s))
        service_transition(s, sent, "reopen", w.user(s))
        assert sent.state == "draft" and sent.number.startswith("TKL-")  # keeps its number
        with pytest.raises(TransitionRefused):
            service_transition(s, old, "accept", w.user(s))  # expired: reopen first
        with pytest.raises(Veto, match="own buttons"):
            transition(s, sent, "send", w.user(s))  # the state alone, without the service
        s.commit()


def test_core_generic_actions_leave_sales_documents_to_their_services(sales_world):
    from core.models import Company
    from core.workflow import available_actions, take_action

    w = sales_world
    with w.session() as s:
        quote = _quote(w, s, w.customer_id, [{"product_id": w.goods_id}])
        company = s.get(Company, w.company_id)
        assert available_actions(s, quote, w.user(s), company) == []  # no generic buttons
        with pytest.raises(TransitionRefused, match="own actions"):
            take_action(s, quote, "send", w.user(s), company)
        assert quote.state == "draft" and quote.number is None
        s.rollback()
