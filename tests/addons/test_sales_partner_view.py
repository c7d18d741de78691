"""The customer view on a partner's page: sales figures and one timeline of documents,
shown only where sales is enabled."""

from __future__ import annotations

import re

from addons.sales import deliveries, invoices, orders, quotes
from addons.sales.schemas import QuoteSchema
from core.companies import get_company
from core.testing.plugin import client_for


def test_partner_page_shows_sales_figures_and_timeline(sales_world, yaprak_app):
    w = sales_world
    with w.session() as s:
        quote = quotes.create_quote(
            s,
            QuoteSchema().load(
                {
                    "partner_id": w.customer_id,
                    "lines": [{"product_id": w.goods_id, "quantity": "3"}],
                }
            ),
        )
        order = quotes.accept_quote(s, quote, w.user(s))
        delivery = orders.confirm_order(s, order, w.user(s))
        deliveries.ship_delivery(s, delivery, w.user(s))
        invoice = invoices.invoice_order(s, order)
        invoices.post_invoice(s, invoice, w.user(s))
        numbers = [quote.number, order.number, delivery.number, invoice.number]
        pages = [
            f"/sales/quotes/{quote.id}",
            f"/sales/orders/{order.id}",
            f"/sales/deliveries/{delivery.id}",
            f"/sales/invoices/{invoice.id}",
        ]
        s.commit()

    with w.runtime.db.Session() as s:
        company = get_company(s, "SATIS")
    client = client_for(yaprak_app, company, roles=("user",))
    client.client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    page = client.get(f"/partners/{w.customer_id}").get_data(as_text=True)
    assert "Customer view" in page
    timeline = page[page.index("partner-timeline") :]
    for number, url in zip(numbers, pages, strict=True):
        assert f'<a href="{url}">' in timeline and number in timeline  # each opens its page
    assert timeline.count("₺360.00") == 3  # quote, order, invoice: 3 x 100 + 20 % KDV
    figures = dict(
        re.findall(
            r'<dt class="small text-muted fw-normal">([^<]+)</dt>\s*<dd[^>]*>\s*([^<]+?)\s*</dd>',
            page,
        )
    )
    assert figures["Revenue this year"] == "₺300.00"
    assert figures["Gross profit this year"] == "₺120.00"
    assert figures["Open balance"] == "₺360.00"
    assert figures["Overdue"] == "₺0.00"


def test_without_sales_the_partner_page_has_no_customer_view(make_company, company_client):
    plain = make_company("SADE")
    client = company_client(plain)
    client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    created = client.post(
        "/partners/new", data={"name": "Yalın Ltd.", "csrf_token": client.csrf_token()}
    )
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Yalın Ltd." in page and "Customer view" not in page
