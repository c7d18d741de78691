"""Purchasing's part in materials' replenishment report: what requisitions bring
(``materials_incoming``) and requisitions made from the report's proposals
(``materials_replenish``), through the hooks as the report calls them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select, union_all, update

from addons.purchasing import requisitions as svc
from addons.purchasing.models import PurchasingRequisition, PurchasingRequisitionLine
from addons.purchasing.schemas import RequisitionSchema
from core import hooks_for
from core.companies import cached_company
from core.models import Company

from .purchasing_world import act, new


@pytest.fixture
def world(purchasing_world):
    return purchasing_world


D = Decimal


@dataclass
class Proposal:
    """What ``addons.materials.replenishment.Proposal`` carries (duck typing)."""

    product_id: int
    warehouse_id: int
    vendor_id: int | None
    quantity: Decimal
    needed_by: date | None
    run_id: int | None
    reason: str = ""


def incoming(w) -> dict[tuple[int, int, str], tuple[Decimal, date | None]]:
    """Sum the hook's statements per product, warehouse and kind, as the report does."""
    with w.session() as s:
        company = cached_company(s, w.company_id)
        statements = hooks_for(company).gather("materials_incoming", session=s)
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


def test_incoming_counts_requested_and_on_order_lines(world, make_company, yaprak_runtime):
    w = world
    soon = date.today() + timedelta(days=5)
    new(w, "2", "10", needed_by=soon.isoformat())  # draft: requested
    submitted = new(w, "3", "60")  # 180.00: waits for approval, requested
    act(w, submitted, "submit", "req")
    approved = new(w, "7", "60", warehouse_id=w.branch_id)  # approved: on order
    act(w, approved, "submit", "req")
    act(w, approved, "approve", "appr")
    rejected = new(w, "100", "60")
    act(w, rejected, "submit", "req")
    act(w, rejected, "reject", "appr", "hayır")
    cancelled = new(w, "50", "1")
    act(w, cancelled, "cancel", "req")
    partly = new(w, "10", "1", warehouse_id=w.branch_id)  # approved, 4 of 10 ordered
    act(w, partly, "submit", "req")
    with w.session() as s, s.begin():  # (as a purchase order will: not a change of the
        s.execute(  # requisition's lines that would send it back for approval)
            update(PurchasingRequisitionLine)
            .where(PurchasingRequisitionLine.requisition_id == partly)
            .values(qty_ordered=D("4"))
        )
    other = make_company("BASKA", addons=["purchasing"])  # another company's: not counted
    with yaprak_runtime.db.transaction(other.id) as s:
        from addons.materials.models import MaterialsWarehouse

        s.add(MaterialsWarehouse(code="B", name="B", is_default=True))
        s.flush()
        from core.products import create_product

        product = create_product(s, {"code": "B1", "name": "B1", "cost_price": "1"})
        svc.create_requisition(
            s, RequisitionSchema().load({"lines": [{"product_id": product.id, "quantity": "9"}]})
        )

    assert incoming(w) == {
        (w.product_id, w.warehouse_id, "requested"): (D("5.000"), soon),
        (w.product_id, w.branch_id, "on_order"): (D("13.000"), None),
    }


def test_replenish_makes_one_draft_requisition_per_warehouse(world):
    w = world
    week, fortnight = date.today() + timedelta(days=7), date.today() + timedelta(days=14)
    proposals = [
        Proposal(w.product_id, w.warehouse_id, None, D("20"), fortnight, 7, "below minimum"),
        Proposal(w.bare_id, w.warehouse_id, w.other_vendor_id, D("3"), week, 7, "below minimum"),
        Proposal(w.product_id, w.branch_id, w.other_vendor_id, D("5"), week, 7, "sales order"),
    ]
    with w.session("req") as s, s.begin():
        company = cached_company(s, w.company_id)
        made = hooks_for(company).materials_replenish(
            session=s, proposals=proposals, user=w.user(s, "req")
        )
        ids = [r.id for r in made]
    assert len(ids) == 2
    with w.session() as s:
        first, second = (s.get(PurchasingRequisition, i) for i in ids)
        assert (first.warehouse_id, first.needed_by, first.state) == (w.warehouse_id, week, "draft")
        assert first.requester_id == w.users["req"] and first.note == "below minimum"
        assert [
            (ln.product_id, ln.quantity, ln.vendor_id, ln.unit_price, ln.needed_by, ln.run_id)
            for ln in first.lines
        ] == [
            (w.product_id, D("20.000"), w.vendor_id, D("7.5000"), fortnight, 7),  # preferred
            (w.bare_id, D("3.000"), w.other_vendor_id, D("12.3456"), week, 7),  # cost price
        ]
        assert first.amount_total == D("150.00") + D("37.04")
        assert (second.warehouse_id, [ln.unit_price for ln in second.lines]) == (
            w.branch_id,
            [D("9.0000")],  # that vendor's own price
        )
    # the report then sees them as requested
    assert incoming(w)[(w.product_id, w.warehouse_id, "requested")][0] == D("20.000")


def test_bad_proposals_make_no_requisition(world):
    w = world
    proposals = [
        Proposal(w.product_id, w.warehouse_id, None, D("5"), None, 3),
        Proposal(w.product_id, w.branch_id, None, D("0"), None, 3),  # zero
        Proposal(w.product_id, w.branch_id, None, D("-2"), None, 3),  # negative
    ]
    with w.session() as s, s.begin():
        company = cached_company(s, w.company_id)
        with pytest.raises(ValidationError) as refused:
            hooks_for(company).materials_replenish(
                session=s, proposals=proposals, user=w.user(s, "req")
            )
        assert refused.value.normalized_messages() == {
            "warehouses": {
                str(w.branch_id): {
                    "lines": {
                        0: {"quantity": ["must be more than zero"]},
                        1: {"quantity": ["must be more than zero"]},
                    }
                }
            }
        }
        # the first warehouse's requisition was undone with the rest
        assert s.scalar(select(func.count()).select_from(PurchasingRequisition)) == 0
        assert s.scalar(select(func.count()).select_from(PurchasingRequisitionLine)) == 0


def test_the_hooks_answer_only_for_companies_with_purchasing(world, make_company, yaprak_runtime):
    bare = make_company("SADE", addons=["materials"])
    with yaprak_runtime.db.Session() as s:
        company = s.get(Company, bare.id)
        relay = hooks_for(company)
        assert relay.gather("materials_incoming", session=s) == []
        assert relay.materials_replenish(session=s, proposals=[], user=None) is None
