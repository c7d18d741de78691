"""Purchasing: purchase orders by hand (prices from the vendor, KDV from the product, terms
from the vendor), changes while draft, confirm (role, guard, the PDF e-mailed to the vendor
through the outbox and read back with pypdf, a vendor without e-mail), cancel, reopen, done;
the pages, the JSON API (actions, bad input, another company's ids), the company settings;
the replenishment report counting open orders."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from pypdf import PdfReader
from sqlalchemy import select

from addons.purchasing import orders as svc
from addons.purchasing.models import PurchasingOrder, PurchasingSettings
from addons.purchasing.schemas import OrderSchema
from core.documents import TransitionRefused
from core.models import Company, OutboxMessage, Partner, PaymentTerm

D = Decimal


@pytest.fixture
def world(purchasing_world):
    return purchasing_world


def _set_email(world, email="satis@demir.test"):
    with world.session("boss") as s, s.begin():
        s.get(Partner, world.vendor_id).email = email


def _make(world, who="boss", **more):
    lines = more.pop(
        "lines",
        [
            {"product_id": world.product_id, "quantity": "10"},
            {"product_id": world.bare_id, "quantity": "2", "unit_price": "4", "discount": "10"},
        ],
    )
    with world.session(who) as s, s.begin():
        data = OrderSchema().load({"partner_id": world.vendor_id, "lines": lines, **more})
        return svc.create_order(s, data).id


def _pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_order_by_hand_takes_vendor_price_kdv_and_term(world):
    with world.session("boss") as s, s.begin():
        term = PaymentTerm(name="30 gün", days=30)
        s.add(term)
        s.flush()
        s.get(Partner, world.vendor_id).payment_term_id = term.id
        term_id = term.id
    expected = (date.today() + timedelta(days=10)).isoformat()
    order_id = _make(world, expected_date=expected, vendor_reference="TEK-9", note="Acil")
    with world.session() as s:
        order = s.get(PurchasingOrder, order_id)
        assert (order.state, order.number, order.origin) == ("draft", None, "manual")
        assert order.payment_term_id == term_id and order.buyer_id == world.users["boss"]
        assert order.warehouse_id == world.warehouse_id
        first, second = order.lines
        assert (first.unit_price, first.tax_rate) == (D("7.5000"), 20)  # the vendor's price
        assert second.unit_price == D("4.0000") and second.net == D("7.20")
        assert order.amount_untaxed == D("82.20")
        assert order.amount_total == D("98.64")


def test_bad_input_is_named_by_field(world):
    with world.session("boss") as s, s.begin():
        with pytest.raises(ValidationError) as exc:
            OrderSchema().load(
                {
                    "partner_id": world.vendor_id,
                    "lines": [
                        {"product_id": world.product_id, "quantity": "0"},
                        {"product_id": world.product_id, "quantity": "-3"},
                        {"product_id": world.product_id, "quantity": "1", "discount": "120"},
                    ],
                }
            )
        errors = exc.value.messages["lines"]
        assert set(errors) == {0, 1, 2}
        assert "quantity" in errors[0] and "quantity" in errors[1] and "discount" in errors[2]
        with pytest.raises(ValidationError) as exc:
            svc.create_order(
                s,
                OrderSchema().load(
                    {
                        "partner_id": 987654,
                        "warehouse_id": 987654,
                        "lines": [{"product_id": 987654, "quantity": "1"}],
                    }
                ),
            )
        messages = exc.value.normalized_messages()
        assert {"partner_id", "warehouse_id", "lines"} <= set(messages)


def test_confirm_mails_the_pdf_to_the_vendor(world, yaprak_runtime, yaprak_app, smtp_server):
    from addons.purchasing.order_views import render_order_pdf

    yaprak_runtime.config.smtp_url = smtp_server.url
    _set_email(world)
    order_id = _make(world)
    with yaprak_app.test_request_context(), world.session("boss") as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        svc.confirm_order(s, order, world.user(s, "boss"), pdf=render_order_pdf)
        number = order.number
    assert number.startswith("SAS-")
    (message,) = smtp_server.messages
    assert message["To"] == "satis@demir.test" and number in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"{number}.pdf"
    text = _pdf_text(attachment.get_content())
    assert number in text and "Demir Çelik" in text and "Vida 8 mm" in text
    assert "98,64" in text or "82,20" in text


def test_confirm_refuses_a_vendor_without_email_unless_told(world):
    order_id = _make(world)
    with world.session("boss") as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        with pytest.raises(ValidationError) as exc:
            svc.confirm_order(s, order, world.user(s, "boss"))
        assert "partner_id" in exc.value.normalized_messages()
        assert order.state == "draft"
        svc.confirm_order(s, order, world.user(s, "boss"), mail=False)
        assert order.state == "confirmed"
        assert s.scalars(select(OutboxMessage)).all() == []


def test_confirm_needs_the_buyer_role_and_an_amount(world):
    order_id = _make(world)
    with world.session("req") as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        with pytest.raises(TransitionRefused):
            svc.confirm_order(s, order, world.user(s, "req"), mail=False)
    zero = _make(world, lines=[{"product_id": world.bare_id, "quantity": "1", "unit_price": "0"}])
    with world.session("boss") as s, s.begin():
        with pytest.raises(TransitionRefused) as exc:
            svc.confirm_order(s, s.get(PurchasingOrder, zero), world.user(s, "boss"), mail=False)
        assert "at least one line" in str(exc.value)
    empty = _make(world, lines=[])
    with world.session("boss") as s, s.begin(), pytest.raises(ValidationError):
        svc.confirm_order(s, s.get(PurchasingOrder, empty), world.user(s, "boss"), mail=False)


def test_update_only_while_draft_then_cancel_reopen_done(world):
    order_id = _make(world)
    with world.session("boss") as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        boss = world.user(s, "boss")
        four = {"lines": [{"product_id": world.product_id, "quantity": "4"}]}
        svc.update_order(s, order, OrderSchema().load(four, partial=True))
        assert order.amount_untaxed == D("30.00")
        svc.confirm_order(s, order, boss, mail=False)
        with pytest.raises(ValidationError):
            svc.update_order(s, order, {"note": "x"})
        svc.cancel_order(s, order, boss)
        assert order.state == "cancelled"
        svc.reopen_order(s, order, boss)
        assert order.state == "draft"
        svc.confirm_order(s, order, boss, mail=False)
        svc.done_order(s, order, boss)
        assert order.state == "done"


def incoming(w) -> dict:
    """The hook's statements summed per product, warehouse and kind (as the report does)."""
    from sqlalchemy import func, union_all

    from core import hooks_for
    from core.companies import cached_company

    with w.session() as s:
        statements = hooks_for(cached_company(s, w.company_id)).gather(
            "materials_incoming", session=s
        )
        both = union_all(*statements).subquery()
        rows = s.execute(
            select(
                both.c.product_id,
                both.c.warehouse_id,
                both.c.kind,
                func.sum(both.c.quantity),
                func.min(both.c.due),
            ).group_by(both.c.product_id, both.c.warehouse_id, both.c.kind)
        ).all()
    return {(p, wh, kind): (D(str(q)), due) for p, wh, kind, q, due in rows}


