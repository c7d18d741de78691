"""Customer profitability in Chromium: by customer group with last year beside it, then
down the chain group → customer → invoice → lines, where each line shows its frozen cost
and where the cost came from."""

from __future__ import annotations

from datetime import date

import pytest

from core.testing.browser import require_playwright
from tests.addons.conftest import sales_world  # noqa: F401 - the fixture, for this module

expect = require_playwright().expect
pytestmark = pytest.mark.browser


@pytest.fixture
def world(sales_world):  # noqa: F811 - the imported fixture
    from tests.addons.reporting_world import make_report_world

    world = make_report_world(sales_world)
    today = date.today()
    last_year = today.replace(year=today.year - 1, day=1)
    with world.session() as s:
        # Müşteri 0 (group Bayi): two products this year, one invoice last year
        world.invoice(
            s,
            world.customers[0],
            [(world.products[0], "2", "100", "0"), (world.products[1], "1", "60", "0")],
            today,
        )
        world.invoice(s, world.customers[0], [(world.products[0], "1", "90", "0")], last_year)
        world.invoice(s, world.customers[1], [(world.products[2], "3", "70", "0")], today)
        s.commit()
    return world


def test_group_to_lines_with_last_year_beside(world, make_user, browser_page, browser_login):
    user = make_user([world.company], roles=("reporting.user", "sales.manager"))
    page = browser_login(user.email, user.password)
    page.goto("/reporting/reporting.profitability")
    page.locator("#field-preset").select_option("this_year")
    page.locator("#field-group_by").select_option("customer_group")
    page.locator("#field-comparison").select_option("previous_year")
    with page.expect_navigation():
        page.locator(".report-params button[type=submit]").click()
    table = page.locator("table.report-table")
    bayi = table.locator("tbody tr", has_text="Bayi")
    expect(bayi).to_have_count(1)
    expect(bayi).to_contain_text("260,00")  # 2 × 100 + 60 this year
    expect(bayi).to_contain_text("90,00")  # last year, beside it
    expect(page.locator(".report-totals")).to_contain_text("470,00")  # 260 + 210
    expect(page.locator("svg.report-chart")).to_have_count(1)
    with page.expect_navigation():
        bayi.locator("a.report-drill").click()
    expect(page.locator("#field-group_by")).to_have_value("customer")
    customer = table.locator("tbody tr", has_text="Müşteri 0")
    expect(customer).to_contain_text("260,00")
    with page.expect_navigation():
        customer.locator("a.report-drill").click()
    expect(page.locator("#field-group_by")).to_have_value("invoice")
    invoice = table.locator("tbody tr").first
    expect(invoice).to_contain_text("260,00")
    with page.expect_navigation():
        invoice.locator("a.report-drill").click()
    expect(page.locator("#field-group_by")).to_have_value("line")
    lines = table.locator("tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text("Ürün 0")
    expect(lines.first).to_contain_text("standart maliyet")  # the product's cost price
    expect(page.locator(".report-totals")).to_contain_text("260,00")


def test_a_preset_is_deleted_only_when_confirmed(world, make_user, browser_page, browser_login):
    user = make_user([world.company], roles=("reporting.user", "sales.manager"))
    page = browser_login(user.email, user.password)
    page.goto("/reporting/reporting.profitability?_run=1&group_by=customer_group")
    page.locator("details.report-presets summary").click()
    page.locator("#preset-name").fill("Gruplar")
    with page.expect_navigation():
        page.get_by_role("button", name="Ön ayarı kaydet").click()
    preset = page.locator('[data-preset="Gruplar"]')
    expect(preset).to_have_count(1)
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    preset.locator("button.text-danger").click()
    page.wait_for_timeout(300)
    assert asked == ["Gruplar ön ayarı silinsin mi?"]
    expect(page.locator('[data-preset="Gruplar"]')).to_have_count(1)  # still there
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator('[data-preset="Gruplar"] button.text-danger').click()
    expect(page.locator('[data-preset="Gruplar"]')).to_have_count(0)
