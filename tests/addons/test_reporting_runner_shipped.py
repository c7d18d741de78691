"""Reporting's own reports through the runner: each one's page, API answer and XLSX export
work for a sales company (the parameters' forms come from their schemas)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from .reporting_world import make_report_world

SHIPPED = ["reporting.profitability", "reporting.sales_by_period", "reporting.receivables_ageing"]


@pytest.fixture
def manager(sales_world, company, company_client):
    world = make_report_world(sales_world)
    with world.session() as s:
        customer = world.customers[0]
        world.invoice(s, customer, [(world.products[0], "3", "100", "0")], date.today())
        s.commit()
    return company_client(company, roles=["reporting.user", "sales.manager"])


@pytest.mark.parametrize("report_id", SHIPPED)
def test_each_shipped_report_runs_on_the_page_the_api_and_in_excel(manager, report_id):
    page = manager.get(f"/reporting/{report_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:2000]
    assert "report-table" in html and ("300,00" in html or "360,00" in html)  # 300 + 20 % KDV
    answer = manager.get(f"/api/v1/reporting/reports/{report_id}")
    assert answer.status_code == 200 and answer.get_json()["count"] >= 1
    export = manager.get(f"/reporting/{report_id}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.get_data())).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.max_row >= 3  # header, a row, the totals


def test_the_period_presets_are_named_in_the_form(manager):
    html = manager.get("/reporting/reporting.profitability").get_data(as_text=True)
    assert ">Bu çeyrek</option>" in html  # "this_quarter", labelled in Turkish


def test_options_are_labelled_and_records_are_the_companys(manager, sales_world):
    html = manager.get("/reporting/reporting.profitability").get_data(as_text=True)
    assert ">Geçen yılın aynı dönemi</option>" in html and ">Müşteri grubu</option>" in html
    assert "previous_year</option>" not in html  # never the stored code
    customers = html.split('name="customer_id"', 1)[1].split("</select>", 1)[0]
    assert "<option" in customers  # the company's customers to pick from
    groups = html.split('name="customer_group_id"', 1)[1].split("</select>", 1)[0]
    assert '<option value="0"' in groups  # "no group" is a choice too


def test_a_wide_report_prints_in_landscape(manager):
    from pypdf import PdfReader

    pdf = manager.get("/reporting/reporting.profitability/export.pdf?comparison=previous_year")
    assert pdf.status_code == 200
    page = PdfReader(io.BytesIO(pdf.get_data())).pages[0]
    assert page.mediabox.width > page.mediabox.height


def test_a_report_parameter_named_preset_is_the_reports_not_a_saved_preset(manager):
    page = manager.get("/reporting/reporting.profitability?_run=1&preset=this_year")
    assert page.status_code == 200
    assert '<option value="this_year" selected>' in page.get_data(as_text=True)
    link = manager.get("/reporting/reporting.profitability").get_data(as_text=True)
    assert 'href="/reporting/reporting.profitability?_run=1&amp;' in link  # the drill-down


def test_every_registered_report_runs_empty_on_the_page_the_api_and_in_exports(
    make_company, company_client
):
    """Every add-on's report (materials', purchasing's, docs', reporting's own): the page,
    the API and the CSV and XLSX exports answer for a company with no documents yet."""
    company = make_company("HEPSI", addons=["purchasing", "materials", "reporting", "docs"])
    admin = company_client(company, roles=["admin"])
    ids = [r["id"] for r in admin.get("/api/v1/reporting/reports").get_json()["reports"]]
    assert {"docs.requests", "reporting.profitability"} <= set(ids)
    assert any(i.startswith("materials.") for i in ids)
    assert any(i.startswith("purchasing.") for i in ids)
    for report_id in ids:
        page = admin.get(f"/reporting/{report_id}")
        assert page.status_code == 200, (report_id, page.get_data(as_text=True)[:500])
        answer = admin.get(f"/api/v1/reporting/reports/{report_id}")
        assert answer.status_code == 200, (report_id, answer.get_json())
        for fmt in ("csv", "xlsx"):
            export = admin.get(f"/reporting/{report_id}/export.{fmt}")
            assert export.status_code == 200, (report_id, fmt)
            export.get_data()


def test_no_drill_down_into_a_report_the_user_may_not_run(sales_world, company, company_client):
    """Sales by period leads to profitability, which a salesperson may not run (gross
    profit is for managers and accountants): no link, on the page and in the API."""
    world = make_report_world(sales_world)
    with world.session() as s:
        world.invoice(s, world.customers[0], [(world.products[0], "1", "80", "0")], date.today())
        s.commit()
    seller = company_client(company, roles=["reporting.user", "sales.user"])
    html = seller.get("/reporting/reporting.sales_by_period").get_data(as_text=True)
    assert "report-table" in html and "report-drill" not in html
    answer = seller.get("/api/v1/reporting/reports/reporting.sales_by_period").get_json()
    assert answer["count"] >= 1 and answer["drill"] == [None] * len(answer["rows"])
    assert seller.get("/reporting/reporting.profitability").status_code == 403
    boss = company_client(company, roles=["reporting.user", "sales.manager"])
    html = boss.get("/reporting/reporting.sales_by_period").get_data(as_text=True)
    assert "report-drill" in html


def test_bad_values_are_whole_messages_and_huge_ids_unknown(manager):
    """A message raised alone (reversed dates, a currency) is one message under its field,
    not its letters; an id no column can hold is unknown, not a server error."""
    base = "/reporting/reporting.profitability?_run=1&"
    page = manager.get(base + "date_from=2026-11-30&date_to=2026-10-01")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "bitiş tarihi başlangıç tarihinden önce" in html  # whole, not one letter a line
    assert ">b</" not in html and "<li>b</li>" not in html
    api = manager.get("/api/v1/reporting/reports/reporting.profitability?currency=XYZ")
    assert api.status_code == 400
    assert api.get_json()["errors"]["currency"] == ["ISO 4217 para birimi kodu değil"]
    huge = "99999999999999999999"
    for name in ("customer_id", "invoice_id", "customer_group_id", "product_id"):
        answer = manager.get(f"/api/v1/reporting/reports/reporting.profitability?{name}={huge}")
        assert answer.status_code == 400, (name, answer.get_data(as_text=True)[:300])
        assert list(answer.get_json()["errors"]) == [name]
    big = manager.get(f"/api/v1/reporting/reports/reporting.sales_by_period?salesperson_id={huge}")
    assert big.status_code == 400 and list(big.get_json()["errors"]) == ["salesperson_id"]


def test_unit_costs_keep_their_four_places(sales_world, company, company_client):
    """A unit cost is a price (4 places): exact on the page, in the API and in Parquet, so
    quantity × unit cost gives the cost amount a reader sees beside it."""
    import pyarrow.parquet as pq

    from core.products import create_product

    world = make_report_world(sales_world)
    with world.session() as s:
        product = create_product(
            s, {"code": "HASSAS", "name": "Hassas", "list_price": "200", "cost_price": "111.5011"}
        )
        world.invoice(s, world.customers[0], [(product.id, "15", "200", "0")], date.today())
        s.commit()
    boss = company_client(company, roles=["reporting.user", "sales.manager"])
    query = "group_by=line&preset=this_month"
    answer = boss.get(f"/api/v1/reporting/reports/reporting.profitability?{query}").get_json()
    keys = [c["key"] for c in answer["columns"]]
    row = answer["rows"][0]
    assert row[keys.index("cost_unit")] == "111.5011"
    assert row[keys.index("cost")] == "1672.52"  # 15 × 111.5011 = 1672.5165, rounded
    html = boss.get(f"/reporting/reporting.profitability?_run=1&{query}").get_data(as_text=True)
    assert "111,5011 ₺" in html
    parquet = boss.get(f"/reporting/reporting.profitability/export.parquet?{query}")
    table = pq.read_table(io.BytesIO(parquet.get_data()))
    assert str(table.schema.field("cost_unit").type) == "decimal128(18, 4)"
    assert str(table.column("cost_unit")[0].as_py()) == "111.5011"


def test_a_schedule_refuses_another_reports_preset_saying_so(manager):
    made = manager.post(
        "/api/v1/reporting/reports/reporting.sales_by_period/presets",
        json={"name": "Aylık", "params": {"granularity": "month"}},
    )
    assert made.status_code == 201, made.get_json()
    body = {
        "name": "Kârlılık",
        "report_id": "reporting.profitability",
        "preset_id": made.get_json()["id"],
        "format": "xlsx",
        "frequency": "daily",
        "recipients": ["patron@satis.test"],
    }
    refused = manager.post("/api/v1/reporting/schedules", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["errors"] == {
        "preset_id": ["a preset of another report: pick one of this report's presets"]
    }
    body["report_id"] = "reporting.sales_by_period"
    assert manager.post("/api/v1/reporting/schedules", json=body).status_code == 201


def test_by_invoice_the_number_is_shown_once(manager):
    answer = manager.get("/api/v1/reporting/reports/reporting.profitability?group_by=invoice")
    body = answer.get_json()
    labels = [c["label"] for c in body["columns"]]
    assert labels[0] == "Fatura" and "Numara" not in labels  # the label is the number
    assert body["rows"][0][0].startswith("FTR-")
    lines = manager.get("/api/v1/reporting/reports/reporting.profitability?group_by=line")
    assert "Numara" in [c["label"] for c in lines.get_json()["columns"]]
