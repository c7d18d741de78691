"""A real user in Chromium sells to a prospect, from the quote to the payment: the quote is
e-mailed (a real SMTP server on loopback receives it), accepted, the order confirmed and
shipped in two parts, part of it invoiced on the page that asks for the quantities, the
invoice posted and paid on the page that asks which invoices a payment pays, part of it
credited. The partner's page then shows it all: the prospect became a customer, every
document is on the timeline and the balances add up."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.models import PaymentTerm
from core.partners import create_partner
from core.products import create_product
from core.testing.browser import require_playwright

expect = require_playwright().expect
pytestmark = pytest.mark.browser


@pytest.fixture
def shop(make_company, make_user, yaprak_runtime):
    """A company with sales, a billing clerk who logs in, a prospect, goods and a service."""
    company = make_company("SATIS", addons=["sales"])
    user = make_user(company, roles=["user", "sales.manager"])
    with yaprak_runtime.db.transaction(company.id) as s:
        term = PaymentTerm(name="30 gün", days=30)
        s.add(term)
        s.flush()
        prospect = create_partner(
            s,
            {
                "name": "Karadeniz Lojistik A.Ş.",
                "is_prospect": True,
                "email": "satinalma@kl.test",
                "payment_term_id": term.id,
            },
        )
        goods = create_product(
            s,
            {
                "code": "CIM-50",
                "name": "Çimento 50 kg",
                "list_price": "100",
                "cost_price": "60",
                "tax_rate": 20,
            },
        )
        service = create_product(
            s,
            {
                "code": "MONTAJ",
                "name": "Montaj hizmeti",
                "type": "service",
                "list_price": "500",
                "cost_price": "0",
                "tax_rate": 20,
            },
        )
        ids = {"prospect": prospect.id, "goods": goods.id, "service": service.id}
    return company, user, ids


def _click(page, selector):
    """Press a button or link of the page and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(selector).click()


def _act(page, action):
    """A document's step: its button in the page's header (a form post or a link)."""
    _click(
        page, f'.document-actions [value="{action}"], .document-actions [data-action="{action}"]'
    )


def _state(page, state):
    expect(page.locator(".form-head .badge.state")).to_have_attribute("data-state", state)


def _number(page):
    """The document's number, from the page's heading ("Teklif TKL-2026-00001")."""
    text = page.get_by_role("heading", level=1).inner_text()
    return re.search(r"[A-Z]{3}-\d{4}-\d{5}", text).group(0)


def _open_draft_delivery(page):
    page.goto("/sales/deliveries?f.state=draft")
    rows = page.locator("table.list-table tbody tr")
    expect(rows).to_have_count(1)
    _click(page, 'table.list-table tbody a[href^="/sales/deliveries/"]')


def _wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("waited in vain")
        time.sleep(0.1)


def _money(text):
    """``1.440,00 ₺`` -> Decimal('1440.00')."""
    return Decimal(text.replace("₺", "").strip().replace(".", "").replace(",", "."))


