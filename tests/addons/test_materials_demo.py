"""The materials demo (small size): two warehouses, a year of receipts, the sales demo's
deliveries shipped from stock, counts; levels and costs agree with the moves
(``yaprak materials check``), and no warehouse goes below zero on any day."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import select

from addons.materials.cli import differences
from addons.materials.models import MaterialsCount, MaterialsMove, MaterialsWarehouse


@pytest.fixture
def yaprak_database_url(demo_database):
    """The small demo, built once for the modules that read it (``demo``: its company)."""
    return demo_database


def test_the_small_demo_keeps_stock_coherent(yaprak_runtime, demo, cli):
    with yaprak_runtime.db.session_for(demo.id) as s:
        warehouses = s.scalars(select(MaterialsWarehouse).order_by(MaterialsWarehouse.id)).all()
        assert [(w.code, w.is_default) for w in warehouses] == [("ANA", True), ("ANK", False)]
        assert len(warehouses[0].locations) == 3
        moves = s.scalars(select(MaterialsMove).order_by(MaterialsMove.date, MaterialsMove.id))
        moves = moves.all()
        kinds = {m.kind for m in moves}
        assert kinds == {"receipt", "issue", "transfer", "adjustment"}
        # the sales demo's deliveries were shipped from stock
        assert any(m.origin_type == "sales.delivery" for m in moves)
        # receipts at varied costs
        assert len({m.unit_cost for m in moves if m.kind == "receipt"}) > 10
        # never below zero on any day, in any warehouse
        running: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for day in sorted({m.date for m in moves}):
            for m in moves:
                if m.date == day:
                    running[(m.product_id, m.warehouse_id)] += m.quantity
            assert min(running.values()) >= 0, day
        assert differences(s) == []
        states = sorted(c.state for c in s.scalars(select(MaterialsCount)))
        assert states == ["done", "draft"]
    out = cli("materials", "check", "--company", "DEMO")
    assert out.exit_code == 0 and out.output.startswith("ok"), out.output
