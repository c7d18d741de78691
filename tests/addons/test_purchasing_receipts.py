"""Receipts against purchase orders: partial receipts and the moving average cost figures
(computed by hand), over-receipts refused and allowed within the tolerance, bad quantities,
cancelling, roles, and two people receiving the same order at once (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from addons.materials.models import MaterialsMove
from addons.purchasing import receipts
from addons.purchasing.models import PurchasingOrder, PurchasingReceipt
from core.documents import TransitionRefused

from .purchasing_match import (
    add_people,
    make_order,
    order_lines,
    order_status,
    set_tolerances,
    stock,
)

TOO_MUCH = "more than ordered, beyond the receipt tolerance"


@pytest.fixture
def world(purchasing_world):
    return add_people(purchasing_world)


def receive(world, order_id, quantities=None, who="recv", post=True):
    """A receipt of the order (all that is left, or ``{line index: quantity}``), posted."""
    with world.session(who) as s, s.begin():
        order = s.get(PurchasingOrder, order_id)
        picked = None
        if quantities is not None:
            picked = {order.lines[i].id: D(q) for i, q in quantities.items()}
        receipt = receipts.receive_order(s, order, picked)
        if post:
            receipts.post_receipt(s, receipt, world.user(s, who))
        return receipt.id


def test_partial_receipts_and_the_moving_average(world):
    w = world
    # order A: 10 at 7.50 less 10 % -> 6.7500; order B: 5 at 8.1234
    order_a = make_order(w, [(w.product_id, "10", "7.50", "10")])
    order_b = make_order(w, [(w.product_id, "5", "8.1234")])
    first = receive(w, order_a, {0: "4"})
    assert stock(w, w.product_id) == (D("4"), D("4"), D("27.00"), D("6.7500"))
    assert order_status(w, order_a) == ("confirmed", "partial", "nothing")
    assert order_lines(w, order_a) == [(D("4"), D("0"))]
    receive(w, order_b)
    # 27.00 + 5 x 8.1234 = 27.00 + 40.62 = 67.62 for 9: 7.51333.. -> 7.5133
    assert stock(w, w.product_id) == (D("9"), D("9"), D("67.62"), D("7.5133"))
    assert order_status(w, order_b) == ("confirmed", "full", "nothing")
    receive(w, order_a)  # the backorder: the 6 left
    # 67.62 + 6 x 6.75 = 67.62 + 40.50 = 108.12 for 15: 7.208
    assert stock(w, w.product_id) == (D("15"), D("15"), D("108.12"), D("7.2080"))
    assert order_lines(w, order_a) == [(D("10"), D("0"))]
    assert order_status(w, order_a) == ("confirmed", "full", "nothing")
    with w.session() as s:
        receipt = s.get(PurchasingReceipt, first)
        assert receipt.state == "done" and receipt.number.startswith("MKB-")
        line = receipt.lines[0]
        assert (line.quantity, line.unit_cost) == (D("4"), D("6.7500"))
        move = s.get(MaterialsMove, line.move_id)
        assert (move.kind, move.quantity, move.unit_cost, move.value) == (
            "receipt",
            D("4"),
            D("6.7500"),
            D("27.00"),
        )
        assert (move.origin_type, move.origin_id, move.origin_line_id) == (
            "purchasing.receipt",
            receipt.id,
            line.id,
        )
        assert move.reference == receipt.number
    with pytest.raises(ValidationError) as nothing:
        receive(w, order_a)
    assert nothing.value.normalized_messages() == {
        "order_id": ["nothing left to receive on this order"]
    }


def test_over_receipt_refused_then_allowed_within_the_tolerance(world):
    w = world
    order_id = make_order(w, [(w.product_id, "10", "5")])
    with pytest.raises(ValidationError) as refused:
        receive(w, order_id, {0: "10.5"})
    with w.session() as s:
        line_id = s.get(PurchasingOrder, order_id).lines[0].id
        assert s.scalar(select(func.count()).select_from(PurchasingReceipt)) == 0
    assert refused.value.normalized_messages() == {"quantities": {str(line_id): [TOO_MUCH]}}
    set_tolerances(w, receipt="10")  # 10 % more: up to 11
    with pytest.raises(ValidationError):
        receive(w, order_id, {0: "11.001"})
    receive(w, order_id, {0: "10.5"})
    assert order_lines(w, order_id) == [(D("10.5"), D("0"))]
    assert order_status(w, order_id)[1] == "full"
    with pytest.raises(ValidationError) as more:
        receive(w, order_id, {0: "0.6"})  # 10.5 + 0.6 = 11.1 > 11
    assert more.value.normalized_messages() == {"quantities": {str(line_id): [TOO_MUCH]}}
    receive(w, order_id, {0: "0.5"})
    assert stock(w, w.product_id)[0] == D("11")


def test_a_draft_receipt_is_checked_again_when_posted(world):
    """Two drafts of all that is left: the second is refused at posting, under its line."""
    w = world
    order_id = make_order(w, [(w.product_id, "3", "5"), (w.bare_id, "2", "12")])
    first = receive(w, order_id, post=False)
    second = receive(w, order_id, post=False)
    with w.session("recv") as s, s.begin():
        receipts.post_receipt(s, s.get(PurchasingReceipt, first), w.user(s, "recv"))
    with pytest.raises(ValidationError) as refused, w.session("recv") as s, s.begin():
        receipts.post_receipt(s, s.get(PurchasingReceipt, second), w.user(s, "recv"))
    assert refused.value.normalized_messages() == {
        "lines": {0: {"quantity": [TOO_MUCH]}, 1: {"quantity": [TOO_MUCH]}}
    }
    with w.session("recv") as s, s.begin():
        receipts.cancel_receipt(s, s.get(PurchasingReceipt, second), w.user(s, "recv"))
    with w.session() as s:
        assert s.get(PurchasingReceipt, second).state == "cancelled"
        assert s.scalar(select(func.count()).select_from(MaterialsMove)) == 2
    assert order_lines(w, order_id) == [(D("3"), D("0")), (D("2"), D("0"))]


def test_bad_quantities_roles_and_states(world):
    w = world
    order_id = make_order(w, [(w.product_id, "5", "5")])
    for bad in ("0", "-1"):
        with pytest.raises(ValidationError) as refused:
            receive(w, order_id, {0: bad})
        assert list(refused.value.normalized_messages()["quantities"].values()) == [
            ["must be more than zero"]
        ]
    draft = receive(w, order_id, post=False)
    with w.session("recv") as s, s.begin():
        receipt = s.get(PurchasingReceipt, draft)
        with pytest.raises(ValidationError) as zero:
            receipts.update_receipt(
                s, receipt, {"lines": [{"id": receipt.lines[0].id, "quantity": "0"}]}
            )
        assert zero.value.normalized_messages() == {
            "lines": {0: {"quantity": ["must be more than zero"]}}
        }
        receipts.update_receipt(
            s,
            receipt,
            {
                "vendor_reference": " IRS-77 ",
                "lines": [{"id": receipt.lines[0].id, "quantity": "2"}],
            },
        )
        assert receipt.vendor_reference == "IRS-77" and receipt.lines[0].quantity == D("2")
    # a requester may not receive (the workflow's role): refused, nothing written
    with pytest.raises(TransitionRefused), w.session("req") as s, s.begin():
        receipts.post_receipt(s, s.get(PurchasingReceipt, draft), w.user(s, "req"))
    assert stock(w, w.product_id)[0] == D("0")
    with w.session("recv") as s, s.begin():
        receipts.post_receipt(s, s.get(PurchasingReceipt, draft), w.user(s, "recv"))
    with pytest.raises(ValidationError), w.session("recv") as s, s.begin():
        receipts.post_receipt(s, s.get(PurchasingReceipt, draft), w.user(s, "recv"))
    with pytest.raises(ValidationError), w.session("recv") as s, s.begin():
        receipts.cancel_receipt(s, s.get(PurchasingReceipt, draft), w.user(s, "recv"))
    unconfirmed = make_order(w, [(w.product_id, "5", "5")], confirm=False)
    with pytest.raises(ValidationError) as not_confirmed:
        receive(w, unconfirmed)
    assert not_confirmed.value.normalized_messages() == {"order_id": ["the order is not confirmed"]}


def test_two_receivers_at_once_do_not_over_receive(world, yaprak_runtime):
    w = world
    order_id = make_order(w, [(w.product_id, "10", "5")])
    drafts = [receive(w, order_id, post=False, who=who) for who in ("recv", "recv2")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(receipt_id: int, who: str) -> None:
        with w.runtime.activate():
            session = w.session(who)
            try:
                barrier.wait(30)
                receipt = session.get(PurchasingReceipt, receipt_id)
                receipts.post_receipt(session, receipt, w.user(session, who))
                session.commit()
                outcomes.append("done")
            except Exception as exc:  # the loser's error, whatever its kind
                session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                session.close()

    threads = [
        threading.Thread(target=attempt, args=(rid, who))
        for rid, who in zip(drafts, ("recv", "recv2"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ValidationError", "done"], outcomes
    assert order_lines(w, order_id) == [(D("10"), D("0"))]
    assert stock(w, w.product_id)[:2] == (D("10"), D("10"))


# ----------------------------------------------------------------------------- web and API
def _company(world):
    from core.models import Company

    with world.runtime.db.Session() as s:
        found = s.get(Company, world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def clients(world, company_client):
    company = _company(world)
    return {
        name: company_client(company, roles=[], email=f"{name}@alim.test")
        for name in ("recv", "acct", "req")
    }


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def _count(world):
    with world.session() as s:
        return s.scalar(select(func.count()).select_from(PurchasingReceipt))


def test_receipts_through_the_api(world, clients, make_company, company_client):
    w, recv = world, clients["recv"]
    order_id = make_order(w, [(w.product_id, "10", "7.50", "10"), (w.bare_id, "2", "12")])
    with w.session() as s:
        line_ids = [line.id for line in s.get(PurchasingOrder, order_id).lines]
    url = f"/api/v1/purchasing/orders/{order_id}/receive"
    bad = recv.post(url, json={"lines": [{"line_id": line_ids[0], "quantity": "-1"}]})
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {"lines": {"0": {"quantity": ["must be more than zero"]}}}
    over = recv.post(url, json={"lines": [{"line_id": line_ids[0], "quantity": "11"}]})
    assert over.status_code == 400
    assert over.get_json()["errors"] == {"quantities": {str(line_ids[0]): [TOO_MUCH]}}
    assert _count(w) == 0  # nothing written
    assert clients["req"].post(url, json={}).status_code == 403  # not a receiver
    made = _ok(recv.post(url, json={"lines": [{"line_id": line_ids[0], "quantity": "4"}]}))
    assert (made["state"], made["number"], made["order_id"]) == ("draft", None, order_id)
    assert [(r["order_line_id"], r["quantity"]) for r in made["lines"]] == [(line_ids[0], "4.000")]
    receipt_url = f"/api/v1/purchasing/receipts/{made['id']}"
    line = made["lines"][0]
    bad = recv.patch(receipt_url, json={"lines": [{"id": line["id"], "quantity": "0"}]})
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {"lines": {"0": {"quantity": ["must be more than zero"]}}}
    changed = _ok(
        recv.patch(
            receipt_url,
            json={"vendor_reference": "IRS-1", "lines": [{"id": line["id"], "quantity": "5"}]},
        )
    )
    assert changed["vendor_reference"] == "IRS-1" and changed["lines"][0]["quantity"] == "5.000"
    posted = _ok(recv.post(f"{receipt_url}/post"))
    assert posted["state"] == "done" and posted["number"].startswith("MKB-")
    assert posted["lines"][0]["unit_cost"] == "6.7500" and posted["lines"][0]["move_id"]
    assert recv.post(f"{receipt_url}/post").status_code == 409
    assert recv.post(f"{receipt_url}/cancel").status_code == 409
    assert stock(w, w.product_id)[0] == D("5")
    found = _ok(recv.get("/api/v1/purchasing/receipts?f.state=done"))
    assert [r["id"] for r in found["items"]] == [made["id"]]
    # the rest: a second receipt, then cancelled
    rest = _ok(recv.post(url))
    assert [r["quantity"] for r in rest["lines"]] == ["5.000", "2.000"]
    cancelled = _ok(recv.post(f"/api/v1/purchasing/receipts/{rest['id']}/cancel"))
    assert cancelled["state"] == "cancelled"
    other = make_company("BASKA", addons=["purchasing"])
    stranger = company_client(other, roles=["purchasing.manager"])
    assert stranger.get(receipt_url).status_code == 404
    assert stranger.post(f"{receipt_url}/post").status_code == 404
    assert stranger.post(url, json={}).status_code == 404


def test_receipt_pages_buttons_and_pdf(world, clients):
    import io

    from pypdf import PdfReader

    w, recv = world, clients["recv"]
    order_id = make_order(w, [(w.product_id, "10", "5")])
    token = recv.csrf_token()
    picker = recv.get(f"/purchasing/order/{order_id}/receive")
    assert picker.status_code == 200
    with w.session() as s:
        line_id = s.get(PurchasingOrder, order_id).lines[0].id
    refused = recv.post(
        f"/purchasing/order/{order_id}/receive",
        data={"csrf_token": token, f"pick-{line_id}": "12"},
    )
    assert refused.status_code == 400 and _count(w) == 0
    made = recv.post(
        f"/purchasing/order/{order_id}/receive",
        data={"csrf_token": token, f"pick-{line_id}": "3"},
    )
    assert made.status_code == 302
    with w.session() as s:
        receipt = s.scalars(select(PurchasingReceipt)).one()
        receipt_id = receipt.id
    page = recv.get(f"/purchasing/receipts/{receipt_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"/purchasing/receipt/{receipt_id}/act/post" in text
    assert recv.get("/purchasing/receipts").status_code == 200
    posted = recv.post(f"/purchasing/receipt/{receipt_id}/act/post", data={"csrf_token": token})
    assert posted.status_code == 302
    assert order_lines(w, order_id) == [(D("3"), D("0"))]
    pdf = recv.get(f"/documents/purchasing.receipt/{receipt_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Mal kabul MKB-2" in text and "Demir Çelik" in text and "Teslim alan" in text
    assert "SAS-2026-" in text and "5,00" in text
    menu = recv.get("/").get_data(as_text=True)
    assert "/purchasing/receipts" in menu and "/purchasing/invoices" in menu
