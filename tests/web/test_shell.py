"""The UI shell: vendored assets, grouped navigation, switchers, flash messages, CSRF on every
form, language attribute, error pages (a 500 never shows a traceback)."""

import json
import re
from pathlib import Path

import pytest
from flask import flash, render_template

from core.testing.plugin import client_for
from core.ui import MenuGroup, MenuItem, menu_tree
from core.web import create_app

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "core" / "web" / "static" / "vendor"


@pytest.fixture
def companies(make_company):
    return make_company("ACME", addons=["alpha"]), make_company("BETACO", addons=["beta"])


def _assets(html):
    return re.findall(r'<(?:link rel="(?:stylesheet|icon)"|script) (?:href|src)="([^"]+)"', html)


def test_the_shell_loads_only_local_assets_and_each_answers(companies, company_client):
    client = company_client(companies[0])
    page = client.get("/").get_data(as_text=True)
    assets = _assets(page)
    assert assets == [
        "/static/core/favicon.svg",
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/vendor/tom-select/tom-select.bootstrap5.min.css",
        "/static/core/yaprak.css",
        "/static/vendor/bootstrap/bootstrap.bundle.min.js",
        "/static/vendor/htmx.org/htmx.min.js",
        "/static/vendor/tom-select/tom-select.complete.min.js",
        "/static/core/yaprak.js",
    ]
    assert "//" not in "".join(assets)  # no CDN
    for url in assets:
        r = client.get(url)
        assert r.status_code == 200, url
        assert len(r.data) > 100, url
        kind = {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}
        assert r.mimetype == kind[url.rsplit(".", 1)[1]], url


def test_vendored_versions_match_package_json_and_carry_their_licences():
    wanted = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    vendored = json.loads((VENDOR / "VERSIONS.json").read_text())
    assert {k: vendored[k] for k in wanted} == wanted
    assert vendored["htmx.org"].startswith("2.")  # attributes inherit (htmx 4 changes that)
    for package in wanted:
        assert (VENDOR / package / "LICENSE").is_file(), package
    assert (VENDOR / "bootstrap" / "LICENSE.popperjs-core").is_file()  # inside the bundle
    head = (VENDOR / "bootstrap" / "bootstrap.min.css").read_text()[:200]
    assert f"Bootstrap  v{wanted['bootstrap']}" in head


def test_menu_tree_gathers_groups_where_their_first_entry_is():
    items = [
        MenuItem("Orders", "/sales/orders", 10, group="Sales"),
        MenuItem("Things", "/alpha/", 15),
        MenuItem("Quotes", "/sales/quotes", 20, group="Sales"),
        MenuItem("Stock", "/materials/", 30, group="Materials"),
    ]
    assert menu_tree(items) == [
        MenuGroup("Sales", (items[0], items[2])),
        items[1],
        MenuGroup("Materials", (items[3],)),
    ]
    assert menu_tree([]) == []


def test_groups_become_dropdowns_and_the_current_page_is_marked(companies, company_client):
    _, betaco = companies
    page = company_client(betaco).get("/beta/notes").get_data(as_text=True)
    menu = page[page.index('id="yaprak-menu"') : page.index("</nav>")]
    assert 'href="/alpha/">Alpha things</a>' in menu
    assert re.search(
        r'<button class="nav-link dropdown-toggle" type="button" id="yaprak-group-\d+" '
        r'data-bs-toggle="dropdown" aria-expanded="false">Beta</button>',
        menu,
    )
    assert (
        '<a class="dropdown-item active" aria-current="page" href="/beta/notes">Thing notes</a>'
        in page
    )
    assert '<a class="dropdown-item" href="/beta/about">About beta</a>' in page


def test_an_entry_with_roles_is_shown_only_to_their_holders(companies, company_client):
    _, betaco = companies

    def menu(roles):
        page = company_client(betaco, roles=roles).get("/beta/notes").get_data(as_text=True)
        return page[page.index('id="yaprak-menu"') : page.index("</nav>")]

    assert "Beta for managers" in menu(["admin"])  # admin implies every role
    assert "Beta for managers" in menu(["alpha.manager"])
    plain = menu(["user"])
    assert "Beta for managers" not in plain and "Thing notes" in plain
    assert "Beta for managers" not in menu(["alpha.clerk"])  # implied by, not implying


def test_the_company_switcher_is_only_for_users_of_several_companies(
    companies, company_client, make_user, yaprak_app
):
    acme, betaco = companies
    single = company_client(acme).get("/").get_data(as_text=True)
    assert 'action="/company/switch"' not in single
    assert '<span class="navbar-text yaprak-company-code">ACME</span>' in single

    client = client_for(yaprak_app, acme, email="both@example.com")
    client_for(yaprak_app, betaco, email="both@example.com")
    page = client.get("/").get_data(as_text=True)
    switcher = page[
        page.index('action="/company/switch"') : page.index(
            "</form>", page.index('action="/company/switch"')
        )
    ]
    assert re.findall(r'value="(\d+)"', switcher) == [str(acme.id), str(betaco.id)]
    assert 'aria-current="true">ACME · ACME Ltd.</button>' in switcher
    assert 'aria-label="Şirket değiştir (şu an: ACME Ltd.)"' in page


