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
    with w.session() as s:  # core e-mails the approvers (not the accountant who entered it)
        from core.models import OutboxMessage

        to = {m.to for m in s.scalars(select(OutboxMessage))}
        assert {"appr@alim.test", "appr2@alim.test"} <= to and "acct@alim.test" not in to
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


# ----------------------------------------------------------------------------- web and API
def _company(world):
    with world.runtime.db.Session() as s:
        found = s.get(Company, world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def clients(world, company_client):
    company = _company(world)
    return {
        name: company_client(company, roles=[], email=f"{name}@alim.test")
        for name in ("acct", "appr", "recv", "req")
    }


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def _count(world):
    from sqlalchemy import func

    with world.session() as s:
        return s.scalar(select(func.count()).select_from(PurchasingInvoice))


def test_vendor_invoices_through_the_api(world, clients, make_company, company_client):
    w, acct, appr = world, clients["acct"], clients["appr"]
    set_tolerances(w, price="5")
    order_id = make_order(w, [(w.product_id, "10", "7.50", "10")])
    receive(w, order_id, {0: "4"})
    with w.session() as s:
        line_id = s.get(PurchasingOrder, order_id).lines[0].id
    url = f"/api/v1/purchasing/orders/{order_id}/invoice"
    over = acct.post(url, json={"lines": [{"line_id": line_id, "quantity": "5"}]})
    assert over.status_code == 400
    assert over.get_json()["errors"] == {"quantities": {str(line_id): [OVER]}}
    assert _count(w) == 0
    assert clients["recv"].post(url, json={}).status_code == 403
    made = _ok(acct.post(url))
    assert (made["state"], made["amount_total"], made["order_id"]) == ("draft", "32.40", order_id)
    invoice_url = f"/api/v1/purchasing/invoices/{made['id']}"
    row = made["lines"][0]
    assert (row["quantity"], row["unit_price"], row["order_price"]) == ("4.000", "6.7500", "6.7500")
    bad = acct.patch(invoice_url, json={"lines": [{"id": row["id"], "quantity": "-4"}]})
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {"lines": {"0": {"quantity": ["must be more than zero"]}}}
    changed = _ok(
        acct.patch(
            invoice_url,
            json={
                "vendor_number": "DC-2026-118",
                "lines": [{"id": row["id"], "quantity": "4", "unit_price": "7.50"}],
            },
        )
    )
    assert changed["amount_total"] == "36.00" and changed["vendor_number"] == "DC-2026-118"
    submitted = _ok(acct.post(f"{invoice_url}/post"))
    assert (submitted["state"], submitted["price_excess"]) == ("submitted", "3.00")
    assert submitted["number"].startswith("ALF-")
    assert acct.post(f"{invoice_url}/approve", json={"comment": "x"}).status_code == 409
    assert appr.post(f"{invoice_url}/reject", json={}).status_code == 409  # a reason is needed
    posted = _ok(appr.post(f"{invoice_url}/approve", json={"comment": "Zam yazısı var"}))
    assert (posted["state"], posted["amount_residual"], posted["payment_state"]) == (
        "posted",
        "36.00",
        "not_paid",
    )
    assert posted["due_date"] is not None
    assert appr.post(f"{invoice_url}/approve", json={}).status_code == 409
    assert order_lines(w, order_id) == [(D("4"), D("4"))]
    found = _ok(acct.get("/api/v1/purchasing/invoices?f.state=posted"))
    assert [r["id"] for r in found["items"]] == [made["id"]]
    other = make_company("BASKA", addons=["purchasing"])
    stranger = company_client(other, roles=["purchasing.manager"])
    assert stranger.get(invoice_url).status_code == 404
    assert stranger.post(f"{invoice_url}/approve", json={}).status_code == 404
    assert stranger.post(url, json={}).status_code == 404


def test_api_bad_input_rejection_and_free_invoices(world, clients):
    w, acct, appr = world, clients["acct"], clients["appr"]
    bad = acct.post(
        "/api/v1/purchasing/invoices",
        json={"partner_id": w.vendor_id, "lines": [{"description": "Nakliye", "quantity": "0"}]},
    )
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {"lines": {"0": {"quantity": ["must be more than zero"]}}}
    unknown = acct.post(
        "/api/v1/purchasing/invoices",
        json={"partner_id": 999999, "lines": [{"description": "X", "quantity": "1"}]},
    )
    assert unknown.status_code == 400 and "partner_id" in unknown.get_json()["errors"]
    assert _count(w) == 0
    free = _ok(
        acct.post(
            "/api/v1/purchasing/invoices",
            json={
                "partner_id": w.vendor_id,
                "vendor_number": "K-1",
                "lines": [{"description": "Kira", "quantity": "1", "unit_price": "1000"}],
            },
        ),
        201,
    )
    posted = _ok(acct.post(f"/api/v1/purchasing/invoices/{free['id']}/post"))
    assert (posted["state"], posted["amount_residual"]) == ("posted", "1200.00")
    # over the price with no tolerance: waits; rejected through core's generic action route
    order_id = make_order(w, [(w.product_id, "2", "5")])
    receive(w, order_id)
    invoice_id = draft(w, order_id, prices={0: "5.10"}, number="R-1")
    assert submit(w, invoice_id) == "submitted"
    url = f"/api/v1/purchasing/invoices/{invoice_id}"
    assert appr.post(f"{url}/actions/reject", json={}).status_code == 409
    rejected = _ok(appr.post(f"{url}/actions/reject", json={"comment": "Fiyat yanlış"}))
    assert rejected["state"] == "rejected"
    assert _ok(acct.post(f"{url}/reopen"))["state"] == "draft"
    assert _ok(acct.post(f"{url}/cancel"))["state"] == "cancelled"
    assert order_lines(w, order_id) == [(D("2"), D("0"))]


def test_invoice_pages_buttons_and_pdf(world, clients):
    import io

    from pypdf import PdfReader

    w, acct = world, clients["acct"]
    order_id = make_order(w, [(w.product_id, "10", "5")])
    receive(w, order_id, {0: "6"})
    with w.session() as s:
        line_id = s.get(PurchasingOrder, order_id).lines[0].id
    token = acct.csrf_token()
    assert acct.get(f"/purchasing/order/{order_id}/invoice").status_code == 200
    refused = acct.post(
        f"/purchasing/order/{order_id}/invoice", data={"csrf_token": token, f"pick-{line_id}": "7"}
    )
    assert refused.status_code == 400 and _count(w) == 0
    made = acct.post(
        f"/purchasing/order/{order_id}/invoice", data={"csrf_token": token, f"pick-{line_id}": "6"}
    )
    assert made.status_code == 302
    with w.session() as s:
        invoice = s.scalars(select(PurchasingInvoice)).one()
        invoice_id, row_id = invoice.id, invoice.lines[0].id
    page = acct.get(f"/purchasing/invoices/{invoice_id}")
    assert page.status_code == 200
    assert f"/purchasing/invoice/{invoice_id}/act/post" in page.get_data(as_text=True)
    saved = acct.post(
        f"/purchasing/invoices/{invoice_id}",
        data={
            "csrf_token": token,
            "partner_id": str(w.vendor_id),
            "vendor_number": "DC-77",
            "lines-0-id": str(row_id),
            "lines-0-quantity": "6",
            "lines-0-unit_price": "5",
            "lines-0-tax_rate": "20",
        },
    )
    assert saved.status_code in (200, 302), saved.get_data(as_text=True)[:2000]
    posted = acct.post(f"/purchasing/invoice/{invoice_id}/act/post", data={"csrf_token": token})
    assert posted.status_code == 302
    assert read(w, invoice_id)["state"] == "posted"
    assert acct.get("/purchasing/invoices").status_code == 200
    pdf = acct.get(f"/documents/purchasing.invoice/{invoice_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "ALF-" in text and "DC-77" in text and "Demir Çelik" in text
    assert "36,00" in text  # 6 x 5 = 30 + KDV 6
    assert "Alış faturası ALF-" in text and "Açık tutar: 36,00" in text
    # over the order's price: the approver sees core's approval buttons on the page
    receive(w, order_id)
    waiting = draft(w, order_id, prices={0: "6"}, number="DC-78")
    assert submit(w, waiting) == "submitted"
    appr = clients["appr"]
    text = appr.get(f"/purchasing/invoices/{waiting}").get_data(as_text=True)
    assert f"/records/purchasing.invoice/{waiting}/actions/approve" in text
    assert f"/purchasing/invoice/{waiting}/act/post" not in text
    approved = appr.post(
        f"/records/purchasing.invoice/{waiting}/actions/approve",
        data={"csrf_token": appr.csrf_token(), "comment": "Tamam"},
    )
    assert approved.status_code == 302
    assert read(w, waiting)["state"] == "posted"
    assert order_status(w, order_id) == ("done", "full", "full")
