"""Materials pages: warehouses with locations, stock levels (filters, export), the moves
ledger (filters, export, origin links), the manual move page (errors under their fields,
the input kept), inventory counts (fill, post once, adjustments) and the company settings."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from addons.materials.models import (
    MaterialsCount,
    MaterialsMove,
    MaterialsSettings,
    MaterialsStock,
    MaterialsWarehouse,
)
from addons.materials.stock import move
from core.companies import enable_addons
from core.models import Company


@pytest.fixture
def world(sales_world, yaprak_runtime):
    """The sales world with materials enabled, two warehouses (ANA the default)."""
    with yaprak_runtime.db.Session() as s:
        code = s.get(Company, sales_world.company_id).code
    enable_addons(yaprak_runtime, code, ["materials"])
    with sales_world.session() as s:
        main = s.scalars(select(MaterialsWarehouse)).one()  # made when materials was enabled
        branch = MaterialsWarehouse(code="IZM", name="İzmir depo")
        s.add(branch)
        s.commit()
        sales_world.main_id, sales_world.branch_id = main.id, branch.id
    return sales_world


@pytest.fixture
def keeper(world, company, company_client):
    """A storekeeper's web client (``materials.user``) with a CSRF token."""
    client = company_client(company, roles=["materials.user"])
    client.token_ = client.csrf_token()
    return client


@pytest.fixture
def manager(world, company, company_client):
    client = company_client(company, roles=["materials.manager"])
    client.token_ = client.csrf_token()
    return client


def _errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, text in re.findall(
        r'data-error-for="([^"]+)">([^<]*)<', response.get_data(as_text=True)
    ):
        found.setdefault(name, []).append(text)
    return found


def _receive(w, quantity="10", cost="50", warehouse=None):
    with w.session() as s:
        move(s, "receipt", w.goods_id, warehouse or w.main_id, D(quantity), unit_cost=D(cost))
        s.commit()


def _level(w, warehouse_id):
    with w.session() as s:
        row = s.scalars(
            select(MaterialsStock).filter_by(product_id=w.goods_id, warehouse_id=warehouse_id)
        ).first()
        return row.on_hand if row else D(0)


