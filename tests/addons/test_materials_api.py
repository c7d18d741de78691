"""The materials JSON API: warehouses (CRUD), stock levels (read), moves (read, post one by
hand), counts (CRUD, fill, post once). Bad input is a 400 naming the field; another
company's records are a 404."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from addons.materials.models import MaterialsMove, MaterialsWarehouse
from addons.materials.stock import move

from .test_materials_pages import world  # noqa: F401 - the fixture


@pytest.fixture
def api(world, company, company_client):  # noqa: F811
    return company_client(company, roles=["materials.manager"])


@pytest.fixture
def other(world, yaprak_runtime, make_company, company_client):  # noqa: F811
    """Another company with materials, a warehouse and a client of its own."""
    stranger = make_company("BASKA", addons=["materials"])
    with yaprak_runtime.db.transaction(stranger.id) as s:
        warehouse_id = s.scalars(select(MaterialsWarehouse.id)).one()  # made when enabled
    return company_client(stranger, roles=["materials.manager"]), warehouse_id


def test_warehouses_crud(world, api):  # noqa: F811
    r = api.post(
        "/api/v1/materials/warehouses",
        json={"code": "ANK", "name": "Ankara", "locations": [{"code": "R1"}]},
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["locations"][0]["code"] == "R1" and body["is_default"] is False
    r = api.patch(f"/api/v1/materials/warehouses/{body['id']}", json={"name": "Ankara Depo"})
    assert r.status_code == 200 and r.get_json()["name"] == "Ankara Depo"
    items = api.get("/api/v1/materials/warehouses").get_json()["items"]
    assert [w["code"] for w in items] == ["ANA", "ANK", "IZM"]
    r = api.post("/api/v1/materials/warehouses", json={"code": "ANA", "name": "x"})
    assert r.status_code == 400 and "code" in r.get_json()["errors"]
    r = api.post("/api/v1/materials/warehouses", json={"name": "x"})
    assert r.status_code == 400 and "code" in r.get_json()["errors"]


def test_moves_posted_by_hand_and_levels_read(world, api):  # noqa: F811
    w = world
    r = api.post(
        "/api/v1/materials/moves",
        json={
            "kind": "receipt",
            "product_id": w.goods_id,
            "warehouse_id": w.main_id,
            "quantity": "10",
            "unit_cost": "12.5",
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["value"] == "125.00"
    r = api.post(
        "/api/v1/materials/moves",
        json={
            "kind": "transfer",
            "product_id": w.goods_id,
            "warehouse_id": w.main_id,
            "to_warehouse_id": w.branch_id,
            "quantity": "4",
        },
    )
    assert r.status_code == 201, r.get_json()
    r = api.post(
        "/api/v1/materials/moves",
        json={"kind": "issue", "product_id": w.goods_id, "warehouse_id": w.main_id, "quantity": 99},
    )
    assert r.status_code == 400 and "quantity" in r.get_json()["errors"]
    moves = api.get("/api/v1/materials/moves?f.kind=transfer").get_json()["items"]
    assert sorted(D(m["quantity"]) for m in moves) == [D("-4"), D("4")]
    levels = api.get("/api/v1/materials/levels?sort=product").get_json()["items"]
    found = {(lv["warehouse_code"], D(lv["on_hand"]), D(lv["value"])) for lv in levels}
    assert found == {("ANA", D("6"), D("75")), ("IZM", D("4"), D("50"))}
    one = api.get(f"/api/v1/materials/levels/{levels[0]['id']}")
    assert one.status_code == 200
    assert api.post("/api/v1/materials/levels", json={}).status_code in (404, 405)


def test_a_count_through_the_api_is_posted_once(world, api):  # noqa: F811
    w = world
    with w.session() as s:
        move(s, "receipt", w.goods_id, w.main_id, D("5"), unit_cost=D("20"))
        s.commit()
    r = api.post("/api/v1/materials/counts", json={"warehouse_id": w.main_id})
    assert r.status_code == 201, r.get_json()
    count_id = r.get_json()["id"]
    r = api.post(f"/api/v1/materials/counts/{count_id}/fill")
    assert r.status_code == 200 and len(r.get_json()["lines"]) == 1
    line = r.get_json()["lines"][0]
    r = api.patch(
        f"/api/v1/materials/counts/{count_id}",
        json={"lines": [{"id": line["id"], "product_id": w.goods_id, "counted": "8"}]},
    )
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/v1/materials/counts/{count_id}/actions/post")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "done" and D(body["lines"][0]["difference"]) == D("3")
    assert api.post(f"/api/v1/materials/counts/{count_id}/actions/post").status_code == 409
    r = api.patch(f"/api/v1/materials/counts/{count_id}", json={"note": "x"})
    assert r.status_code == 400
    with w.session() as s:
        adjustment = s.scalars(select(MaterialsMove).filter_by(kind="adjustment")).one()
        # a positive difference comes in at the current average
        assert (adjustment.quantity, adjustment.unit_cost) == (D("3.000"), D("20.0000"))
    r = api.post(
        "/api/v1/materials/counts",
        json={"warehouse_id": w.main_id, "lines": [{"product_id": w.goods_id, "counted": "-1"}]},
    )
    assert r.status_code == 400 and "lines" in r.get_json()["errors"]


def test_another_company_s_records_are_not_found(world, api, other):  # noqa: F811
    w = world
    client, their_warehouse = other
    assert api.get(f"/api/v1/materials/warehouses/{their_warehouse}").status_code == 404
    assert client.get(f"/api/v1/materials/warehouses/{w.main_id}").status_code == 404
    r = client.post(
        "/api/v1/materials/moves",
        json={
            "kind": "receipt",
            "product_id": w.goods_id,
            "warehouse_id": their_warehouse,
            "quantity": "1",
            "unit_cost": "1",
        },
    )
    assert r.status_code == 400 and "product_id" in r.get_json()["errors"]
    with w.session() as s:
        assert s.scalar(select(func.count()).select_from(MaterialsMove)) == 0


def test_a_company_without_materials_has_no_materials_api(sales_world, company, company_client):
    assert company_client(company).get("/api/v1/materials/warehouses").status_code == 404
