"""A real user in Chromium works with records: a form refuses a wrong value next to its
field, a filtered list goes to Excel, a document's PDF is downloaded; both read back."""

import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from core.partners import create_partner
from core.testing.browser import require_playwright

expect = require_playwright().expect
pytestmark = pytest.mark.browser


@pytest.fixture
def acme(make_company):
    return make_company("ACME", addons=["docs"])


def test_a_wrong_value_is_shown_next_to_its_field(acme, make_user, browser_page, browser_login):
    user = make_user(acme)
    page = browser_login(user.email, user.password)
    page.goto("/partners/new")
    page.locator("#field-name").fill("Yeni Müşteri A.Ş.")
    page.locator("#field-email").fill("yanlis-adres")
    with page.expect_navigation():
        page.get_by_role("button", name="Kaydet").click()
    error = page.locator('[data-error-for="email"]')
    expect(error).to_be_visible()
    expect(page.locator("#field-email")).to_have_class(re.compile(r"is-invalid"))
    expect(page.locator("#field-name")).to_have_value("Yeni Müşteri A.Ş.")  # nothing lost
    page.locator("#field-email").fill("satis@yeni.com.tr")
    with page.expect_navigation():
        page.get_by_role("button", name="Kaydet").click()
    expect(page.locator(".alert-success")).to_contain_text("oluşturuldu")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Yeni Müşteri A.Ş.")


def test_a_filtered_list_goes_to_excel(
    acme, make_user, browser_page, browser_login, yaprak_runtime, tmp_path
):
    with yaprak_runtime.db.transaction(acme) as s:
        for name, customer in [
            ("Şeker Gıda", True),
            ("İstanbul Ticaret", True),
            ("Tedarik", False),
        ]:
            create_partner(s, {"name": name, "is_customer": customer, "credit_limit": "1500.5"})
    user = make_user(acme)
    page = browser_login(user.email, user.password)
    page.goto("/partners")
    page.locator("#f-is_customer").select_option("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Uygula").click()
    expect(page.locator("table.list-table tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.locator('[data-export="xlsx"]').click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "core-partners.xlsx"
    sheet = load_workbook(saved).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Ad"  # the user's language
    assert sorted(r[0] for r in rows[1:]) == ["İstanbul Ticaret", "Şeker Gıda"]
    limit = rows[0].index("Kredi limiti")
    assert {float(r[limit]) for r in rows[1:]} == {1500.5}


def test_a_document_pdf_is_downloaded(acme, make_user, browser_page, browser_login, yaprak_runtime):
    from yk_docs.models import DocsRequest, DocsRequestLine

    with yaprak_runtime.db.transaction(acme) as s:
        doc = DocsRequest(state="draft", note="Kırtasiye", number="RQ-2026-0007")
        doc.lines = [DocsRequestLine(description="Kalem", quantity=3, unit_price=12, tax_rate=20)]
        doc.recompute()
        s.add(doc)
        s.flush()
        doc_id = doc.id
    user = make_user(acme)
    page = browser_login(user.email, user.password)
    page.goto(f"/docs/requests/{doc_id}")
    with page.expect_download() as download:
        page.locator("[data-pdf]").click()
    assert download.value.suggested_filename == "RQ-2026-0007.pdf"
    reader = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "RQ-2026-0007" in text and "Kalem" in text
    assert re.search(r"Toplam\s*43,20 ₺", text)  # 3 x 12 + 20% KDV
