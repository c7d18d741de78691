"""An add-on's routes, menu entries, actions and cards exist only where it is enabled."""

import pytest

from core.companies import disable_addons, enable_addons


@pytest.fixture
def companies(make_company):
    return make_company("ACME", addons=["beta"]), make_company("OTHER")


def test_routes_answer_only_for_companies_that_enabled_the_addon(
    companies, company_client, yaprak_app
):
    acme, other = companies
    assert company_client(acme).get("/alpha/").status_code == 200
    r = company_client(other).get("/alpha/")
    assert r.status_code == 404
    assert "404" in r.get_data(as_text=True)  # the shell's error page
    anonymous = yaprak_app.test_client()
    assert anonymous.get("/alpha/").status_code == 302  # to the login page first
    assert anonymous.get("/api/v1/alpha/things/1").status_code == 401
    api = company_client(other).get("/api/v1/alpha/things/1")
    assert api.status_code == 404
    assert api.get_json()["error"]["status"] == 404


def test_menu_actions_and_cards_follow_enablement(companies, company_client):
    acme, other = companies
    home = company_client(acme).get("/").get_data(as_text=True)
    assert 'href="/alpha/">Alpha things</a>' in home
    assert "alpha card" in home
    assert "Alpha ping" in company_client(acme).get("/company").get_data(as_text=True)

    home = company_client(other).get("/").get_data(as_text=True)
    assert "Alpha things" not in home and "alpha card" not in home
    assert "Alpha ping" not in company_client(other).get("/company").get_data(as_text=True)


def test_disabling_closes_the_routes_and_enabling_opens_them_again(
    companies, company_client, yaprak_runtime
):
    acme, _ = companies
    client = company_client(acme)
    disable_addons(yaprak_runtime, "ACME", ["beta", "alpha"])
    assert client.get("/alpha/").status_code == 404
    enable_addons(yaprak_runtime, "ACME", ["alpha"])
    page = client.get("/alpha/")
    assert page.status_code == 200
    assert "1 things" in page.get_data(as_text=True)  # the data is still there
    assert "beta says hello" not in page.get_data(as_text=True)  # beta stays disabled


def test_pages_need_a_login_and_the_api_a_token(yaprak_app):
    client = yaprak_app.test_client()
    page = client.get("/company")
    assert page.status_code == 302 and page.location.startswith("/login?next=/company")
    api = client.get("/api/v1/core/company")
    assert api.status_code == 401
    assert api.get_json()["error"]["message"] == "log in or send a token"
    bad = client.get("/api/v1/core/company", headers={"Authorization": "Bearer yk_nope"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["message"] == "invalid or revoked token"


@pytest.mark.fresh_database
def test_an_uninitialised_database_is_a_clear_503(yaprak_database_url, tmp_path):
    from core.config import Config
    from core.runtime import Runtime
    from core.web import create_app

    runtime = Runtime(Config(home=tmp_path, database_url=yaprak_database_url, secret_key="x"))
    client = create_app(runtime=runtime).test_client()
    page = client.get("/")
    assert page.status_code == 503
    assert "Run `yaprak init`" in page.get_data(as_text=True)
    api = client.get("/api/v1/core/company")
    assert api.status_code == 503 and api.get_json()["error"]["title"] == "Database not initialised"
    runtime.db.dispose()
