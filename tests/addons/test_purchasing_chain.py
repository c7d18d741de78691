"""The whole purchasing chain through the JSON API, as the people who do it: a reorder rule,
the replenishment report proposing, a requisition made from it, submitted (over 100 TL: it
waits), refused to its requester and approved by an approver, a purchase order made from it
and confirmed (the PDF queued to the vendor), received in part (stock and average cost), the
vendor invoice matched and posted, the vendor paid, the balance back to zero - and the
report no longer proposing the same shortage. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from addons.materials.models import MaterialsCost, MaterialsStock
from core.models import OutboxMessage


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_report_to_payment_through_the_api(purchasing_world, company_client, yaprak_runtime):
    w = purchasing_world
    with yaprak_runtime.db.Session() as s:
        from core.models import Company

        company = s.get(Company, w.company_id)
    requester = company_client(company, roles=["purchasing.user", "materials.manager"])
    manager = company_client(company, roles=["purchasing.manager"])
    _ok(manager.patch(f"/api/v1/core/partners/{w.vendor_id}", json={"email": "satis@demir.test"}))

    # a rule: keep 50 to 100 of the screws in the main warehouse, in tens
    rule = _ok(
        requester.post(
            "/api/v1/materials/rules",
            json={
                "product_id": w.product_id,
                "warehouse_id": w.warehouse_id,
                "minimum": "50",
                "maximum": "100",
                "multiple": "10",
            },
        ),
        201,
    )
    bad = requester.post(
        "/api/v1/materials/rules",
        json={
            "product_id": w.product_id,
            "warehouse_id": w.branch_id,
            "minimum": "9",
            "maximum": "1",
        },
    )
    assert bad.status_code == 400 and "maximum" in bad.get_json()["errors"]

    report = _ok(requester.get("/api/v1/materials/replenishment"))
    (line,) = [i for i in report["items"] if i["rule_id"] == rule["id"]]
    assert Decimal(line["proposed"]) == 100 and report["can_replenish"] is True
    made = _ok(
        requester.post("/api/v1/materials/replenishment", json={"rule_ids": [rule["id"]]}), 201
    )
    assert made["made"] == 1
    (requisition,) = _ok(requester.get("/api/v1/purchasing/requisitions"))["items"]
    req_id = requisition["id"]
    assert Decimal(requisition["amount_total"]) == Decimal("750.00")  # 100 x 7.50, no KDV

    # submitted: over 100 TL, so it waits; its requester may not approve it
    _ok(requester.post(f"/api/v1/purchasing/requisitions/{req_id}/actions/submit"))
    assert _ok(requester.get(f"/api/v1/purchasing/requisitions/{req_id}"))["state"] == "submitted"
    refused = requester.post(f"/api/v1/purchasing/requisitions/{req_id}/actions/approve")
    assert refused.status_code in (403, 409)
    _ok(
        manager.post(
            f"/api/v1/purchasing/requisitions/{req_id}/actions/approve", json={"comment": "ok"}
        )
    )
    assert _ok(manager.get(f"/api/v1/purchasing/requisitions/{req_id}"))["state"] == "approved"

    # the purchase order, made from it and confirmed: the PDF goes to the vendor
    ordering = _ok(manager.post("/api/v1/purchasing/requisitions/order", json={}))
    (order,) = ordering["orders"]
    assert ordering["exceptions"] == [] and order["partner_id"] == w.vendor_id
    order = _ok(manager.post(f"/api/v1/purchasing/orders/{order['id']}/confirm"))
    assert order["state"] == "confirmed" and order["number"].startswith("SAS-")
    assert _ok(manager.post("/api/v1/purchasing/requisitions/order", json={}))["orders"] == []
    with yaprak_runtime.db.session_for(w.company_id) as s:
        mail = s.scalars(select(OutboxMessage)).all()
        to_vendor = [m for m in mail if m.to == "satis@demir.test"]
        assert len(to_vendor) == 1
        assert to_vendor[0].attachments[0].content[:5] == b"%PDF-"

    # received in part: 60 of 100 at 7.50
    (order_line,) = order["lines"]
    response = manager.post(
        f"/api/v1/purchasing/orders/{order['id']}/receive",
        json={"lines": [{"line_id": order_line["id"], "quantity": "60"}]},
    )
    assert response.status_code in (200, 201), response.get_json()
    receipt = response.get_json()
    _ok(manager.post(f"/api/v1/purchasing/receipts/{receipt['id']}/post"))
    with yaprak_runtime.db.session_for(w.company_id) as s:
        stock = s.scalars(
            select(MaterialsStock).where(MaterialsStock.product_id == w.product_id)
        ).one()
        cost = (
            s.get(MaterialsCost, (w.product_id,))
            or s.scalars(
                select(MaterialsCost).where(MaterialsCost.product_id == w.product_id)
            ).one()
        )
        assert stock.on_hand == Decimal("60.000")
        assert cost.average == Decimal("7.5000")
    # more than is left to receive (40) is refused, nothing written
    over = manager.post(
        f"/api/v1/purchasing/orders/{order['id']}/receive",
        json={"lines": [{"line_id": order_line["id"], "quantity": "41"}]},
    )
    assert over.status_code == 400

    # the vendor's invoice: what was received, matched, posted
    response = manager.post(f"/api/v1/purchasing/orders/{order['id']}/invoice")
    assert response.status_code in (200, 201), response.get_json()
    invoice = response.get_json()
    assert [Decimal(x["quantity"]) for x in invoice["lines"]] == [Decimal("60.000")]
    _ok(
        manager.patch(
            f"/api/v1/purchasing/invoices/{invoice['id']}", json={"vendor_number": "DC-1207"}
        )
    )
    invoice = _ok(manager.post(f"/api/v1/purchasing/invoices/{invoice['id']}/post"))
    assert invoice["state"] == "posted"
    total = Decimal(invoice["amount_total"])
    assert total == Decimal("540.00")  # 60 x 7.50 + 20 % KDV
    balance = _ok(manager.get(f"/api/v1/purchasing/vendors/{w.vendor_id}/balance"))
    assert Decimal(balance["balance"]) == total

    # paid
    response = manager.post(
        "/api/v1/purchasing/payments",
        json={"partner_id": w.vendor_id, "amount": str(total), "method": "bank"},
    )
    assert response.status_code in (200, 201), response.get_json()
    payment = _ok(manager.post(f"/api/v1/purchasing/payments/{response.get_json()['id']}/post"))
    assert payment["state"] == "posted"
    assert (
        _ok(manager.get(f"/api/v1/purchasing/invoices/{invoice['id']}"))["payment_state"] == "paid"
    )
    balance = _ok(manager.get(f"/api/v1/purchasing/vendors/{w.vendor_id}/balance"))
    assert Decimal(balance["balance"]) == 0

    # on hand 60 and 40 still on order: projected 100, not under the minimum any more
    report = _ok(requester.get("/api/v1/materials/replenishment?all=1"))
    (line,) = [i for i in report["items"] if i["rule_id"] == rule["id"]]
    assert Decimal(line["on_hand"]) == 60 and Decimal(line["on_order"]) == 40
    assert Decimal(line["proposed"]) == 0
