"""Sales through the pages: quote -> order -> delivery -> invoice -> payment with CSRF-checked
form posts and document buttons; field errors, another company's documents, roles, the menu,
and core's generic workflow actions refused on sales documents."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

from pypdf import PdfReader
from sqlalchemy import select

from addons.sales.models import (
    SalesDelivery,
    SalesInvoice,
    SalesOrder,
    SalesPayment,
    SalesQuote,
)
from core.models import OutboxMessage


def _id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/(\d+)$", response.headers["Location"]).group(1))


def _act(client, kind, record_id, action):
    return client.post(
        f"/sales/{kind}/{record_id}/act/{action}", data={"csrf_token": client.token_}
    )


def _one(runtime, company_id, model, record_id):
    with runtime.db.session_for(company_id) as s:
        doc = s.get(model, record_id)
        s.expunge(doc)
        return doc


def test_quote_to_payment_through_the_pages(sales_world, web, yaprak_runtime):
    w = sales_world
    token = web.token_
    assert web.get("/sales/quotes").status_code == 200
    assert web.get("/sales/quotes/new").status_code == 200
    quote_id = _id(
        web.post(
            "/sales/quotes/new",
            data={
                "csrf_token": token,
                "partner_id": str(w.prospect_id),
                "date": "2026-03-02",
                "lines-0-product_id": str(w.goods_id),
                "lines-0-quantity": "10",
                "lines-0-discount": "10",
                "lines-1-product_id": str(w.service_id),
                "lines-1-quantity": "1",
                "number": "HACK-1",
                "state": "accepted",
            },
        )
    )
    quote = _one(yaprak_runtime, w.company_id, SalesQuote, quote_id)
    assert (quote.state, quote.number, quote.amount_total) == ("draft", None, D("1680.00"))
    page = web.get(f"/sales/quotes/{quote_id}").get_data(as_text=True)
    assert f"/sales/quote/{quote_id}/act/send" in page  # the sales buttons
    assert "/records/sales.quote/" not in page or "actions/send" not in page  # not core's
    # the list: number, customer, search by the customer's name
    listed = web.get("/sales/quotes?q=karadeniz").get_data(as_text=True)
    assert f'/sales/quotes/{quote_id}"' in listed
    assert f'/sales/quotes/{quote_id}"' not in web.get("/sales/quotes?q=ege").get_data(as_text=True)

    # a change in place, then send and accept
    r = web.post(
        f"/sales/quotes/{quote_id}",
        data={
            "csrf_token": token,
            "partner_id": str(w.prospect_id),
            "date": "2026-03-02",
            "note": "Teslim şantiyeye",
            "lines-0-product_id": str(w.goods_id),
            "lines-0-quantity": "10",
            "lines-0-discount": "10",
            "lines-1-product_id": str(w.service_id),
            "lines-1-quantity": "1",
        },
    )
    assert r.status_code == 302
    assert _act(web, "quote", quote_id, "send").status_code == 302
    quote = _one(yaprak_runtime, w.company_id, SalesQuote, quote_id)
    assert quote.state == "sent" and quote.number.startswith("TKL-")
    assert quote.note == "Teslim şantiyeye"
    with yaprak_runtime.db.session_for(w.company_id) as s:  # the e-mail carries the PDF
        mail = s.query(OutboxMessage).one()
        assert mail.to == "info@kl.test"
        (attachment,) = mail.attachments
        assert attachment.filename == f"{quote.number}.pdf"
        text = "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(attachment.content)).pages
        )
        assert quote.number in text and "Karadeniz Lojistik" in text
    order_id = _id(_act(web, "quote", quote_id, "accept"))
    order = _one(yaprak_runtime, w.company_id, SalesOrder, order_id)
    assert order.quote_id == quote_id and order.amount_total == D("1680.00")

    # confirm: numbered, a draft delivery is prepared
    assert _act(web, "order", order_id, "confirm").status_code == 302
    with yaprak_runtime.db.session_for(w.company_id) as s:
        delivery = s.scalars(select(SalesDelivery).where(SalesDelivery.order_id == order_id)).one()
        delivery_id, line_id = delivery.id, delivery.lines[0].id
    assert web.get("/sales/deliveries").status_code == 200
    # ship 4 of 10 (quantities changed on the draft), the rest on a backorder
    r = web.post(
        f"/sales/deliveries/{delivery_id}",
        data={
            "csrf_token": token,
            "carrier": "Aras Kargo",
            "lines-0-id": str(line_id),
            "lines-0-quantity": "4",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    assert _id(_act(web, "delivery", delivery_id, "ship")) == delivery_id
    with yaprak_runtime.db.session_for(w.company_id) as s:
        drafts = s.scalars(
            select(SalesDelivery).where(
                SalesDelivery.order_id == order_id, SalesDelivery.state == "draft"
            )
        ).all()
        assert [line.quantity for d in drafts for line in d.lines] == [D("6.000")]
        (backorder,) = drafts
    shipped = _one(yaprak_runtime, w.company_id, SalesDelivery, delivery_id)
    assert (shipped.state, shipped.carrier) == ("done", "Aras Kargo")

    # invoice what was delivered (and the service), post it
    invoice_id = _id(_act(web, "order", order_id, "invoice"))
    assert _act(web, "invoice", invoice_id, "post").status_code == 302
    invoice = _one(yaprak_runtime, w.company_id, SalesInvoice, invoice_id)
    assert invoice.state == "posted" and invoice.number.startswith("FTR-")
    assert invoice.amount_total == D("1032.00")  # 4 x 90 + 500, KDV 20 %
    listed = web.get("/sales/invoices?f.payment_state=not_paid").get_data(as_text=True)
    assert invoice.number in listed
    assert web.get("/sales/invoices?f.overdue=1").status_code == 200

    # a payment of 1000: allocated to the invoice
    payment_id = _id(
        web.post(
            "/sales/payments/new",
            data={
                "csrf_token": token,
                "partner_id": str(w.prospect_id),
                "date": "2026-03-20",
                "amount": "1.000,00",
                "method": "bank",
            },
        )
    )
    assert web.get(f"/sales/payments/{payment_id}").status_code == 200
    assert _act(web, "payment", payment_id, "post").status_code == 302
    invoice = _one(yaprak_runtime, w.company_id, SalesInvoice, invoice_id)
    assert (invoice.payment_state, invoice.amount_residual) == ("partial", D("32.00"))
    payment = _one(yaprak_runtime, w.company_id, SalesPayment, payment_id)
    assert (payment.state, payment.amount_total) == ("posted", D("1000.00"))
    assert web.get("/sales/payments").status_code == 200

    # every page of the flow shows, with the buttons its state allows
    # part of the order is delivered and invoiced: its Cancel is not offered
    page = web.get(f"/sales/orders/{order_id}").get_data(as_text=True)
    assert f"/sales/order/{order_id}/act/cancel" not in page
    for path, button in (
        (f"/sales/deliveries/{backorder.id}", f"/sales/delivery/{backorder.id}/act/ship"),
        (f"/sales/invoices/{invoice_id}", f"/sales/invoice/{invoice_id}/credit_note"),
        (f"/sales/payments/{payment_id}", f"/sales/payment/{payment_id}/act/cancel"),
    ):
        page = web.get(path)
        assert page.status_code == 200 and button in page.get_data(as_text=True), path
    for path in ("/sales/orders", "/sales/deliveries", "/sales/invoices", "/sales/payments"):
        assert web.get(path).status_code == 200
        assert web.get(f"{path}?export=csv").status_code == 200

    # a credit note from the posted invoice
    note_id = _id(_act(web, "invoice", invoice_id, "credit_note"))
    note = _one(yaprak_runtime, w.company_id, SalesInvoice, note_id)
    assert (note.kind, note.origin_id, note.state) == ("credit_note", invoice_id, "draft")


def test_a_refused_action_is_flashed_and_writes_nothing(sales_world, web, yaprak_runtime):
    w = sales_world
    quote_id = _id(
        web.post(
            "/sales/quotes/new", data={"csrf_token": web.token_, "partner_id": str(w.customer_id)}
        )
    )
    r = _act(web, "quote", quote_id, "send")  # no lines: refused
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/sales/quotes/{quote_id}")
    page = web.get(f"/sales/quotes/{quote_id}").get_data(as_text=True)
    assert "alert" in page
    quote = _one(yaprak_runtime, w.company_id, SalesQuote, quote_id)
    assert (quote.state, quote.number) == ("draft", None)
    # an action that is not possible in this state: refused by the workflow
    assert _act(web, "quote", quote_id, "reject").status_code == 302
    assert _one(yaprak_runtime, w.company_id, SalesQuote, quote_id).state == "draft"
    # without the CSRF token: refused
    assert web.post(f"/sales/quote/{quote_id}/act/cancel").status_code == 400
    assert _one(yaprak_runtime, w.company_id, SalesQuote, quote_id).state == "draft"
    # core's generic workflow action: vetoed on a sales document
    web.post(f"/records/sales.quote/{quote_id}/actions/cancel", data={"csrf_token": web.token_})
    assert _one(yaprak_runtime, w.company_id, SalesQuote, quote_id).state == "draft"


def test_quantity_zero_is_a_field_error_and_writes_nothing(sales_world, web, yaprak_runtime):
    w = sales_world
    r = web.post(
        "/sales/orders/new",
        data={
            "csrf_token": web.token_,
            "partner_id": str(w.customer_id),
            "lines-0-product_id": str(w.goods_id),
            "lines-0-quantity": "0",
        },
    )
    assert r.status_code == 400
    assert re.search(r'data-error-for="quantity">[^<]+<', r.get_data(as_text=True))
    with yaprak_runtime.db.session_for(w.company_id) as s:
        assert s.scalars(select(SalesOrder)).all() == []


def test_another_companys_documents_are_not_found(
    sales_world, make_company, company_client, yaprak_runtime
):
    w = sales_world
    with w.session() as s:
        from addons.sales import quotes
        from addons.sales.schemas import QuoteSchema

        quote = quotes.create_quote(
            s,
            QuoteSchema().load(
                {"partner_id": w.customer_id, "lines": [{"product_id": w.goods_id}]}
            ),
        )
        s.commit()
        theirs = quote.id
    other = make_company("BASKA", addons=["sales"])
    client = company_client(other, roles=["sales.manager"])
    token = client.csrf_token()
    assert client.get(f"/sales/quotes/{theirs}").status_code == 404
    assert client.post(f"/sales/quotes/{theirs}", data={"csrf_token": token}).status_code == 404
    r = client.post(f"/sales/quote/{theirs}/act/send", data={"csrf_token": token})
    assert r.status_code == 404
    assert _one(yaprak_runtime, w.company_id, SalesQuote, theirs).state == "draft"


def test_roles_and_menu(sales_world, company, make_company, company_client):
    nobody = company_client(company, roles=["user"])
    assert "/sales/quotes" not in nobody.get("/").get_data(as_text=True)  # no Sales menu
    assert nobody.get("/sales/quotes").status_code == 403
    assert nobody.get("/sales/invoices").status_code == 403
    seller = company_client(company, roles=["sales.user"])
    token = seller.csrf_token()
    home = seller.get("/").get_data(as_text=True)
    assert "/sales/quotes" in home and "/sales/payments" in home
    # a salesperson may not post invoices (sales.accountant)
    w = sales_world
    with w.session() as s:
        from addons.sales import invoices
        from addons.sales.schemas import InvoiceSchema

        invoice = invoices.create_invoice(
            s,
            InvoiceSchema().load(
                {"partner_id": w.customer_id, "lines": [{"product_id": w.goods_id}]}
            ),
        )
        s.commit()
        invoice_id = invoice.id
    page = seller.get(f"/sales/invoices/{invoice_id}").get_data(as_text=True)
    assert f"/sales/invoice/{invoice_id}/act/post" not in page  # not offered to a salesperson
    r = seller.post(f"/sales/invoice/{invoice_id}/act/post", data={"csrf_token": token})
    assert r.status_code == 403
    # a company without sales: no menu, no pages
    plain = make_company("SADE")
    client = company_client(plain, roles=["admin"])
    assert "/sales/quotes" not in client.get("/").get_data(as_text=True)
    assert client.get("/sales/quotes").status_code == 404


def test_each_sales_role_reaches_what_it_needs(company, company_client):
    """Salespeople open the customers and products; billing reads the orders it invoices;
    someone without a sales role is told, in their language, which role is needed."""
    seller = company_client(company, roles=["sales.user"])
    for page in ("/sales/quotes", "/partners", "/products"):
        assert seller.get(page).status_code == 200, page
    billing = company_client(company, roles=["sales.accountant"])
    for page in ("/sales/orders", "/sales/invoices", "/sales/payments", "/partners"):
        assert billing.get(page).status_code == 200, page
    clerk = company_client(company, roles=["user"])
    refused = clerk.get("/sales/quotes")
    assert refused.status_code == 403
    assert "Bunun için sales.user rolü gerekir." in refused.get_data(as_text=True)
    api = clerk.get("/api/v1/sales/quotes")
    assert api.get_json()["error"]["message"] == "This needs the role sales.user."


def test_the_dashboard_shows_what_is_waiting_in_sales(sales_world, company, company_client):
    from datetime import date, timedelta

    from addons.sales import deliveries, invoices, orders, quotes
    from addons.sales.schemas import OrderSchema, QuoteSchema

    w = sales_world
    line = [{"product_id": w.goods_id, "quantity": "2"}]
    with w.session() as s:
        quotes.create_quote(s, QuoteSchema().load({"partner_id": w.customer_id, "lines": line}))
        late = orders.create_order(
            s, OrderSchema().load({"partner_id": w.customer_id, "lines": line})
        )
        deliveries.ship_delivery(s, orders.confirm_order(s, late, w.user(s)), w.user(s))
        invoice = invoices.invoice_order(s, late, on=date.today() - timedelta(days=60))
        invoices.post_invoice(s, invoice, w.user(s))  # 30 days' term: overdue
        waiting = orders.create_order(
            s, OrderSchema().load({"partner_id": w.customer_id, "lines": line})
        )
        orders.confirm_order(s, waiting, w.user(s))
        s.commit()
    billing = company_client(company, roles=["sales.accountant"])
    billing.post("/language", data={"language": "en", "csrf_token": billing.csrf_token()})
    card = billing.get("/").get_data(as_text=True)
    card = card[card.index("sales-workload") :]
    items = dict(re.findall(r">([^<>]+)</a>: <strong>([^<]+)</strong>", card))
    assert items["Open quotes"] == "1" and items["Orders to deliver"] == "1"
    assert items["Orders to invoice"] == "0" and items["Overdue invoices"] == "1"
    assert "₺240.00" in card  # the overdue amount: 2 x 100 + 20 % KDV
    for link in re.findall(r'href="(/sales/[^"]+)"', card):
        assert billing.get(link.replace("&amp;", "&")).status_code == 200, link
    seller = company_client(company, roles=["sales.user"])
    page = seller.get("/").get_data(as_text=True)
    assert "sales-workload" in page and "f.overdue=1" not in page  # billing's part
    clerk = company_client(company, roles=["user"])
    assert "sales-workload" not in clerk.get("/").get_data(as_text=True)
