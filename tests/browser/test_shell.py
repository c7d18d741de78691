"""A real user in Chromium: logs in through the form, switches company and language, logs out.

The fixture add-ons: alpha has one menu entry ("Alpha things") and a dashboard card; beta
(which needs alpha) adds a "Beta" menu group (two entries) and a card of its own.
"""

import re

import pytest

from core.testing.browser import require_playwright

expect = require_playwright().expect
pytestmark = pytest.mark.browser


@pytest.fixture
def two_companies(make_company, make_user):
    acme = make_company("ACME", addons=["alpha"])
    betaco = make_company("BETACO", addons=["beta"])
    make_company("LONER", addons=["beta"])  # the user is no member of it
    user = make_user([acme, betaco], password="dogru-parola-42")
    return acme, betaco, user


def _menu(page):
    """The navigation bar's entries (top level), as the user sees them."""
    return page.locator("#yaprak-menu > li > .nav-link").all_inner_texts()


def _switch_company(page, company):
    page.locator("#yaprak-company-switcher").click()
    with page.expect_navigation():
        page.get_by_role("button", name=f"{company.code} · {company.name}").click()


def _choose_language(page, name):
    page.locator("#yaprak-language-switcher").click()
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_login_switch_company_language_and_logout(browser_page, browser_login, two_companies):
    acme, betaco, user = two_companies
    page = browser_page

    # Wrong password: the form says so, in the browser's language (Turkish here).
    browser_login(user.email, "yanlis-parola")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("alert")).to_have_text("E-posta ya da parola yanlış.")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.get_by_label("E-posta")).to_have_value(user.email)

    # Right password: the dashboard of the first company, its add-ons' cards and menu.
    browser_login(user.email, user.password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("ACME Ltd.")
    expect(page.locator(".yaprak-card")).to_have_count(1)
    expect(page.locator(".yaprak-card")).to_contain_text("alpha card")
    assert _menu(page) == ["Pano", "Ana veriler", "Alpha things", "Ayarlar"]
    expect(page.locator("#yaprak-company-switcher")).to_contain_text("ACME")

    # Switch to BETACO: beta's group and card appear, only there.
    _switch_company(page, betaco)
    expect(page.locator(".alert-success")).to_have_text("Şirket değiştirildi.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("BETACO Ltd.")
    assert _menu(page) == ["Pano", "Ana veriler", "Alpha things", "Beta", "Ayarlar"]
    expect(page.locator(".yaprak-card")).to_have_count(2)
    expect(page.locator(".yaprak-card").nth(1)).to_contain_text("beta card: 0 notes")
    page.get_by_role("button", name="Beta", exact=True).click()
    expect(page.get_by_role("link", name="About beta")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Thing notes").click()
    expect(page).to_have_url(re.compile(r"/beta/notes$"))
    expect(page.locator('a[aria-current="page"]')).to_have_text("Thing notes")

    # The switcher offers only the user's companies.
    page.locator("#yaprak-company-switcher").click()
    options = page.locator('form[action="/company/switch"] button[name="company_id"]')
    expect(options).to_have_text(["ACME · ACME Ltd.", "BETACO · BETACO Ltd."])
    page.keyboard.press("Escape")

    # Back to ACME: beta is gone again (menu and route).
    _switch_company(page, acme)
    assert _menu(page) == ["Pano", "Ana veriler", "Alpha things", "Ayarlar"]
    assert "Beta" not in page.locator("#yaprak-menu").inner_text()
    response = page.goto("/beta/notes")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sayfa bulunamadı")
    page.goto("/")

    # English, then Turkish again; the choice sticks to the user.
    _choose_language(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _menu(page) == ["Dashboard", "Master data", "Alpha things", "Settings"]
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _choose_language(page, "Türkçe")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    assert _menu(page) == ["Pano", "Ana veriler", "Alpha things", "Ayarlar"]

    # Log out through the user menu: back to the login form, pages closed again.
    page.locator("#yaprak-user-menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Çıkış yap").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Giriş yap")).to_be_visible()
    page.goto("/company")
    expect(page).to_have_url(re.compile(r"/login\?next=/company$"))


def test_a_user_of_one_company_has_no_switcher(
    browser_page, browser_login, make_company, make_user
):
    acme = make_company("ACME", addons=["alpha"])
    user = make_user(acme)
    browser_login(user.email, user.password)
    expect(browser_page.locator(".yaprak-company-code")).to_have_text("ACME")
    expect(browser_page.locator("#yaprak-company-switcher")).to_have_count(0)
    expect(browser_page.locator('form[action="/company/switch"]')).to_have_count(0)


@pytest.mark.parametrize("browser_context_options", [{"locale": "en-US"}])
def test_login_page_follows_the_browser_language_before_login(browser_page, make_company):
    make_company("ACME")
    browser_page.goto("/")
    expect(browser_page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(browser_page.locator("html")).to_have_attribute("lang", "en")
    expect(browser_page.get_by_role("heading", name="Log in")).to_be_visible()
    # choosing Turkish on the login page itself works before anyone is logged in
    _choose_language(browser_page, "Türkçe")
    expect(browser_page.get_by_role("heading", name="Giriş yap")).to_be_visible()
    expect(browser_page).to_have_url(re.compile(r"/login\?next=/$"))


def test_htmx_requests_carry_the_csrf_token(
    browser_page, browser_login, make_company, make_user, yaprak_runtime
):
    from core.models import User

    acme = make_company("ACME")
    user = make_user(acme)
    page = browser_login(user.email, user.password)
    # A plain fetch without the token is refused by the CSRF check...
    status = page.evaluate(
        """() => fetch('/language', {method: 'POST', body: new URLSearchParams({language: 'en'}),
                 redirect: 'manual'}).then(r => r.status)"""
    )
    assert status == 400
    # ...the same request through htmx carries X-CSRFToken (yaprak.js) and is accepted.
    page.evaluate(
        """() => new Promise(done => {
               document.body.addEventListener('htmx:afterRequest', e => done(e.detail.xhr.status),
                                              {once: true});
               htmx.ajax('POST', '/language', {values: {language: 'en'}, swap: 'none'});
           })"""
    )
    with yaprak_runtime.db.Session() as session:
        assert session.get(User, user.id).language == "en"
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_marked_selects_become_autocompletes(browser_page, browser_login, make_company, make_user):
    user = make_user(make_company("ACME"))
    page = browser_login(user.email, user.password)
    page.evaluate(
        """() => {
             const select = document.createElement('select');
             select.id = 'city';
             select.setAttribute('data-yaprak-autocomplete', '');
             for (const name of ['Ankara', 'İstanbul', 'İzmir', 'Bursa']) {
               select.add(new Option(name, name));
             }
             document.querySelector('main').append(select);
             window.yaprak.enhance(document);
           }"""
    )
    page.locator("#city + .ts-wrapper").click()
    expect(page.locator("#city-ts-dropdown")).to_be_visible()
    expect(page.locator("#city-ts-control")).to_be_focused()
    page.keyboard.type("an", delay=50)
    expect(page.locator("#city-ts-control")).to_have_value("an")
    expect(page.locator("#city-ts-dropdown .option")).to_have_text(["Ankara", "İstanbul"])
    page.locator("#city-ts-dropdown .option", has_text="İstanbul").click()
    assert page.eval_on_selector("#city", "s => s.value") == "İstanbul"
