"""The pages that choose before an action: the quantities of an invoice made from an order,
the lines and quantities of a credit note, the invoices a payment pays. Bad input is shown
under its line (400) and writes nothing; another company's document is a 404."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from addons.sales import deliveries, invoices, orders, payments
from addons.sales.models import SalesAllocation, SalesInvoice, SalesOrder, SalesPayment
from addons.sales.schemas import OrderSchema, PaymentSchema


@pytest.fixture
def shipped(sales_world):
    """A confirmed order of 10 goods (4 shipped) and 1 service: ids of it and its lines."""
    w = sales_world
    with w.session() as s:
        order = orders.create_order(
            s,
            OrderSchema().load(
                {
                    "partner_id": w.customer_id,
                    "lines": [
                        {"product_id": w.goods_id, "quantity": "10"},
                        {"product_id": w.service_id, "quantity": "1"},
                    ],
                }
            ),
        )
        delivery = orders.confirm_order(s, order, w.user(s))
        goods, service = order.lines
        deliveries.update_delivery(
            s, delivery, {"lines": [{"order_line_id": goods.id, "quantity": D("4")}]}
        )
        deliveries.ship_delivery(s, delivery, w.user(s))
        s.commit()
        return order.id, goods.id, service.id


def _posted_invoice(w, order_id, quantities=None):
    with w.session() as s:
        order = s.get(SalesOrder, order_id)
        invoice = invoices.invoice_order(s, order, quantities)
        invoices.post_invoice(s, invoice, w.user(s))
        s.commit()
        return invoice.id, [line.id for line in invoice.lines]


def _count(runtime, company_id, model, *where):
    with runtime.db.session_for(company_id) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _errors(response) -> dict[str, list[str]]:
    """``{input name: [messages]}`` shown under the inputs of a picker page."""
    found: dict[str, list[str]] = {}
    for name, text in re.findall(
        r'data-error-for="([^"]+)">([^<]*)<', response.get_data(as_text=True)
    ):
        found.setdefault(name, []).append(text)
    return found


def test_the_order_page_offers_the_quantities_to_invoice(sales_world, web, shipped):
    order_id, goods_id, service_id = shipped
    page = web.get(f"/sales/orders/{order_id}").get_data(as_text=True)
    # the button is a link to the page that asks for the quantities
    assert f'href="/sales/order/{order_id}/invoice"' in page
    r = web.get(f"/sales/order/{order_id}/invoice")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    # what the service would invoice: 4 delivered goods, the service
    assert re.search(rf'name="pick-{goods_id}"[^>]*\s+value="4"', text)
    assert re.search(rf'name="pick-{service_id}"[^>]*\s+value="1"', text)
    assert "Çimento 50 kg" in text and "Montaj hizmeti" in text


def test_part_of_the_delivered_quantity_is_invoiced(sales_world, web, shipped, yaprak_runtime):
    w = sales_world
    order_id, goods_id, service_id = shipped
    r = web.post(
        f"/sales/order/{order_id}/invoice",
        data={"csrf_token": web.token_, f"pick-{goods_id}": "2,5", f"pick-{service_id}": ""},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    invoice_id = int(re.search(r"/sales/invoices/(\d+)$", r.headers["Location"]).group(1))
    with yaprak_runtime.db.session_for(w.company_id) as s:
        invoice = s.get(SalesInvoice, invoice_id)
        assert (invoice.state, invoice.order_id) == ("draft", order_id)
        assert [(ln.order_line_id, ln.quantity) for ln in invoice.lines] == [(goods_id, D("2.500"))]
        assert invoice.amount_total == D("300.00")  # 2.5 x 100 + 20 % KDV


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5", "en çok 4"),  # more than delivered and not invoiced
        ("-1", "negatif olamaz"),
        ("iki", "Geçerli bir sayı değil."),
        ("1,2345", "en çok 3 ondalık basamak"),
    ],
)
def test_a_bad_quantity_is_refused_under_its_line(
    sales_world, web, shipped, yaprak_runtime, typed, message
):
    w = sales_world
    order_id, goods_id, service_id = shipped
    r = web.post(
        f"/sales/order/{order_id}/invoice",
        data={"csrf_token": web.token_, f"pick-{goods_id}": typed, f"pick-{service_id}": "1"},
    )
    assert r.status_code == 400
    assert _errors(r) == {f"pick-{goods_id}": [message]}
    text = r.get_data(as_text=True)
    assert re.search(rf'name="pick-{goods_id}"[^>]*\s+value="{re.escape(typed)}"', text)  # kept
    assert _count(yaprak_runtime, w.company_id, SalesInvoice) == 0


def test_nothing_chosen_is_refused(sales_world, web, shipped, yaprak_runtime):
    order_id, goods_id, service_id = shipped
    r = web.post(
        f"/sales/order/{order_id}/invoice",
        data={"csrf_token": web.token_, f"pick-{goods_id}": "0", f"pick-{service_id}": ""},
    )
    assert r.status_code == 400 and "alert-danger" in r.get_data(as_text=True)
    assert _count(yaprak_runtime, sales_world.company_id, SalesInvoice) == 0


def test_the_service_refusal_comes_back_under_its_line(sales_world, web, shipped, yaprak_runtime):
    """The page offered 4; meanwhile 3 were invoiced elsewhere: the service refuses 4."""
    w = sales_world
    order_id, goods_id, _service_id = shipped
    page = web.get(f"/sales/order/{order_id}/invoice")
    assert page.status_code == 200
    _posted_invoice(w, order_id, {goods_id: D("3")})
    before = _count(yaprak_runtime, w.company_id, SalesInvoice)
    r = web.post(
        f"/sales/order/{order_id}/invoice",
        data={"csrf_token": web.token_, f"pick-{goods_id}": "4"},
    )
    assert r.status_code == 400
    assert _errors(r) == {f"pick-{goods_id}": ["en çok 1"]}
    assert _count(yaprak_runtime, w.company_id, SalesInvoice) == before


def test_without_csrf_token_nothing_is_made(sales_world, web, shipped, yaprak_runtime):
    order_id, goods_id, _service = shipped
    r = web.post(f"/sales/order/{order_id}/invoice", data={f"pick-{goods_id}": "1"})
    assert r.status_code == 400
    assert _count(yaprak_runtime, sales_world.company_id, SalesInvoice) == 0


def test_a_credit_note_of_chosen_lines(sales_world, web, shipped, yaprak_runtime):
    w = sales_world
    order_id, _goods_id, _service_id = shipped
    invoice_id, (goods_line, service_line) = _posted_invoice(w, order_id)
    page = web.get(f"/sales/invoices/{invoice_id}").get_data(as_text=True)
    assert f'href="/sales/invoice/{invoice_id}/credit_note"' in page
    form = web.get(f"/sales/invoice/{invoice_id}/credit_note").get_data(as_text=True)
    assert re.search(rf'name="pick-{goods_line}"[^>]*\s+value="4"', form)  # all by default
    assert re.search(rf'name="pick-{service_line}"[^>]*\s+value="1"', form)
    # too much, and a negative: both refused under their lines, nothing written
    r = web.post(
        f"/sales/invoice/{invoice_id}/credit_note",
        data={
            "csrf_token": web.token_,
            f"pick-{goods_line}": "4,5",
            f"pick-{service_line}": "-1",
        },
    )
    assert r.status_code == 400
    assert _errors(r) == {
        f"pick-{goods_line}": ["en çok 4"],
        f"pick-{service_line}": ["negatif olamaz"],
    }
    assert (
        _count(yaprak_runtime, w.company_id, SalesInvoice, SalesInvoice.kind == "credit_note") == 0
    )
    # one goods back, the service not
    r = web.post(
        f"/sales/invoice/{invoice_id}/credit_note",
        data={"csrf_token": web.token_, f"pick-{goods_line}": "1", f"pick-{service_line}": "0"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    note_id = int(re.search(r"/sales/invoices/(\d+)$", r.headers["Location"]).group(1))
    with w.session() as s:
        note = s.get(SalesInvoice, note_id)
        assert (note.kind, note.origin_id, note.state) == ("credit_note", invoice_id, "draft")
        assert [(ln.origin_line_id, ln.quantity) for ln in note.lines] == [(goods_line, D("1"))]
        assert note.amount_total == D("120.00")
    posted = web.post(f"/sales/invoice/{note_id}/act/post", data={"csrf_token": web.token_})
    assert posted.status_code == 302
    assert "İade faturası kaydedildi." in web.get(posted.headers["Location"]).get_data(
        as_text=True
    )  # said as what it is, not "invoice posted"
    # the next credit note offers what is left: 3 goods, the service
    form = web.get(f"/sales/invoice/{invoice_id}/credit_note").get_data(as_text=True)
    assert re.search(rf'name="pick-{goods_line}"[^>]*\s+value="3"', form)
    assert re.search(rf'name="pick-{service_line}"[^>]*\s+value="1"', form)


def _draft_payment(w, amount):
    with w.session() as s:
        payment = payments.create_payment(
            s, PaymentSchema().load({"partner_id": w.customer_id, "amount": amount})
        )
        s.commit()
        return payment.id


def _two_open_invoices(w, order_id, goods_id, service_id):
    """The service invoiced first (600.00), then the goods (480.00): two open invoices."""
    first, _ = _posted_invoice(w, order_id, {service_id: D("1")})
    second, _ = _posted_invoice(w, order_id, {goods_id: D("4")})
    return first, second


def test_a_payment_pays_the_invoices_chosen(sales_world, web, shipped, yaprak_runtime):
    w = sales_world
    first, second = _two_open_invoices(w, *shipped)
    payment_id = _draft_payment(w, "1000")
    page = web.get(f"/sales/payments/{payment_id}").get_data(as_text=True)
    assert f'href="/sales/payment/{payment_id}/post"' in page
    form = web.get(f"/sales/payment/{payment_id}/post").get_data(as_text=True)
    with w.session() as s:
        numbers = [s.get(SalesInvoice, i).number for i in (first, second)]
    assert all(n in form for n in numbers)  # the open invoices, with their open amounts
    assert "600,00" in form and "480,00" in form
    # the second invoice in full and 100 of the first; 420 stays as credit
    r = web.post(
        f"/sales/payment/{payment_id}/post",
        data={"csrf_token": web.token_, f"pick-{second}": "480", f"pick-{first}": "100,00"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert r.headers["Location"].endswith(f"/sales/payments/{payment_id}")
    with w.session() as s:
        payment = s.get(SalesPayment, payment_id)
        assert (payment.state, payment.amount_unallocated) == ("posted", D("420.00"))
        assert [
            (a.invoice_id, a.amount)
            for a in s.scalars(select(SalesAllocation).order_by(SalesAllocation.sequence))
        ] == [(first, D("100.00")), (second, D("480.00"))]
        assert s.get(SalesInvoice, second).payment_state == "paid"
        assert s.get(SalesInvoice, first).amount_residual == D("500.00")
    # the payment's page lists what it paid
    page = web.get(f"/sales/payments/{payment_id}").get_data(as_text=True)
    assert numbers[1] in page


def test_a_payment_left_empty_pays_the_oldest_due_first(sales_world, web, shipped, yaprak_runtime):
    w = sales_world
    first, second = _two_open_invoices(w, *shipped)
    payment_id = _draft_payment(w, "700")
    r = web.post(f"/sales/payment/{payment_id}/post", data={"csrf_token": web.token_})
    assert r.status_code == 302
    with w.session() as s:
        assert s.get(SalesInvoice, first).payment_state == "paid"
        assert s.get(SalesInvoice, second).amount_residual == D("380.00")
        assert s.get(SalesPayment, payment_id).amount_unallocated == D("0.00")


def test_over_allocation_is_refused(sales_world, web, shipped, yaprak_runtime):
    w = sales_world
    first, second = _two_open_invoices(w, *shipped)
    payment_id = _draft_payment(w, "500")
    # more than the invoice's open amount: refused by the page under the invoice
    r = web.post(
        f"/sales/payment/{payment_id}/post",
        data={"csrf_token": web.token_, f"pick-{second}": "480,01"},
    )
    assert r.status_code == 400
    assert _errors(r) == {f"pick-{second}": ["en çok 480,00"]}
    # more than the payment: refused by the service, named under the invoice and above
    r = web.post(
        f"/sales/payment/{payment_id}/post",
        data={"csrf_token": web.token_, f"pick-{first}": "300", f"pick-{second}": "300"},
    )
    assert r.status_code == 400
    assert _errors(r) == {f"pick-{second}": ["tahsilattan kalan tutardan fazla"]}
    text = r.get_data(as_text=True)
    assert "600,00 ₺ dağıtıldı" in text
    with w.session() as s:
        assert s.get(SalesPayment, payment_id).state == "draft"
        assert s.scalars(select(SalesAllocation)).all() == []
        assert s.get(SalesInvoice, first).amount_residual == D("600.00")


def test_pages_refuse_what_the_state_does_not_allow(sales_world, web, shipped, yaprak_runtime):
    w = sales_world
    order_id, _goods_id, _service_id = shipped
    invoice_id, _ = _posted_invoice(w, order_id)
    # everything delivered is invoiced: no invoice page (back to the order, with a message)
    r = web.get(f"/sales/order/{order_id}/invoice")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/sales/orders/{order_id}")
    r = web.post(f"/sales/order/{order_id}/invoice", data={"csrf_token": web.token_})
    assert r.status_code == 302
    assert _count(yaprak_runtime, w.company_id, SalesInvoice) == 1
    # a posted payment is not posted again
    payment_id = _draft_payment(w, "10")
    r = web.post(f"/sales/payment/{payment_id}/post", data={"csrf_token": web.token_})
    assert r.status_code == 302
    r = web.post(f"/sales/payment/{payment_id}/post", data={"csrf_token": web.token_})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/sales/payments/{payment_id}")
    assert _count(yaprak_runtime, w.company_id, SalesAllocation) == 1
    # a credit note's page offers no credit note
    with w.session() as s:
        note = invoices.credit_note(s, s.get(SalesInvoice, invoice_id))
        s.commit()
        note_id = note.id
    r = web.get(f"/sales/invoice/{note_id}/credit_note")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/sales/invoices/{note_id}")


def test_roles(sales_world, company, company_client, shipped, yaprak_runtime):
    order_id, goods_id, _service = shipped
    seller = company_client(company, roles=["sales.user"])
    token = seller.csrf_token()
    page = seller.get(f"/sales/orders/{order_id}").get_data(as_text=True)
    assert f"/sales/order/{order_id}/invoice" not in page  # billing's, not offered
    assert seller.get(f"/sales/order/{order_id}/invoice").status_code == 403
    r = seller.post(
        f"/sales/order/{order_id}/invoice", data={"csrf_token": token, f"pick-{goods_id}": "1"}
    )
    assert r.status_code == 403
    assert _count(yaprak_runtime, sales_world.company_id, SalesInvoice) == 0


def test_another_companys_documents_are_not_found(
    sales_world, make_company, company_client, shipped, yaprak_runtime
):
    w = sales_world
    order_id, goods_id, _service = shipped
    invoice_id, (line_id, _) = _posted_invoice(w, order_id)
    payment_id = _draft_payment(w, "10")
    other = make_company("BASKA", addons=["sales"])
    client = company_client(other, roles=["sales.manager"])
    token = client.csrf_token()
    for path, field in (
        (f"/sales/order/{order_id}/invoice", f"pick-{goods_id}"),
        (f"/sales/invoice/{invoice_id}/credit_note", f"pick-{line_id}"),
        (f"/sales/payment/{payment_id}/post", f"pick-{invoice_id}"),
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, data={"csrf_token": token, field: "1"}).status_code == 404
    assert _count(yaprak_runtime, w.company_id, SalesInvoice) == 1
    with w.session() as s:
        assert s.get(SalesPayment, payment_id).state == "draft"


def test_a_draft_invoice_from_an_order_changes_its_header_on_its_page(
    sales_world, web, shipped, yaprak_runtime
):
    """The page shows its lines read-only (they follow the order) and never sends them:
    only the header changes, whatever line fields a post carries."""
    w = sales_world
    order_id, goods_id, _service_id = shipped
    with w.session() as s:
        invoice = invoices.invoice_order(s, s.get(SalesOrder, order_id), {goods_id: D("4")})
        s.commit()
        invoice_id, line = invoice.id, invoice.lines[0]
        line_id, product_id = line.id, line.product_id
    fields = {
        "csrf_token": web.token_,
        "partner_id": str(w.customer_id),
        "date": "2026-03-02",
        "due_date": "2026-03-10",
        "lines-0-id": str(line_id),
        "lines-0-product_id": str(product_id),
        "lines-0-description": "Çimento 50 kg",
        "lines-0-quantity": "4.000",
        "lines-0-unit_price": "100.00",
        "lines-0-discount": "0.00",
        "lines-0-tax_rate": "20",
    }
    r = web.post(f"/sales/invoices/{invoice_id}", data=fields)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    r = web.post(f"/sales/invoices/{invoice_id}", data={**fields, "lines-0-quantity": "3"})
    assert r.status_code == 302  # the lines are not read from the page
    with w.session() as s:
        invoice = s.get(SalesInvoice, invoice_id)
        assert str(invoice.due_date) == "2026-03-10"
        assert [ln.quantity for ln in invoice.lines] == [D("4.000")]


def test_a_draft_without_number_is_reachable_from_its_list(sales_world, web, shipped):
    from addons.sales.models import SalesDelivery

    w = sales_world
    with w.session() as s:
        draft = s.scalars(select(SalesDelivery).where(SalesDelivery.state == "draft")).one()
        draft_id = draft.id
    page = web.get("/sales/deliveries?f.state=draft").get_data(as_text=True)
    link = re.search(rf'<a href="/sales/deliveries/{draft_id}">([^<]+)</a>', page)
    assert link and link.group(1).endswith("(taslak)")  # its label, not an empty link


def _credits(w, shipped):
    """Two open invoices (600, 480); a payment of 1,000 that paid the second (520 left) and a
    credit note of one bag of the paid second invoice (120 left as credit)."""
    first, second = _two_open_invoices(w, *shipped)
    payment_id = _draft_payment(w, "1000")
    with w.session() as s:
        payment = s.get(SalesPayment, payment_id)
        payments.post_payment(s, payment, w.user(s), [{"invoice_id": second, "amount": D("480")}])
        origin = s.get(SalesInvoice, second)
        note = invoices.credit_note(s, origin, {origin.lines[0].id: D("1")})
        invoices.post_invoice(s, note, w.user(s))
        s.commit()
        assert (payment.amount_unallocated, note.amount_residual) == (D("520.00"), D("120.00"))
        return first, second, payment_id, note.id


def test_the_customers_credit_pays_a_later_invoice(sales_world, web, shipped):
    w = sales_world
    first, second, payment_id, note_id = _credits(w, shipped)
    page = web.get(f"/sales/invoices/{first}").get_data(as_text=True)
    assert f'href="/sales/invoice/{first}/use_credit"' in page
    assert f'href="/sales/invoice/{second}/use_credit"' not in web.get(
        f"/sales/invoices/{second}"
    ).get_data(as_text=True)  # paid: nothing to use credit on
    form = web.get(f"/sales/invoice/{first}/use_credit").get_data(as_text=True)
    # oldest first: the payment's 520, then 80 of the credit note's 120
    assert re.search(rf'name="pick-{payment_id}"[^>]*\s+value="520"', form)
    assert re.search(rf'name="pick--{note_id}"[^>]*\s+value="80"', form)
    # more than is left of a credit: refused under it, nothing written
    r = web.post(
        f"/sales/invoice/{first}/use_credit",
        data={"csrf_token": web.token_, f"pick--{note_id}": "121"},
    )
    assert r.status_code == 400 and f"pick--{note_id}" in _errors(r)
    with w.session() as s:
        assert s.get(SalesInvoice, first).amount_residual == D("600.00")
    r = web.post(
        f"/sales/invoice/{first}/use_credit",
        data={"csrf_token": web.token_, f"pick-{payment_id}": "500", f"pick--{note_id}": "100"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with w.session() as s:
        invoice = s.get(SalesInvoice, first)
        assert (invoice.amount_residual, invoice.payment_state) == (D("0.00"), "paid")
        assert s.get(SalesPayment, payment_id).amount_unallocated == D("20.00")
        assert s.get(SalesInvoice, note_id).amount_residual == D("20.00")
        assert {
            (a.payment_id, a.credit_note_id, a.amount)
            for a in s.scalars(select(SalesAllocation).where(SalesAllocation.invoice_id == first))
        } == {(payment_id, None, D("500.00")), (None, note_id, D("100.00"))}


def test_using_credit_is_refused_beyond_what_is_open_or_left(sales_world, shipped):
    from marshmallow import ValidationError

    w = sales_world
    first, second, payment_id, note_id = _credits(w, shipped)
    with w.session() as s:
        invoice = s.get(SalesInvoice, first)
        for credits, field in (
            ([{"payment_id": payment_id, "amount": D("521")}], "payment_id"),
            ([{"credit_note_id": note_id, "amount": D("121")}], "credit_note_id"),
            ([{"credit_note_id": second, "amount": D("1")}], "credit_note_id"),  # an invoice
            ([{"payment_id": 99999, "amount": D("1")}], "payment_id"),
        ):
            with pytest.raises(ValidationError) as refused:
                payments.use_credit(s, invoice, credits)
            assert field in refused.value.messages["credits"][0]
        with pytest.raises(ValidationError) as refused:  # together more than is open
            payments.use_credit(
                s,
                invoice,
                [
                    {"payment_id": payment_id, "amount": D("520")},
                    {"credit_note_id": note_id, "amount": D("120")},
                ],
            )
        assert "credit_note_id" in refused.value.messages["credits"][1]
        s.rollback()
        invoice = s.get(SalesInvoice, first)
        payments.use_credit(s, invoice)  # oldest first
        s.commit()
        assert invoice.payment_state == "paid"
        with pytest.raises(ValidationError, match="paid"):
            payments.use_credit(s, invoice)
    with w.session() as s:
        assert s.get(SalesPayment, payment_id).amount_unallocated == D("0.00")
        assert s.get(SalesInvoice, note_id).amount_residual == D("40.00")


def test_using_credit_through_the_api(sales_world, company, company_client, shipped, make_company):
    w = sales_world
    first, _second, _payment_id, note_id = _credits(w, shipped)
    api = company_client(company, roles=["sales.manager"])
    url = f"/api/v1/sales/invoices/{first}/use_credit"
    r = api.post(url, json={"credits": [{"amount": "10"}]})
    assert r.status_code == 400 and "credits" in r.get_json()["errors"]
    r = api.post(url, json={"credits": [{"credit_note_id": note_id, "amount": "120"}]})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["amount_residual"], r.get_json()["payment_state"]) == ("480.00", "partial")
    other = company_client(make_company("BASKA", addons=["sales"]), roles=["sales.manager"])
    assert other.post(url).status_code == 404
