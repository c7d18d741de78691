"""Documents dated as a user dates them: an order accepted, an invoice or credit note made on
a given day (numbered in that day's year, due from that day), a quote marked sent without
an e-mail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from addons.sales import deliveries, invoices, orders, quotes
from addons.sales.schemas import QuoteSchema
from core.models import OutboxMessage


def test_documents_take_the_date_they_are_made_on(sales_world):
    w = sales_world
    last_year = date(date.today().year - 1, 12, 20)
    with w.session() as s:
        quote = quotes.create_quote(
            s,
            {
                "partner_id": w.customer_id,
                "date": last_year - timedelta(days=5),
                "lines": [{"product_id": w.goods_id, "quantity": D("4")}],
            },
        )
        quotes.send_quote(s, quote, w.user(s), mail=False)  # handed over: no e-mail
        assert quote.state == "sent" and s.query(OutboxMessage).count() == 0
        order = quotes.accept_quote(s, quote, w.user(s), on=last_year)
        assert order.date == last_year
        delivery = orders.confirm_order(s, order, w.user(s))
        assert order.number.startswith(f"SIP-{last_year.year}-")
        deliveries.update_delivery(s, delivery, {"date": last_year})
        deliveries.ship_delivery(s, delivery, w.user(s))
        invoice = invoices.invoice_order(s, order, on=last_year + timedelta(days=1))
        invoices.post_invoice(s, invoice, w.user(s))
        assert invoice.date == last_year + timedelta(days=1)
        assert invoice.number.startswith(f"FTR-{last_year.year}-")
        assert invoice.due_date == invoice.date + timedelta(days=30)  # the customer's term
        returned = date(last_year.year + 1, 1, 8)
        note = invoices.credit_note(s, invoice, {invoice.lines[0].id: D("1")}, on=returned)
        invoices.post_invoice(s, note, w.user(s))
        assert note.date == returned and note.number.startswith(f"FTR-{returned.year}-")
        # without a date: today, as before
        other = quotes.accept_quote(
            s,
            quotes.create_quote(
                s,
                QuoteSchema().load(
                    {"partner_id": w.customer_id, "lines": [{"product_id": w.service_id}]}
                ),
            ),
            w.user(s),
        )
        assert other.date == date.today()
        orders.confirm_order(s, other, w.user(s))
        assert invoices.invoice_order(s, other).date == date.today()
        s.rollback()