def test_a_prospect_is_sold_to_from_quote_to_payment(
    shop, browser_page, browser_login, smtp_server, yaprak_runtime
):
    _company, user, ids = shop
    yaprak_runtime.config.smtp_url = smtp_server.url
    page = browser_login(user.email, user.password)

    # -- a quote for the prospect: 10 bags of cement and the assembly -------------------
    page.goto("/sales/quotes/new")
    page.locator("#field-partner_id").select_option(str(ids["prospect"]))
    page.locator("#field-lines_0_product_id").select_option(str(ids["goods"]))
    page.locator("#field-lines_0_quantity").fill("10")
    page.locator("#field-lines_1_product_id").select_option(str(ids["service"]))
    page.locator("#field-lines_1_quantity").fill("1")
    _click(page, 'form.record-form button[type="submit"]')
    expect(page.locator(".alert-success")).to_contain_text("oluşturuldu")
    _state(page, "draft")
    expect(page.locator('[data-value-of="amount_total"]')).to_contain_text("1.800,00")

    # -- sent: numbered, e-mailed to the prospect with its PDF ----------------------------
    _act(page, "send")
    expect(page.locator(".alert-success")).to_have_text("Teklif gönderildi.")
    _state(page, "sent")
    quote_number = _number(page)
    _wait_for(lambda: smtp_server.messages)
    (mail,) = smtp_server.messages
    assert mail["To"] == "satinalma@kl.test"
    assert quote_number in mail["Subject"]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{quote_number}.pdf"
    assert attachment.get_content().startswith(b"%PDF")

    # -- accepted: the order; confirmed: numbered, a delivery prepared ------------------------
    _act(page, "accept")
    expect(page).to_have_url(re.compile(r"/sales/orders/\d+$"))
    order_url = page.url
    _state(page, "draft")
    _act(page, "confirm")
    _state(page, "confirmed")
    order_number = _number(page)

    # -- shipped in two parts: 4 bags now, the 6 left on the backorder --------------------
    _open_draft_delivery(page)
    page.locator("#field-lines_0_quantity").fill("4")
    page.locator("#field-carrier").fill("Aras Kargo")
    _click(page, 'form.record-form button[type="submit"]')
    _act(page, "ship")
    _state(page, "done")
    first_delivery = _number(page)
    _open_draft_delivery(page)
    expect(page.locator("#field-lines_0_quantity")).to_have_value(re.compile(r"^6(\.0+)?$"))
    _act(page, "ship")
    _state(page, "done")
    second_delivery = _number(page)

    # -- invoice part of it: the page offers all 10 bags and the service; 7 bags --------
    page.goto(order_url)
    _act(page, "invoice")
    expect(page).to_have_url(re.compile(r"/sales/order/\d+/invoice$"))
    inputs = page.locator("table.pick-table tbody input")
    expect(inputs).to_have_count(2)
    expect(inputs.nth(0)).to_have_value("10")
    expect(inputs.nth(1)).to_have_value("1")
    inputs.nth(0).fill("11")  # more than delivered: refused, nothing made
    _click(page, "form.pick-form button[type=submit]")
    expect(page.locator("[data-error-for]")).to_have_text(["en çok 10"])
    expect(inputs.nth(0)).to_have_value("11")
    inputs.nth(0).fill("7")
    _click(page, "form.pick-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/sales/invoices/\d+$"))
    expect(page.locator(".alert-success")).to_have_text("Taslak fatura oluşturuldu.")
    invoice_url = page.url
    _state(page, "draft")
    expect(page.locator('[data-value-of="amount_total"]')).to_contain_text("1.440,00")

    # due yesterday (a late invoice, to see it overdue), then posted
    yesterday = date.today() - timedelta(days=1)
    page.locator("#field-due_date").fill(yesterday.isoformat())
    _click(page, 'form.record-form button[type="submit"]')
    expect(page.locator(".alert-success")).to_have_text("Kaydedildi.")
    _act(page, "post")
    _state(page, "posted")
    invoice_number = _number(page)

    # -- a payment of 1.000, 900 of it set against the invoice on the allocation page -------
    page.goto("/sales/payments/new")
    page.locator("#field-partner_id").select_option(str(ids["prospect"]))
    page.locator("#field-amount").fill("1.000,00")
    page.locator("#field-reference").fill("EFT-778")
    _click(page, 'form.record-form button[type="submit"]')
    _state(page, "draft")
    _act(page, "post")
    expect(page).to_have_url(re.compile(r"/sales/payment/\d+/post$"))
    row = page.locator("table.pick-table tbody tr")
    expect(row).to_have_count(1)  # the one open invoice, its open amount and due date
    expect(row).to_contain_text(invoice_number)
    expect(row).to_contain_text("1.440,00")
    row.locator("input").fill("1.500,00")  # above the open amount: refused
    _click(page, "form.pick-form button[type=submit]")
    expect(page.locator("[data-error-for]")).to_have_text(["en çok 1.440,00"])
    row.locator("input").fill("900,00")  # 100 of it stays as the customer's credit
    _click(page, "form.pick-form button[type=submit]")
    expect(page.locator(".alert-success")).to_have_text("Tahsilat kaydedildi.")
    _state(page, "posted")
    payment_number = _number(page)
    allocated = page.locator("table.payment-allocations tbody tr")
    expect(allocated).to_have_count(1)
    expect(allocated).to_contain_text(invoice_number)
    expect(allocated).to_contain_text("540,00")  # what is left open on the invoice
    expect(page.locator(".payment-credit")).to_contain_text("100,00 ₺")

    # -- the customer view: a customer now, the documents, the figures --------------------
    figures = _customer_view(page, ids["prospect"])
    expect(page.locator("#field-is_customer")).to_be_checked()
    expect(page.locator("#field-is_prospect")).not_to_be_checked()
    timeline = page.locator(".partner-timeline")
    for number in (
        quote_number,
        order_number,
        first_delivery,
        second_delivery,
        invoice_number,
        payment_number,
    ):
        expect(timeline).to_contain_text(number)
    assert figures["Bu yılki ciro"] == Decimal("1200.00")  # 7 x 100 + 500, before KDV
    assert figures["Bu yılki brüt kâr"] == Decimal("780.00")  # less 7 x 60
    assert figures["Açık bakiye"] == Decimal("440.00")  # 1.440 invoiced, 1.000 paid
    assert figures["Vadesi geçmiş"] == Decimal("540.00")  # due yesterday, 900 paid on it

    # -- a credit note of one bag, on the page that asks which lines ----------------------
    page.goto(invoice_url)
    _act(page, "credit_note")
    expect(page).to_have_url(re.compile(r"/sales/invoice/\d+/credit_note$"))
    inputs = page.locator("table.pick-table tbody input")
    expect(inputs).to_have_count(2)
    expect(inputs.nth(0)).to_have_value("7")  # all that is left, by default
    expect(inputs.nth(1)).to_have_value("1")
    inputs.nth(0).fill("-1")
    _click(page, "form.pick-form button[type=submit]")
    expect(page.locator("[data-error-for]")).to_have_text(["negatif olamaz"])
    inputs.nth(0).fill("1")
    inputs.nth(1).fill("0")
    _click(page, "form.pick-form button[type=submit]")
    expect(page.locator(".alert-success")).to_have_text("Taslak iade faturası oluşturuldu.")
    _state(page, "draft")
    expect(page.locator('[data-value-of="amount_total"]')).to_contain_text("120,00")
    _act(page, "post")
    _state(page, "posted")
    note_number = _number(page)

    figures = _customer_view(page, ids["prospect"])
    expect(page.locator(".partner-timeline")).to_contain_text(note_number)
    assert figures["Bu yılki ciro"] == Decimal("1100.00")
    assert figures["Açık bakiye"] == Decimal("320.00")
    assert figures["Vadesi geçmiş"] == Decimal("420.00")  # the credit note is set against it


def _customer_view(page, partner_id):
    """The partner's page; its "Customer view" figures as {label: amount}."""
    page.goto(f"/partners/{partner_id}")
    section = page.locator("section.form-section", has_text="Müşteri görünümü")
    expect(section).to_be_visible()
    labels = section.locator(".partner-figures dt").all_inner_texts()
    values = section.locator(".partner-figures dd").all_inner_texts()
    return {
        label.strip(): _money(value)
        for label, value in zip(labels, values, strict=True)
        if "₺" in value
    }