def test_open_orders_count_as_on_order_in_the_replenishment_report(world):
    due = date.today() + timedelta(days=5)
    order_id = _make(
        world,
        expected_date=due.isoformat(),
        lines=[{"product_id": world.product_id, "quantity": "12"}],
    )
    assert incoming(world) == {
        (world.product_id, world.warehouse_id, "on_order"): (D("12.000"), due)
    }
    with world.session("boss") as s, s.begin():
        svc.confirm_order(s, s.get(PurchasingOrder, order_id), world.user(s, "boss"), mail=False)
    assert incoming(world)[(world.product_id, world.warehouse_id, "on_order")][0] == D("12.000")
    with world.session("boss") as s, s.begin():
        svc.cancel_order(s, s.get(PurchasingOrder, order_id), world.user(s, "boss"))
    assert incoming(world) == {}


# -- web and API -------------------------------------------------------------------------------
def _company(world, yaprak_runtime):
    with yaprak_runtime.db.Session() as s:
        found = s.get(Company, world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def clients(world, yaprak_runtime, company_client):
    company = _company(world, yaprak_runtime)
    return {
        name: company_client(company, roles=[], email=f"{name}@alim.test")
        for name in ("req", "boss")
    }


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def test_orders_through_the_api(world, clients, yaprak_runtime):
    boss, req = clients["boss"], clients["req"]
    _set_email(world)
    made = _ok(
        boss.post(
            "/api/v1/purchasing/orders",
            json={
                "partner_id": world.vendor_id,
                "lines": [{"product_id": world.product_id, "quantity": "20"}],
            },
        ),
        201,
    )
    assert (made["state"], made["amount_untaxed"], made["amount_total"]) == (
        "draft",
        "150.00",
        "180.00",
    )
    url = f"/api/v1/purchasing/orders/{made['id']}"
    assert _ok(boss.patch(url, json={"vendor_reference": "V-1"}))["vendor_reference"] == "V-1"
    minus = [{"product_id": world.product_id, "quantity": "-1"}]
    bad = boss.post(
        "/api/v1/purchasing/orders", json={"partner_id": world.vendor_id, "lines": minus}
    )
    assert bad.status_code == 400 and "lines" in bad.get_json()["errors"]
    assert req.post(f"{url}/confirm").status_code == 403
    confirmed = _ok(boss.post(f"{url}/confirm"))
    assert confirmed["state"] == "confirmed" and confirmed["number"].startswith("SAS-")
    with yaprak_runtime.db.session_for(world.company_id) as s:
        mail = s.scalars(select(OutboxMessage)).one()
        (attachment,) = mail.attachments
        assert confirmed["number"] in _pdf_text(attachment.content)
    again = boss.post(f"{url}/confirm")
    assert again.status_code == 409
    assert _ok(boss.post(f"{url}/cancel"))["state"] == "cancelled"
    assert _ok(boss.post(f"{url}/reopen"))["state"] == "draft"
    # no e-mail: refused with the field named, or confirmed without mail
    _set_email(world, None)
    refused = boss.post(f"{url}/confirm")
    assert refused.status_code == 400 and "partner_id" in refused.get_json()["errors"]
    assert _ok(boss.post(f"{url}/confirm", json={"mail": False}))["state"] == "confirmed"
    listed = _ok(boss.get("/api/v1/purchasing/orders?f.state=confirmed"))
    assert [r["id"] for r in listed["items"]] == [made["id"]]


def test_another_companys_orders_are_404(world, clients, make_company, yaprak_runtime):
    other = make_company("BASKA", addons=["purchasing"])
    with yaprak_runtime.db.transaction(other.id) as s:
        vendor = Partner(name="Başka", is_vendor=True)
        s.add(vendor)
        s.flush()
        order = PurchasingOrder(partner_id=vendor.id, warehouse_id=_main_wh(s))
        s.add(order)
        s.flush()
        other_id = order.id
    boss = clients["boss"]
    assert boss.get(f"/api/v1/purchasing/orders/{other_id}").status_code == 404
    assert boss.post(f"/api/v1/purchasing/orders/{other_id}/confirm").status_code == 404
    assert boss.get(f"/purchasing/orders/{other_id}").status_code == 404
    assert boss.post(f"/purchasing/orders/{other_id}/act/cancel").status_code in (400, 404)


def _main_wh(s):
    from addons.materials.models import MaterialsWarehouse

    return s.scalars(select(MaterialsWarehouse.id)).first()


def test_order_pages_and_pdf(world, clients, yaprak_runtime):
    boss = clients["boss"]
    order_id = _make(world)
    page = boss.get(f"/purchasing/orders/{order_id}").get_data(as_text=True)
    assert f"/purchasing/orders/{order_id}/act/confirm" in page
    listed = boss.get("/purchasing/orders?q=demir").get_data(as_text=True)
    assert f"/purchasing/orders/{order_id}" in listed
    assert boss.get("/purchasing/orders/new").status_code == 200
    pdf = boss.get(f"/documents/purchasing.order/{order_id}.pdf")
    assert pdf.status_code == 200
    assert "Vida 8 mm" in _pdf_text(pdf.data)


def test_company_settings_through_the_api(world, company_client, yaprak_runtime):
    from addons.purchasing.settings import settings_of

    admin = company_client(_company(world, yaprak_runtime), roles=("admin",))
    shown = _ok(admin.get("/api/v1/core/company"))
    assert shown["purchasing_order_state"] == "draft"
    assert shown["purchasing_group_by"] == "" and shown["purchasing_nightly_orders"] is False
    bad = admin.patch(
        "/api/v1/core/company",
        json={
            "purchasing_group_by": "colour",
            "purchasing_receipt_tolerance": "-1",
            "purchasing_order_state": "sent",
        },
    )
    assert bad.status_code == 400, bad.get_data(as_text=True)
    errors = bad.get_json()["errors"]
    assert {
        "purchasing_group_by",
        "purchasing_receipt_tolerance",
        "purchasing_order_state",
    } <= set(errors)
    with world.session("boss") as s:
        assert s.get(PurchasingSettings, world.company_id) is None
        assert settings_of(s).order_state == "draft"
    saved = _ok(
        admin.patch(
            "/api/v1/core/company",
            json={
                "purchasing_group_by": " needed_by ",
                "purchasing_order_state": "confirmed",
                "purchasing_nightly_orders": True,
                "purchasing_receipt_tolerance": "5",
                "purchasing_price_tolerance": "2.5",
            },
        )
    )
    assert saved["purchasing_group_by"] == "needed_by"
    assert saved["purchasing_receipt_tolerance"] == "5.00"
    with world.session("boss") as s:
        row = settings_of(s)
        assert (row.group_by, row.order_state, row.nightly_orders) == (
            "needed_by",
            "confirmed",
            True,
        )
        assert (row.receipt_tolerance, row.price_tolerance) == (D("5.00"), D("2.50"))
    page = admin.get("/admin/company", follow_redirects=True)
    assert page.status_code == 200 and "purchasing_group_by" in page.get_data(as_text=True)


def test_order_form_and_buttons_on_the_web(world, clients):
    boss, req = clients["boss"], clients["req"]
    token = boss.csrf_token()
    r = boss.post(
        "/purchasing/orders/new",
        data={
            "csrf_token": token,
            "partner_id": str(world.vendor_id),
            "date": date.today().isoformat(),
            "vendor_reference": "TK-1",
            "lines-0-product_id": str(world.product_id),
            "lines-0-quantity": "3",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with world.session() as s:
        order = s.scalars(select(PurchasingOrder)).one()
        assert (order.vendor_reference, order.amount_untaxed) == ("TK-1", D("22.50"))
        order_id = order.id
    # confirm and send: the vendor has no e-mail, refused and flashed; nothing changes
    r = boss.post(f"/purchasing/orders/{order_id}/act/confirm", data={"csrf_token": token})
    assert r.status_code == 302
    page = boss.get(f"/purchasing/orders/{order_id}").get_data(as_text=True)
    assert "e-posta adresi yok" in page
    assert (
        req.post(
            f"/purchasing/orders/{order_id}/act/confirm_only", data={"csrf_token": req.csrf_token()}
        ).status_code
        == 403
    )
    r = boss.post(f"/purchasing/orders/{order_id}/act/confirm_only", data={"csrf_token": token})
    assert r.status_code == 302
    with world.session() as s:
        order = s.get(PurchasingOrder, order_id)
        assert order.state == "confirmed" and order.number.startswith("SAS-")
    page = boss.get(f"/purchasing/orders/{order_id}").get_data(as_text=True)
    assert f"/purchasing/orders/{order_id}/act/done" in page
    assert f"/purchasing/orders/{order_id}/act/confirm" not in page
    assert (
        boss.post(f"/purchasing/orders/{order_id}/act/nope", data={"csrf_token": token}).status_code
        == 404
    )
