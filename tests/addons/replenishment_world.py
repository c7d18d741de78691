"""What the replenishment tests share: a company with materials, two warehouses, goods
with vendors, and a fake purchasing add-on answering materials' two hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Date, Integer, String, literal, select

from addons.materials.models import MaterialsWarehouse
from core import hookimpl
from core.companies import enable_addons
from core.partners import create_partner
from core.products import create_product
from core.tenancy import company_of
from core.types import Quantity

D = Decimal


@dataclass(eq=False)  # hashable: pluggy keeps plugins in sets
class FakePurchasing:
    """Stands in for purchasing: open requisitions (per company) are ``requested``, open
    orders ``on_order``; ``materials_replenish`` makes a requisition of each proposal."""

    requisitions: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0

    @staticmethod
    def _select(row: dict[str, Any], kind: str) -> Any:
        return select(
            literal(row["product_id"], Integer).label("product_id"),
            literal(row["warehouse_id"], Integer).label("warehouse_id"),
            literal(row["quantity"], Quantity()).label("quantity"),
            literal(kind, String).label("kind"),
            literal(row.get("due"), Date).label("due"),
        )

    @hookimpl
    def materials_incoming(self, session: Any) -> list[Any]:
        company = company_of(session)
        found = [
            self._select(r, "requested") for r in self.requisitions if r["company_id"] == company
        ]
        found += [self._select(r, "on_order") for r in self.orders if r["company_id"] == company]
        return found

    @hookimpl
    def materials_replenish(self, session: Any, proposals: list[Any], user: Any) -> list[Any]:
        self.calls += 1
        made = []
        for p in proposals:
            row = {
                "company_id": company_of(session),
                "product_id": p.product_id,
                "warehouse_id": p.warehouse_id,
                "vendor_id": p.vendor_id,
                "quantity": p.quantity,
                "due": p.needed_by,
                "run_id": p.run_id,
                "reason": p.reason,
                "user_id": getattr(user, "id", None),
            }
            self.requisitions.append(row)
            made.append(row)
        return made


@pytest.fixture
def fake_purchasing(yaprak_runtime):
    """A FakePurchasing registered with the kernel's plugin manager for the test."""
    fake = FakePurchasing()
    pm = yaprak_runtime.kernel.pm
    pm.register(fake, name="fake_purchasing")
    yield fake
    pm.unregister(fake)


@pytest.fixture
def repl_world(sales_world, yaprak_runtime):
    """The sales world with materials too: warehouses ANA (default) and IZM, vendors V1 and
    V2, goods BOLT (V1 preferred: lead 5 days, minimum 0; V2: lead 9, minimum 100) and NUT
    (no vendor) in category "Hırdavat"."""
    from core.models import Company, ProductCategory

    w = sales_world
    with yaprak_runtime.db.Session() as s:
        code = s.get(Company, w.company_id).code
    enable_addons(yaprak_runtime, code, ["materials"])
    with w.session() as s:
        main = s.scalars(select(MaterialsWarehouse)).one()  # made when materials was enabled
        branch = MaterialsWarehouse(code="IZM", name="İzmir depo")
        archived = MaterialsWarehouse(code="ESK", name="Eski depo", active=False)
        hardware = ProductCategory(name="Hırdavat")
        s.add_all([branch, archived, hardware])
        s.flush()
        v1 = create_partner(s, {"name": "Demir Tedarik A.Ş.", "is_vendor": True})
        v2 = create_partner(s, {"name": "Çelik Ltd.", "is_vendor": True})
        bolt = create_product(
            s,
            {
                "code": "BOLT",
                "name": "Cıvata M8",
                "list_price": "2",
                "cost_price": "1",
                "category_id": hardware.id,
                "vendors": [
                    {"partner_id": v2.id, "sequence": 20, "lead_days": 9, "min_qty": "100"},
                    {"partner_id": v1.id, "sequence": 10, "lead_days": 5, "min_qty": "0"},
                ],
            },
        )
        nut = create_product(
            s, {"code": "NUT", "name": "Somun M8", "list_price": "1", "cost_price": "0.5"}
        )
        s.commit()
        w.main_id, w.branch_id, w.archived_id = main.id, branch.id, archived.id
        w.v1_id, w.v2_id, w.bolt_id, w.nut_id = v1.id, v2.id, bolt.id, nut.id
        w.category_id = hardware.id
    w.today = date(2026, 11, 29)
    return w
