"""The purchasing chain in Chromium, by two people: a requester makes a requisition from the
replenishment report and submits it; the manager approves it, makes the purchase order from
the approved requisitions report, confirms it (without mail: the vendor has no address),
receives part of it, enters the vendor's invoice and pays it; the stock level shows what
came in at the order's price and the vendor owes nothing."""

from __future__ import annotations

import re

import pytest

from addons.materials.rules import create_rule
from core.auth import grant
from core.models import Company, User
from core.testing.browser import require_playwright

expect = require_playwright().expect
pytestmark = pytest.mark.browser


@pytest.fixture
def world(yaprak_runtime, make_company):
    from tests.addons.purchasing_world import make_world

    w = make_world(yaprak_runtime, make_company)
    with yaprak_runtime.db.transaction() as s:
        company = s.get(Company, w.company_id)
        grant(s, yaprak_runtime.kernel, s.get(User, w.users["req"]), company, ["materials.user"])
    with yaprak_runtime.db.transaction(w.company_id) as s:
        rule = create_rule(
            s,
            {
                "product_id": w.product_id,
                "warehouse_id": w.warehouse_id,
                "minimum": "50",
                "maximum": "100",
                "multiple": "10",
            },
        )
        w.rule_id = rule.id
    return w


def _click(page, locator):
    with page.expect_navigation():
        locator.click()


def _login(page, browser_login, who):
    page.context.clear_cookies()
    return browser_login(f"{who}@alim.test", "parola-123")


def _action(page, name):
    found = page.locator(".document-actions").locator("button, a", has_text=name)
    _click(page, found.first)


def test_from_the_report_to_the_payment(world, browser_page, browser_login):
    page = _login(browser_page, browser_login, "req")

    # the requester: the report proposes 100 (nothing on hand), requisitions are made
    page.goto("/materials/replenishment")
    row = page.locator(f'[data-rule="{world.rule_id}"]')
    expect(row).to_contain_text("100")
    row.locator('input[name="rule_ids"]').check()
    _click(page, page.get_by_role("button", name="Satın alma talebi oluştur"))
    expect(page.locator(".alert-success")).to_be_visible()
    page.goto("/purchasing/requisitions")
    _click(page, page.locator("table.list-table tbody a").first)
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "draft")
    _action(page, "Onaya gönder")
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "submitted")
    requisition_url = page.url

    # the manager approves it and makes the purchase order
    page = _login(page, browser_login, "boss")
    page.goto("/purchasing/approvals")
    _click(page, page.locator("table.list-table tbody a").first)
    _click(page, page.get_by_role("button", name="Onayla").first)
    page.goto(requisition_url)
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "approved")
    page.goto("/purchasing/approved-lines")
    _click(page, page.locator("[data-order-requisitions]"))
    expect(page.locator(".alert-success")).to_contain_text("1")
    page.goto("/purchasing/orders")
    _click(page, page.locator("table.list-table tbody a").first)
    _action(page, "Göndermeden onayla")
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "confirmed")
    expect(page.get_by_role("heading", level=1)).to_contain_text("SAS-")
    colours = page.locator(".form-head .badge.state").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert colours[0] != colours[1] and colours[1] not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")

    # received in part: 60 of 100
    _action(page, "Teslim al")
    page.locator("input[name^='pick-']").first.fill("60")
    _click(page, page.get_by_role("button", name="Taslak mal kabul oluştur"))
    _action(page, "Teslim al")
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "done")
    page.goto("/materials/levels")
    row = page.locator("table.list-table tbody tr").first
    expect(row).to_contain_text("VIDA-8")
    expect(row).to_contain_text("450,00")  # 60 x 7,50

    # the vendor's invoice for what came, then the payment
    page.goto("/purchasing/orders")
    _click(page, page.locator("table.list-table tbody a").first)
    _action(page, "Alış faturası oluştur")
    _click(page, page.locator("form button[type=submit]").last)
    page.locator("#field-vendor_number").fill("DC-1207")
    _click(page, page.locator('form.record-form button[type="submit"]'))
    _action(page, "Deftere işle")
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "posted")
    expect(page.locator("body")).to_contain_text(re.compile(r"540,00"))
    invoice_url = page.url
    page.goto("/purchasing/payments/new")
    page.locator("#field-partner_id").select_option(str(world.vendor_id))
    page.locator("#field-amount").fill("540,00")
    _click(page, page.locator('form.record-form button[type="submit"]'))
    _action(page, "Deftere işle")
    _click(page, page.locator("form button[type=submit]").last)
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", "posted")
    page.goto(invoice_url)  # paid in full: nothing open, and the vendor owes nothing
    expect(page.locator("#main")).to_contain_text(re.compile(r"Açık tutar\s*0,00"))
    expect(page.locator('[data-value-of="payment_state"]')).to_have_text("ödendi")
    page.goto("/purchasing/vendors/balances")
    expect(page.locator("table.list-table, table").first).not_to_contain_text("Demir Çelik")
