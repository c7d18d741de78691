"""The purchasing demo (small size): the whole chain is there and agrees with itself -
reorder rules and a replenishment run, requisitions approved, waiting and under the limit,
orders made from them (traced), an order received, invoiced and paid, one received in part,
a vendor invoice over the price tolerance waiting for approval; stock moves at the order's
price; vendor balances equal to their documents; no mail queued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from addons.materials.cli import differences
from addons.materials.models import MaterialsMove, MaterialsReorderRule, MaterialsReplenishmentRun
from addons.purchasing.ledger import balances
from addons.purchasing.models import (
    PurchasingInvoice,
    PurchasingOrder,
    PurchasingOrderSource,
    PurchasingPayment,
    PurchasingReceiptLine,
    PurchasingRequisition,
)
from core.models import OutboxMessage


@pytest.fixture
def yaprak_database_url(demo_database):
    """The small demo, built once for the modules that read it (``demo``: its company)."""
    return demo_database


def test_the_small_demo_holds_the_whole_purchasing_chain(yaprak_runtime, demo):
    with yaprak_runtime.db.session_for(demo.id) as s:
        assert s.scalar(select(func.count()).select_from(MaterialsReorderRule)) >= 5
        run = s.scalars(select(MaterialsReplenishmentRun)).one()
        requisitions = s.scalars(select(PurchasingRequisition)).all()
        from_run = [r for r in requisitions if any(line.run_id == run.id for line in r.lines)]
        assert from_run and all(r.state == "ordered" for r in from_run)
        by_hand = [r for r in requisitions if r not in from_run]
        assert sorted(r.state for r in by_hand) == ["ordered", "submitted"]
        small = next(r for r in by_hand if r.state == "ordered")
        waiting = next(r for r in by_hand if r.state == "submitted")
        assert small.amount_total <= Decimal("100.00") < waiting.amount_total

        orders = s.scalars(select(PurchasingOrder)).all()
        made = [o for o in orders if o.origin == "requisitions"]
        assert made and all(o.state == "confirmed" for o in made)
        traced = s.scalar(select(func.count()).select_from(PurchasingOrderSource))
        ordered_lines = sum(len(r.lines) for r in requisitions if r.state == "ordered")
        assert traced == ordered_lines  # every ordered requisition line, once
        assert {o.receipt_status for o in orders} >= {"full", "partial", "nothing"}

        # received goods entered stock at the order line's net price
        received = s.scalars(select(PurchasingReceiptLine)).all()
        assert received
        for line in received:
            move = s.get(MaterialsMove, line.move_id)
            assert move.kind == "receipt" and move.quantity == line.quantity
            assert move.unit_cost == line.order_line.net_unit_price == line.unit_cost

        invoices = s.scalars(select(PurchasingInvoice)).all()
        assert {(i.state, i.payment_state) for i in invoices} == {
            ("posted", "paid"),
            ("posted", "not_paid"),
            ("submitted", "not_paid"),
        }
        dearer = next(i for i in invoices if i.state == "submitted")
        assert dearer.price_excess > 0  # 6 % over the order, 2 % allowed: waits for approval
        payment = s.scalars(select(PurchasingPayment)).one()
        assert payment.state == "posted" and payment.amount_unallocated == 0

        # what the company owes each vendor is what its documents say
        owed = {b.partner_id: b.balance for b in balances(s, date.today())}
        for partner_id, balance in owed.items():
            open_total = sum(
                (
                    i.amount_residual
                    for i in invoices
                    if i.partner_id == partner_id and i.state == "posted"
                ),
                Decimal("0.00"),
            )
            assert balance == open_total
        assert sum(owed.values()) > 0

        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no mail
        assert differences(s) == []  # stock and costs agree with the moves
