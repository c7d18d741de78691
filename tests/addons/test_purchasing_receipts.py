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
