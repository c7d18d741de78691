"""The purchasing tests' world: a company with purchasing (and materials), its people,
warehouses, vendors and products; helpers to make and move requisitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from addons.materials.models import MaterialsWarehouse
from addons.purchasing import requisitions as svc
from addons.purchasing.models import PurchasingRequisition
from addons.purchasing.schemas import RequisitionSchema
from core.auth import add_user, grant
from core.documents import act_as
from core.models import Company, User
from core.partners import create_partner
from core.products import create_product

PEOPLE = {
    "req": ["purchasing.user"],
    "appr": ["purchasing.approver"],
    "appr2": ["purchasing.approver"],
    "boss": ["purchasing.manager"],
    "clerk": ["user"],
}


@dataclass
class World:
    runtime: Any
    company_id: int
    code: str
    users: dict[str, int]
    warehouse_id: int
    branch_id: int
    vendor_id: int
    other_vendor_id: int
    product_id: int  # vendors: vendor 7.50 (preferred), other vendor 9.00; cost 5
    bare_id: int  # no vendor: cost 12.3456

    def session(self, who: str = "req") -> Any:
        session = self.runtime.db.session_for(self.company_id, write=True)
        act_as(session, self.users[who])
        return session

    def user(self, session: Any, who: str) -> User:
        return session.get(User, self.users[who])


def make_world(yaprak_runtime: Any, make_company: Any) -> World:
    company = make_company("ALIM", addons=["purchasing"])
    users = {}
    with yaprak_runtime.db.transaction() as s:
        found = s.get(Company, company.id)
        for name, roles in PEOPLE.items():
            user = add_user(s, f"{name}@alim.test", name.title(), "parola-123")
            grant(s, yaprak_runtime.kernel, user, found, roles)
            users[name] = user.id
    with yaprak_runtime.db.transaction(company.id) as s:
        main = s.scalars(select(MaterialsWarehouse)).one()  # made when materials is enabled
        branch = MaterialsWarehouse(code="IZM", name="İzmir depo")
        s.add(branch)
        vendor = create_partner(s, {"name": "Demir Çelik A.Ş.", "is_vendor": True})
        other = create_partner(s, {"name": "Öz Hırdavat Ltd.", "is_vendor": True})
        s.flush()
        product = create_product(
            s,
            {
                "code": "VIDA-8",
                "name": "Vida 8 mm",
                "cost_price": "5",
                "vendors": [
                    {"partner_id": vendor.id, "price": "7.50", "sequence": 1},
                    {"partner_id": other.id, "price": "9.00", "sequence": 2},
                ],
            },
        )
        bare = create_product(s, {"code": "CIVI", "name": "Çivi", "cost_price": "12.3456"})
        ids = (main.id, branch.id, vendor.id, other.id, product.id, bare.id)
    return World(yaprak_runtime, company.id, "ALIM", users, *ids)


def new(world: World, quantity="1", price=None, who="req", product=None, **more) -> int:
    line = {"product_id": product or world.product_id, "quantity": quantity}
    if price is not None:
        line["unit_price"] = price
    with world.session(who) as s, s.begin():
        data = RequisitionSchema().load({"lines": [line], **more})
        return svc.create_requisition(s, data).id


def act(world: World, doc_id: int, action: str, who: str, comment: str = "") -> str:
    with world.session(who) as s, s.begin():
        doc = s.get(PurchasingRequisition, doc_id)
        svc.take(s, doc, action, world.user(s, who), comment)
        return doc.state


def state(world: World, doc_id: int) -> tuple[str, str | None]:
    with world.session() as s:
        doc = s.get(PurchasingRequisition, doc_id)
        return doc.state, doc.number
