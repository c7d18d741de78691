"""Materials: the replenishment page (filters, reasons, the button only when an add-on takes
proposals), its XLSX and PDF read back, the reorder rule pages, the API, roles, 404s."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from addons.materials.models import MaterialsReorderRule, MaterialsReplenishmentRun
from addons.materials.rules import create_rule
from addons.materials.stock import move

D = Decimal
PAGE = "/materials/replenishment"


@pytest.fixture
def shortages(repl_world):
    """BOLT short in ANA (0 on hand, min 10 max 50), NUT fine in ANA (20 on hand, min 5)."""
    w = repl_world
    with w.session() as s:
        w.bolt_rule = create_rule(
            s,
            {
                "product_id": w.bolt_id,
                "warehouse_id": w.main_id,
                "minimum": "10",
                "maximum": "50",
                "multiple": "12",
            },
        ).id
        w.nut_rule = create_rule(
            s, {"product_id": w.nut_id, "warehouse_id": w.main_id, "minimum": "5", "maximum": "10"}
        ).id
        move(s, "receipt", w.nut_id, w.main_id, D("20"), unit_cost=D("1"))
        s.commit()
    return w


@pytest.fixture
def storekeeper(company, company_client, shortages):
    client = company_client(company, roles=["materials.user"])
    client.token_ = client.csrf_token()
    return client


@pytest.fixture
def manager(company, company_client, shortages):
    client = company_client(company, roles=["materials.manager"])
    client.token_ = client.csrf_token()
    return client


def runs(w):
    with w.session() as s:
        return s.scalar(select(func.count()).select_from(MaterialsReplenishmentRun))


def test_the_page_shows_lines_reasons_and_no_button_without_purchasing(storekeeper, shortages):
    r = storekeeper.get(PAGE)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'data-rule="{shortages.bolt_rule}"' in page
    assert f'data-rule="{shortages.nut_rule}"' not in page  # not short
    assert "BOLT" in page and "Demir Tedarik" in page
    assert 'name="rule_ids"' not in page and 'name="make"' not in page
    every = storekeeper.get(PAGE + "?all=1").get_data(as_text=True)
    assert f'data-rule="{shortages.nut_rule}"' in every


def test_with_purchasing_the_user_makes_requisitions(storekeeper, shortages, fake_purchasing):
    page = storekeeper.get(PAGE).get_data(as_text=True)
    assert 'name="rule_ids"' in page and 'name="make"' in page
    r = storekeeper.post(
        PAGE, data={"csrf_token": storekeeper.token_, "rule_ids": [str(shortages.bolt_rule)]}
    )
    assert r.status_code == 302
    assert len(fake_purchasing.requisitions) == 1
    assert fake_purchasing.requisitions[0]["quantity"] == D("60.000")  # 50 in multiples of 12
    assert runs(shortages) == 1
    page = storekeeper.get(PAGE).get_data(as_text=True)
    assert f'data-rule="{shortages.bolt_rule}"' not in page  # requested now: not again
    again = storekeeper.post(
        PAGE, data={"csrf_token": storekeeper.token_, "rule_ids": [str(shortages.bolt_rule)]}
    )
    assert again.status_code == 400
    assert f'data-error-for="rule_ids-{shortages.bolt_rule}"' not in again.get_data(as_text=True)
    assert len(fake_purchasing.requisitions) == 1 and runs(shortages) == 1


def test_bad_filters_are_400_and_another_companys_ids_404(storekeeper, shortages, make_company):
    r = storekeeper.get(PAGE + "?warehouse_id=abc")
    assert r.status_code == 400 and 'data-error-for="warehouse_id"' in r.get_data(as_text=True)
    assert storekeeper.get(PAGE + "?colour=red").status_code == 400
    other = make_company("DIGER", addons=["materials"])
    from addons.materials.models import MaterialsWarehouse

    with shortages.runtime.db.session_for(other.id, write=True) as s:
        theirs = MaterialsWarehouse(code="X", name="Başka")
        s.add(theirs)
        s.commit()
        theirs_id = theirs.id
    assert storekeeper.get(f"{PAGE}?warehouse_id={theirs_id}").status_code == 404
    assert (
        storekeeper.get(f"/api/v1/materials/replenishment?warehouse_id={theirs_id}").status_code
        == 404
    )


def test_filters_narrow_the_page(storekeeper, shortages):
    w = shortages
    page = storekeeper.get(f"{PAGE}?warehouse_id={w.branch_id}").get_data(as_text=True)
    assert f'data-rule="{w.bolt_rule}"' not in page
    page = storekeeper.get(f"{PAGE}?vendor_id={w.v1_id}").get_data(as_text=True)
    assert f'data-rule="{w.bolt_rule}"' in page
    page = storekeeper.get(f"{PAGE}?vendor_id={w.v2_id}").get_data(as_text=True)
    assert f'data-rule="{w.bolt_rule}"' not in page
    page = storekeeper.get(f"{PAGE}?category_id={w.category_id}&all=1").get_data(as_text=True)
    assert f'data-rule="{w.bolt_rule}"' in page and f'data-rule="{w.nut_rule}"' not in page


def test_the_xlsx_export_reads_back(storekeeper, shortages):
    r = storekeeper.get(PAGE + "?export=xlsx&all=1")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # the headers and two lines
    bolt = rows[1]
    assert bolt[0] == "BOLT" and bolt[3] == "Demir Tedarik A.Ş."
    assert bolt[8] == 0 and bolt[11] == 60  # projected, proposed: numbers, not text
    assert f"#{shortages.bolt_rule}" in bolt[13]
    assert rows[2][0] == "NUT" and rows[2][11] == 0


def test_the_pdf_reads_back(storekeeper, shortages):
    r = storekeeper.get(PAGE + "?export=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "BOLT" in text and "Cıvata M8" in text and "Demir Tedarik" in text
    assert "NUT" not in text


def test_roles(company, company_client, storekeeper, manager, shortages):
    outsider = company_client(company, roles=["sales.user"])
    assert outsider.get(PAGE).status_code == 403
    assert outsider.get("/api/v1/materials/replenishment").status_code == 403
    assert storekeeper.get("/materials/rules").status_code == 200
    new_rule = {
        "csrf_token": storekeeper.token_,
        "product_id": str(shortages.bolt_id),
        "warehouse_id": str(shortages.branch_id),
        "minimum": "1",
        "maximum": "2",
        "multiple": "1",
    }
    assert storekeeper.post("/materials/rules/new", data=new_rule).status_code == 403
    new_rule["csrf_token"] = manager.token_
    assert manager.post("/materials/rules/new", data=new_rule).status_code == 302


def test_the_rule_form_refuses_maximum_below_minimum(manager, shortages):
    data = {
        "csrf_token": manager.token_,
        "product_id": str(shortages.bolt_id),
        "warehouse_id": str(shortages.branch_id),
        "minimum": "20",
        "maximum": "5",
        "multiple": "1",
    }
    r = manager.post("/materials/rules/new", data=data)
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'data-error-for="maximum"' in page
    with shortages.session() as s:
        assert s.scalar(select(func.count()).select_from(MaterialsReorderRule)) == 2


def test_the_api_report_and_requisitions(storekeeper, shortages, fake_purchasing):
    r = storekeeper.get("/api/v1/materials/replenishment")
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 1 and body["can_replenish"] is True
    [line] = body["items"]
    assert line["rule_id"] == shortages.bolt_rule and line["proposed"] == "60.000"
    assert line["reason"] and line["needed_by"]
    every = storekeeper.get("/api/v1/materials/replenishment?all=1").get_json()
    assert every["total"] == 2
    bad = storekeeper.get("/api/v1/materials/replenishment?warehouse_id=x")
    assert bad.status_code == 400 and "warehouse_id" in bad.get_json()["errors"]
    assert storekeeper.post("/api/v1/materials/replenishment", json={}).status_code == 400
    missing = storekeeper.post("/api/v1/materials/replenishment", json={"rule_ids": [999999]})
    assert missing.status_code == 404
    nothing = storekeeper.post(
        "/api/v1/materials/replenishment", json={"rule_ids": [shortages.nut_rule]}
    )
    assert nothing.status_code == 400 and "rule_ids" in nothing.get_json()["errors"]
    made = storekeeper.post(
        "/api/v1/materials/replenishment", json={"rule_ids": [shortages.bolt_rule]}
    )
    assert made.status_code == 201
    assert made.get_json()["made"] == 1 and made.get_json()["run"]["trigger"] == "manual"
    assert storekeeper.get("/api/v1/materials/replenishment").get_json()["total"] == 0


def test_the_api_refuses_without_purchasing(storekeeper, shortages):
    r = storekeeper.post(
        "/api/v1/materials/replenishment", json={"rule_ids": [shortages.bolt_rule]}
    )
    assert r.status_code == 400
    assert runs(shortages) == 0


def test_the_menu_has_a_stock_group(storekeeper):
    page = storekeeper.get("/").get_data(as_text=True)
    assert PAGE in page and "/materials/rules" in page
