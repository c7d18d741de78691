"""Purchasing on the web and through the JSON API: the lists and the record page with its
workflow buttons, the approvals waiting list, the API's CRUD and actions with comments, bad
input as field errors, another company's ids as 404, the PDF read back with pypdf, and the
tenant isolation check over purchasing's models and routes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from addons.purchasing.models import PurchasingRequisition
from core.models import Company
from core.testing.isolation import check_isolation

from .purchasing_world import act, new


@pytest.fixture
def world(purchasing_world):
    return purchasing_world


def _company(world, yaprak_runtime):
    with yaprak_runtime.db.Session() as s:
        found = s.get(Company, world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def clients(world, yaprak_runtime, company_client):
    """Web/API clients of the world's requester, approver and a clerk without a role."""
    company = _company(world, yaprak_runtime)
    made = {
        name: company_client(company, roles=[], email=f"{name}@alim.test")
        for name in ("req", "appr", "appr2", "clerk")
    }
    return made


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def test_requisition_through_the_api(world, clients):
    req, appr = clients["req"], clients["appr"]
    made = _ok(
        req.post(
            "/api/v1/purchasing/requisitions",
            json={
                "needed_by": "2099-01-31",
                "lines": [{"product_id": world.product_id, "quantity": "20"}],
            },
        ),
        201,
    )
    assert (made["state"], made["number"], made["amount_total"]) == ("draft", None, "150.00")
    assert made["lines"][0]["unit_price"] == "7.5000"
    assert made["lines"][0]["vendor_id"] == world.vendor_id
    assert made["requester_id"] == world.users["req"]
    url = f"/api/v1/purchasing/requisitions/{made['id']}"
    changed = _ok(req.patch(url, json={"note": "Acil"}))
    assert changed["note"] == "Acil" and len(changed["lines"]) == 1
    actions = [a["name"] for a in _ok(req.get(f"{url}/actions"))["actions"]]
    assert "submit" in actions and "approve" not in actions
    submitted = _ok(req.post(f"{url}/actions/submit"))
    assert submitted["state"] == "submitted" and submitted["number"].startswith("PR-")
    # the requester cannot approve; the approver sees it waiting and approves with a comment
    assert req.post(f"{url}/actions/approve").status_code in (403, 409)
    waiting = _ok(appr.get("/api/v1/purchasing/approvals"))
    assert [r["id"] for r in waiting["items"]] == [made["id"]]
    assert _ok(req.get("/api/v1/purchasing/approvals"))["items"] == []
    approved = _ok(appr.post(f"{url}/actions/approve", json={"comment": "Tamam"}))
    assert approved["state"] == "approved"
    again = appr.post(f"{url}/actions/approve", json={"comment": "bir daha"})
    assert again.status_code == 409
    assert "not waiting for an approval" in again.get_json()["error"]["message"]
    found = _ok(req.get("/api/v1/purchasing/requisitions?f.state=approved"))
    assert [r["id"] for r in found["items"]] == [made["id"]]


def test_api_refusals(world, clients, make_company, company_client):
    req, appr = clients["req"], clients["appr"]
    bad = req.post(
        "/api/v1/purchasing/requisitions",
        json={"lines": [{"product_id": world.product_id, "quantity": "-1"}]},
    )
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {"lines": {"0": {"quantity": ["must be more than zero"]}}}
    protected = req.post(
        "/api/v1/purchasing/requisitions",
        json={"state": "approved", "lines": [{"product_id": world.product_id, "quantity": "1"}]},
    )
    assert protected.status_code == 400 and "state" in protected.get_json()["errors"]
    doc = new(world, "1", "150")
    url = f"/api/v1/purchasing/requisitions/{doc}"
    _ok(req.post(f"{url}/actions/submit"))
    rejected = appr.post(f"{url}/actions/reject", json={})
    assert rejected.status_code == 409  # a reason is needed
    _ok(appr.post(f"{url}/actions/reject", json={"comment": "Gerek yok"}))
    ordered = req.post(f"{url}/actions/order")
    assert ordered.status_code == 409
    assert "'order' is not allowed from state 'rejected'" in ordered.get_json()["error"]["message"]
    assert clients["clerk"].get(url).status_code == 403  # no purchasing role
    other = make_company("BASKA", addons=["purchasing"])
    stranger = company_client(other, roles=["purchasing.manager"])
    assert stranger.get(url).status_code == 404
    assert stranger.post(f"{url}/actions/cancel").status_code == 404


def test_pages_list_form_buttons_and_waiting_list(world, clients):
    req, appr = clients["req"], clients["appr"]
    page = req.get("/purchasing/requisitions")
    assert page.status_code == 200
    new_page = req.get("/purchasing/requisitions/new")
    assert new_page.status_code == 200 and "Vida 8 mm" in new_page.get_data(as_text=True)
    token = req.csrf_token()
    made = req.post(
        "/purchasing/requisitions/new",
        data={
            "csrf_token": token,
            "warehouse_id": str(world.warehouse_id),
            "requester_id": str(world.users["req"]),
            "lines-0-product_id": str(world.product_id),
            "lines-0-quantity": "0",
        },
    )
    assert made.status_code == 400  # zero: refused under its line, nothing written
    with world.session() as s:
        assert s.query(PurchasingRequisition).count() == 0
    doc = new(world, "3", "60")  # 180.00
    record = f"/purchasing/requisitions/{doc}"
    text = req.get(record).get_data(as_text=True)
    assert f"/records/purchasing.requisition/{doc}/actions/submit" in text
    submitted = req.post(
        f"/records/purchasing.requisition/{doc}/actions/submit", data={"csrf_token": token}
    )
    assert submitted.status_code == 302
    waiting = appr.get("/purchasing/approvals").get_data(as_text=True)
    assert record in waiting
    assert record not in req.get("/purchasing/approvals").get_data(as_text=True)
    text = appr.get(record).get_data(as_text=True)
    assert f"/records/purchasing.requisition/{doc}/actions/approve" in text
    assert f"/records/purchasing.requisition/{doc}/actions/reject" in text
    appr.post(
        f"/records/purchasing.requisition/{doc}/actions/reject",
        data={"csrf_token": appr.csrf_token(), "comment": "Bütçe yok"},
    )
    with world.session() as s:
        assert s.get(PurchasingRequisition, doc).state == "rejected"
    menu = req.get("/").get_data(as_text=True)
    assert "/purchasing/requisitions" in menu and "/purchasing/approvals" in menu
    assert "Satın Alma" in menu and "Onayımı bekleyenler" in menu
    assert "/purchasing/" not in clients["clerk"].get("/").get_data(as_text=True)


def test_the_pdf(world, clients):
    doc = new(world, "20", None)
    act(world, doc, "submit", "req")
    response = clients["req"].get(f"/documents/purchasing.requisition/{doc}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Satın alma talebi PR-" in text and "Vida 8 mm" in text and "Demir Çelik" in text
    assert "Tahmini toplam (KDV hariç)" in text
    assert "150,00" in text
    assert clients["clerk"].get(f"/documents/purchasing.requisition/{doc}.pdf").status_code == 404


def test_no_company_sees_another_companys_requisitions(make_company, yaprak_app):
    a = make_company("ACME", addons=["purchasing"])
    b = make_company("OTHER", addons=["purchasing"])
    assert check_isolation(yaprak_app, a, b) == []