def test_every_form_carries_the_csrf_token(companies, company_client, yaprak_app):
    client = client_for(yaprak_app, companies[0], email="both@example.com")
    client_for(yaprak_app, companies[1], email="both@example.com")
    pages = [client.get(p).get_data(as_text=True) for p in ("/", "/company", "/nothing-here")]
    pages.append(yaprak_app.test_client().get("/login").get_data(as_text=True))
    forms = [f for page in pages for f in re.findall(r"<form\b.*?</form>", page, re.S)]
    # switcher, language, logout on three pages, alpha's action on /company; language, login
    assert len(forms) == 12
    for form in forms:
        assert 'method="post"' in form
        assert re.search(r'name="csrf_token" value="[^"]+"', form), form


def test_flash_categories_become_bootstrap_alerts(yaprak_app):
    with yaprak_app.test_request_context("/login"):
        for message, category in [
            ("saved", "success"),
            ("note", "info"),
            ("careful", "warning"),
            ("broken", "danger"),
            ("old style", "error"),
            ("plain", "message"),
        ]:
            flash(message, category)
        html = render_template("core/login.html", error=None, email="")
    found = re.findall(r'<div class="alert alert-(\w+) [^"]*" role="(\w+)">\s*([^<]+?)\s*<', html)
    assert found == [
        ("success", "status", "saved"),
        ("info", "status", "note"),
        ("warning", "alert", "careful"),
        ("danger", "alert", "broken"),
        ("danger", "alert", "old style"),
        ("info", "status", "plain"),
    ]


def test_the_page_language_is_the_users(companies, company_client, yaprak_runtime):
    from core.models import User

    client = company_client(companies[0])
    assert '<html lang="tr">' in client.get("/").get_data(as_text=True)
    with yaprak_runtime.db.transaction() as session:
        session.get(User, client.user_id).language = "en"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert ">Dashboard</a>" in page and ">Log out</button>" in page
    assert (
        '<button type="submit" name="language" value="tr" lang="tr" class="dropdown-item">Türkçe'
        in page
    )


def test_login_form_fields_have_labels(yaprak_app, make_company):
    make_company("ACME")
    page = yaprak_app.test_client().get("/login", headers={"Accept-Language": "tr"})
    html = page.get_data(as_text=True)
    for field, label in (("email", "E-posta"), ("password", "Parola")):
        assert f'<label class="form-label" for="yaprak-login-{field}">{label}</label>' in html
        assert f'id="yaprak-login-{field}" name="{field}"' in html
    assert "<h1" in html and "Giriş yap</h1>" in html


def test_not_found_page_uses_the_shell(companies, company_client):
    acme, _ = companies
    client = company_client(acme, roles=("user",))
    missing = client.get("/beta/notes")  # beta is not enabled for ACME
    assert missing.status_code == 404
    html = missing.get_data(as_text=True)
    assert "Sayfa bulunamadı" in html and 'class="navbar' in html
    assert "requested URL was not found" not in html  # werkzeug's English text stays out
    assert 'href="/alpha/">Alpha things</a>' in html  # the company's menu is still there


def test_forbidden_page_uses_the_shell_and_says_what_is_missing(yaprak_runtime, make_company):
    from core.web.context import require_role

    app = create_app(runtime=yaprak_runtime)

    def admin_only():
        require_role("admin")
        return "secret admin page"

    app.add_url_rule("/admin-only", "admin_only", admin_only)
    client = client_for(app, make_company("ACME"), roles=("user",))
    page = client.get("/admin-only")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "İzin verilmiyor" in html and "Bunun için admin rolü gerekir." in html
    assert 'class="navbar' in html and "secret admin page" not in html


@pytest.fixture
def failing_app(yaprak_runtime):
    """An app like production: exceptions are handled, not propagated to the test."""
    app = create_app(runtime=yaprak_runtime, PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("secret detail: password=hunter2")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/core/boom", "api_boom", boom)
    return app


def test_an_unhandled_exception_is_the_500_page_without_a_traceback(
    failing_app, make_company, caplog
):
    client = client_for(failing_app, make_company("ACME", addons=["alpha"]))
    page = client.get("/boom")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Bir şeyler ters gitti" in html and 'class="navbar' in html
    assert "Traceback" not in html and "hunter2" not in html and "RuntimeError" not in html
    assert "secret detail" in caplog.text  # logged for the people running the site

    api = client.get("/api/v1/core/boom")
    assert api.status_code == 500
    error = api.get_json()["error"]
    assert (error["status"], error["title"]) == (500, "Internal Server Error")
    assert error["message"] == "Something went wrong."
    assert "hunter2" not in api.get_data(as_text=True)
    assert "Traceback" not in api.get_data(as_text=True)


def test_when_even_the_error_page_fails_a_bare_page_answers(failing_app, make_company, monkeypatch):
    import core.web.app

    client = client_for(failing_app, make_company("ACME"))

    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(core.web.app, "render_template", broken)
    page = client.get("/boom")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Bir hata oluştu" in html and "Something went wrong" in html
    assert "Traceback" not in html and "hunter2" not in html


def test_names_in_the_shell_are_escaped_even_inside_translated_labels(make_company, yaprak_app):
    evil = make_company("EVIL", name='Evil "><script>alert(1)</script>')
    other = make_company("OTHER")
    client = client_for(yaprak_app, evil, email="both@example.com")
    client_for(yaprak_app, other, email="both@example.com")
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in html
    escaped = "Evil &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f'aria-label="Şirket değiştir (şu an: {escaped})"' in html  # inside _() too
    assert f"EVIL · {escaped}</button>" in html
