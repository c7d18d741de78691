"""A storekeeper in Chromium: the Stock menu, a receipt posted by hand (a refused one first,
its input kept), the stock levels page, an inventory count filled with the current stock,
corrected and posted, and the adjustment in the moves ledger opening the count."""

from __future__ import annotations

import re

import pytest

from core.products import create_product
from core.testing.browser import require_playwright

expect = require_playwright().expect
pytestmark = pytest.mark.browser


@pytest.fixture
def store(make_company, make_user, yaprak_runtime):
    company = make_company("DEPO", addons=["materials"])
    user = make_user(company, roles=["user", "materials.manager"])
    with yaprak_runtime.db.transaction(company.id) as s:
        goods = create_product(
            s, {"code": "CIM-50", "name": "Çimento 50 kg", "list_price": "100", "cost_price": "60"}
        )
        goods_id = goods.id
    return user, goods_id


def _click(page, selector):
    with page.expect_navigation():
        page.locator(selector).click()


def test_a_storekeeper_receives_counts_and_posts(store, browser_page, browser_login):
    user, goods_id = store
    page = browser_login(user.email, user.password)
    menu = page.locator("#yaprak-menu")
    expect(menu).to_contain_text("Stok")

    # a receipt without its cost: refused under the field, the input kept
    page.goto("/materials/moves/new")
    page.locator("#field-kind").select_option("receipt")
    page.locator("#field-product_id").select_option(str(goods_id))
    page.locator("#field-quantity").fill("12")
    page.locator("#field-warehouse_id").select_option(index=1)
    page.locator("#field-reference").fill("İRS-778")
    _click(page, 'form.record-form button[type="submit"]')
    expect(page.locator('[data-error-for="unit_cost"]')).to_have_text(
        "girişin birim maliyeti gerekli"
    )
    expect(page.locator("#field-reference")).to_have_value("İRS-778")
    page.locator("#field-unit_cost").fill("45,50")
    _click(page, 'form.record-form button[type="submit"]')
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto("/materials/levels")
    row = page.locator("table.list-table tbody tr").first
    expect(row).to_contain_text("CIM-50")
    expect(row).to_contain_text("546,00")  # 12 x 45,50

    # a count: filled with the stock, 10 found, posted
    page.goto("/materials/counts/new")
    page.locator("#field-warehouse_id").select_option(index=1)
    _click(page, 'form.record-form button[type="submit"]')
    _click(page, '.document-actions [value="materials_count_fill"]')
    expect(page.locator("#field-lines_0_counted")).to_have_value(re.compile(r"^12([.,]0+)?$"))
    page.locator("#field-lines_0_counted").fill("10")
    _click(page, 'form.record-form button[type="submit"]')
    _click(page, '.document-actions [value="post"], .document-actions [data-action="post"]')
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "done")

    page.goto("/materials/moves?f.kind=adjustment")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("-2")
    _click(page, 'table.list-table tbody a[href^="/materials/counts/"]')
    expect(page.get_by_role("heading", level=1)).to_contain_text("SAY-")
