"""A report in Chromium: open its page, fill the parameters, run it, follow a drill-down
link to the detail, download the XLSX and read it back."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from core.testing.browser import require_playwright

expect = require_playwright().expect
pytestmark = pytest.mark.browser

REPORT = "docs.requests"


@pytest.fixture
def rep(yaprak_runtime, make_company):
    from tests.addons.runner_world import make_world

    return make_world(yaprak_runtime, make_company)


def test_run_drill_down_and_download(rep, make_user, browser_page, browser_login, tmp_path):
    user = make_user([rep.company], roles=("reporting.user", "docs.requester"))
    page = browser_login(user.email, user.password)
    page.goto("/reporting/")
    with page.expect_navigation():
        page.locator(f'[data-report="{REPORT}"]').click()
    page.locator("#field-date_from").fill("2026-10-01")
    page.locator("#field-date_to").fill("2026-10-31")
    page.locator("#field-group_by").select_option("partner")
    with page.expect_navigation():
        page.locator(".report-params button[type=submit]").click()
    rows = page.locator("table.report-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ayşe Tekstil")
    expect(page.locator(".report-totals")).to_contain_text("250,50")
    expect(page.locator("svg.report-chart title").first).to_have_text("Requests")
    with page.expect_navigation():
        rows.first.locator("a.report-drill").click()
    expect(page.locator("#field-group_by")).to_have_value("request")
    expect(rows).to_have_count(2)
    expect(page.locator("table.report-table")).to_contain_text("kumaş")
    with page.expect_download() as download:
        page.locator('.report-exports [data-format="xlsx"]').click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("docs-requests-") and saved.suffix == ".xlsx"
    sheet = load_workbook(saved).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=3)]
    assert [v[3] for v in values] == ["kumaş", "=cmd|' /C calc'!A0"]
    assert [v[5] for v in values] == [200, 50.5]