# -- warehouses -----------------------------------------------------------------------------
def test_a_manager_makes_a_warehouse_with_locations_and_one_default(world, manager):
    w = world
    r = manager.post(
        "/materials/warehouses/new",
        data={
            "csrf_token": manager.token_,
            "code": "ANK",
            "name": "Ankara depo",
            "is_default": "y",
            "active": "y",
            "lines-0-code": "A-01",
            "lines-0-name": "Raf 1",
            "lines-0-active": "y",
            "lines-1-code": "A-02",
            "lines-1-active": "y",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with w.session() as s:
        found = s.scalars(select(MaterialsWarehouse).order_by(MaterialsWarehouse.id)).all()
        assert [(x.code, x.is_default) for x in found] == [
            ("ANA", False),
            ("IZM", False),
            ("ANK", True),
        ]
        assert [loc.code for loc in found[2].locations] == ["A-01", "A-02"]
        ank = found[2].id
    page = manager.get(f"/materials/warehouses/{ank}").get_data(as_text=True)
    assert "Raf 1" in page
    # a code twice: under the field, the input kept
    r = manager.post(
        "/materials/warehouses/new",
        data={"csrf_token": manager.token_, "code": "ANK", "name": "Yine Ankara"},
    )
    assert r.status_code == 400
    assert "code" in _errors(r) and "Yine Ankara" in r.get_data(as_text=True)


def test_the_default_warehouse_and_one_with_stock_are_not_archived(world, manager):
    w = world
    _receive(w, warehouse=w.branch_id)
    for warehouse_id, code in ((w.main_id, "ANA"), (w.branch_id, "IZM")):
        r = manager.post(
            f"/materials/warehouses/{warehouse_id}",
            data={"csrf_token": manager.token_, "code": code, "name": "x"},
        )
        assert r.status_code == 400, code
        assert "active" in _errors(r) or "is_default" in _errors(r)


def test_a_storekeeper_reads_warehouses_but_does_not_change_them(world, keeper):
    assert keeper.get("/materials/warehouses").status_code == 200
    r = keeper.post(
        "/materials/warehouses/new",
        data={"csrf_token": keeper.token_, "code": "X", "name": "X"},
    )
    assert r.status_code == 403


# -- levels and moves -----------------------------------------------------------------------
def test_stock_levels_show_on_hand_reserved_average_and_value(world, keeper):
    w = world
    _receive(w, "10", "50")
    _receive(w, "30", "70", warehouse=w.branch_id)
    r = keeper.get("/materials/levels")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "CIM-50" in page and "ANA" in page and "IZM" in page
    # the average: (500 + 2100) / 40 = 65; ANA's value 650, IZM's 1950
    assert "65,00" in page and "650,00" in page and "1.950,00" in page
    totals = page[page.index("<tfoot>") : page.index("</tfoot>")]
    cells = re.findall(r'<th class="text-end">([^<]*)</th>', totals)
    assert "2.600,00 ₺" in cells  # the value total: 650 + 1950, not scaled
    assert "40,00" in cells and "40,00 ₺" not in cells  # quantities carry no currency
    r = keeper.get(f"/materials/levels?f.warehouse_id={w.branch_id}")
    page = r.get_data(as_text=True)
    assert "1.950,00" in page and "650,00" not in page
    r = keeper.get("/materials/levels?export=xlsx")
    assert r.status_code == 200
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    values = sorted(row[-1] for row in rows[1:])
    assert [D(str(v)) for v in values] == [D("650"), D("1950")]


def test_the_moves_ledger_filters_and_links_to_the_origin(world, keeper):
    w = world
    _receive(w, "10", "50")
    with w.session() as s:
        move(s, "issue", w.goods_id, w.main_id, D("-4"), reference="ÇIKIŞ-1")
        s.commit()
    r = keeper.get("/materials/moves?f.kind=issue")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "ÇIKIŞ-1" in page
    r = keeper.get("/materials/moves?f.kind=receipt&export=csv")
    assert r.status_code == 200 and "ÇIKIŞ-1" not in r.get_data(as_text=True)
    r = keeper.get("/materials/moves?f.date.from=2000-01-01&f.origin_type=")
    assert r.status_code == 200
    assert keeper.get("/materials/moves?f.kind=nonsense").status_code == 400


def test_a_shipped_delivery_s_move_links_to_the_delivery(world, keeper):
    from addons.sales import deliveries, orders
    from addons.sales.schemas import OrderSchema

    w = world
    _receive(w, "10", "50")
    with w.session() as s:
        order = orders.create_order(
            s,
            OrderSchema().load(
                {
                    "partner_id": w.customer_id,
                    "lines": [{"product_id": w.goods_id, "quantity": "3"}],
                }
            ),
        )
        delivery = orders.confirm_order(s, order, w.user(s))
        deliveries.ship_delivery(s, delivery, w.user(s))
        s.commit()
        delivery_id = delivery.id
    page = keeper.get("/materials/moves?f.kind=issue").get_data(as_text=True)
    assert f'href="/sales/deliveries/{delivery_id}"' in page


# -- manual moves ---------------------------------------------------------------------------
def _post_move(client, **data):
    return client.post("/materials/moves/new", data={"csrf_token": client.token_, **data})


def test_a_receipt_issue_and_transfer_by_hand(world, keeper):
    w = world
    assert keeper.get("/materials/moves/new").status_code == 200
    common = {"product_id": str(w.goods_id), "warehouse_id": str(w.main_id)}
    r = _post_move(keeper, kind="receipt", quantity="12", unit_cost="40,50", **common)
    assert r.status_code == 302, _errors(r)
    r = _post_move(keeper, kind="issue", quantity="2", **common)
    assert r.status_code == 302, _errors(r)
    r = _post_move(
        keeper, kind="transfer", quantity="4", to_warehouse_id=str(w.branch_id), **common
    )
    assert r.status_code == 302, _errors(r)
    assert _level(w, w.main_id) == D("6.000") and _level(w, w.branch_id) == D("4.000")
    r = _post_move(keeper, kind="adjustment", quantity="-1", **common)
    assert r.status_code == 302, _errors(r)
    assert _level(w, w.main_id) == D("5.000")
    with w.session() as s:
        assert s.scalar(select(func.count()).select_from(MaterialsMove)) == 5
    page = keeper.get(r.headers["Location"]).get_data(as_text=True)
    assert "CIM-50" in page


def test_a_refused_move_names_its_field_and_keeps_the_input(world, keeper):
    w = world
    common = {"product_id": str(w.goods_id), "warehouse_id": str(w.main_id)}
    r = _post_move(keeper, kind="issue", quantity="5", reference="UZUN-REF", **common)
    assert r.status_code == 400
    assert "quantity" in _errors(r) and "UZUN-REF" in r.get_data(as_text=True)
    r = _post_move(keeper, kind="receipt", quantity="5", **common)
    assert r.status_code == 400 and "unit_cost" in _errors(r)
    r = _post_move(keeper, kind="transfer", quantity="5", to_warehouse_id=str(w.main_id), **common)
    assert r.status_code == 400 and "to_warehouse_id" in _errors(r)
    r = _post_move(keeper, kind="receipt", quantity="abc", unit_cost="1", **common)
    assert r.status_code == 400 and "quantity" in _errors(r)
    r = _post_move(
        keeper,
        kind="receipt",
        quantity="1",
        unit_cost="1",
        product_id=str(w.service_id),
        warehouse_id=str(w.main_id),
    )
    assert r.status_code == 400 and "product_id" in _errors(r)
    with w.session() as s:
        assert s.scalar(select(func.count()).select_from(MaterialsMove)) == 0


# -- counts ---------------------------------------------------------------------------------
def _count_id(w):
    with w.session() as s:
        return s.scalars(select(MaterialsCount.id).order_by(MaterialsCount.id.desc())).first()


def test_a_count_filled_with_stock_and_posted_makes_the_adjustments(world, keeper):
    w = world
    _receive(w, "10", "50")
    r = keeper.post(
        "/materials/counts/new",
        data={"csrf_token": keeper.token_, "warehouse_id": str(w.main_id), "date": "2026-03-01"},
    )
    assert r.status_code == 302, _errors(r)
    count_id = _count_id(w)
    r = keeper.post(f"/materials/counts/{count_id}/fill", data={"csrf_token": keeper.token_})
    assert r.status_code == 302
    with w.session() as s:
        count = s.get(MaterialsCount, count_id)
        assert [(ln.product_id, ln.counted) for ln in count.lines] == [(w.goods_id, D("10.000"))]
        line_id = count.lines[0].id
    r = keeper.post(
        f"/materials/counts/{count_id}",
        data={
            "csrf_token": keeper.token_,
            "warehouse_id": str(w.main_id),
            "date": "2026-03-01",
            "lines-0-id": str(line_id),
            "lines-0-product_id": str(w.goods_id),
            "lines-0-counted": "7",
        },
    )
    assert r.status_code == 302, _errors(r)
    r = keeper.post(
        f"/records/materials.count/{count_id}/actions/post", data={"csrf_token": keeper.token_}
    )
    assert r.status_code == 302
    with w.session() as s:
        count = s.get(MaterialsCount, count_id)
        assert count.state == "done" and count.number
        assert (count.lines[0].on_hand, count.lines[0].difference) == (D("10.000"), D("-3.000"))
        adjustment = s.scalars(select(MaterialsMove).filter_by(kind="adjustment")).one()
        assert (adjustment.quantity, adjustment.unit_cost, adjustment.value) == (
            D("-3.000"),
            D("50.0000"),
            D("-150.00"),
        )
        assert adjustment.origin_type == "materials.count" and adjustment.origin_id == count_id
    assert _level(w, w.main_id) == D("7.000")
    # posted once: a second post is refused, nothing more moves
    keeper.post(
        f"/records/materials.count/{count_id}/actions/post", data={"csrf_token": keeper.token_}
    )
    with w.session() as s:
        assert s.scalar(select(func.count()).select_from(MaterialsMove)) == 2
    page = keeper.get("/materials/moves?f.kind=adjustment").get_data(as_text=True)
    assert f'href="/materials/counts/{count_id}"' in page
    pdf = keeper.get(f"/documents/materials.count/{count_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "CIM-50" in text and "Ana depo" in text


def test_a_count_line_twice_or_of_a_service_is_refused_under_the_line(world, keeper):
    w = world
    r = keeper.post(
        "/materials/counts/new",
        data={
            "csrf_token": keeper.token_,
            "warehouse_id": str(w.main_id),
            "lines-0-product_id": str(w.goods_id),
            "lines-0-counted": "1",
            "lines-1-product_id": str(w.service_id),
            "lines-1-counted": "1",
        },
    )
    assert r.status_code == 400
    assert "product_id" in _errors(r)


# -- settings -------------------------------------------------------------------------------
def test_negative_stock_is_a_company_setting(world, company, company_client):
    w = world
    admin = company_client(company)
    r = admin.patch("/api/v1/core/company", json={"materials_negative_stock": True})
    assert r.status_code == 200, r.get_json()
    assert admin.get("/api/v1/core/company").get_json()["materials_negative_stock"] is True
    with w.session() as s:
        assert s.get(MaterialsSettings, w.company_id).negative_stock is True
        move(s, "issue", w.goods_id, w.main_id, D("-2"))
        s.commit()
    assert _level(w, w.main_id) == D("-2.000")
    r = admin.patch("/api/v1/core/company", json={"materials_negative_stock": "maybe"})
    assert r.status_code == 400 and "materials_negative_stock" in r.get_json()["errors"]


def test_the_turkish_catalogue_is_complete():
    from pathlib import Path

    import addons.materials
    from core.i18n_catalog import missing

    gaps = missing(Path(addons.materials.__file__).parent, "tr")
    assert gaps == [], "\n".join(f"{g.reason}: {g.msgid!r} at {g.location}" for g in gaps)


def test_the_settings_are_on_the_company_page(world, company, company_client):
    admin = company_client(company)
    r = admin.get("/admin/company", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Eksi stoğa izin ver" in page and 'name="materials_negative_stock"' in page
    r = admin.post(
        r.request.path,
        data={
            "csrf_token": admin.csrf_token(),
            "name": "Satış A.Ş.",
            "materials_negative_stock": "1",
        },
    )
    assert r.status_code == 302, _errors(r)
    with world.session() as s:
        settings = s.get(MaterialsSettings, world.company_id)
        assert (settings.negative_stock, settings.nightly_requisitions) == (True, False)
