"""Tenant isolation for every company-owned model of core and of every loaded add-on:
through the ORM (read, update, link) and through every GET route of the web app and API.
A model added by a later add-on is covered without editing this test."""

import pytest

from core.testing.isolation import check_isolation, company_tables

pytestmark = pytest.mark.fresh_database  # runtimes with other add-ons on its database


def test_no_company_sees_or_touches_another_companys_rows(make_company, yaprak_app):
    everything = ["alpha", "beta", "docs", "acme_notes"]
    a = make_company("ACME", addons=everything)
    b = make_company("OTHER", addons=everything)
    names = {cls.__tablename__ for cls in company_tables()}
    # the check really covers core's business tables and every add-on's
    assert {
        "core_partner",
        "core_product",
        "core_outbox",
        "core_approval",
        "core_template_override",
        "alpha_thing",
        "beta_thing_note",
        "docs_request",
        "docs_request_line",
        "acme_notes_company_note",
    } <= names
    assert check_isolation(yaprak_app, a, b) == []


LEAKY = """
from flask import Blueprint
from sqlalchemy import text
from core.web import db_session

bp = Blueprint("pages", __name__)


@bp.get("/things/<int:thing_id>")
def thing(thing_id):  # raw SQL, no company: exactly what must never be written
    return db_session().execute(text("SELECT name FROM alpha_thing WHERE id = :i"),
                                {"i": thing_id}).scalar() or ""


@bp.post("/things/<int:thing_id>/rename")
def rename(thing_id):  # a write by raw SQL, no company
    session = db_session()
    session.execute(text("UPDATE alpha_thing SET name = 'renamed' WHERE id = :i"), {"i": thing_id})
    session.commit()
    return "ok"


@hookimpl
def addon_blueprints():
    return [bp]
"""


def test_the_check_finds_leaks(yaprak_database_url, tmp_path):
    """The check can fail: a route of raw SQL leaks, and so does the ORM with its filter off."""
    from sqlalchemy import event

    from core.companies import add_company, enable_addons, get_company
    from core.tenancy import TenantSession, _filter
    from core.testing.plugin import make_runtime
    from core.web import create_app

    from ..conftest import HEALTHY, fixture_eps, write_addon

    module, _ = write_addon(tmp_path / "pkgs", "leaky", LEAKY, depends=["alpha"])
    runtime = make_runtime(
        yaprak_database_url, tmp_path / "i", fixture_eps({**HEALTHY, "leaky": module})
    )
    app = create_app(runtime=runtime)
    for code in ("ACME", "OTHER"):
        with runtime.db.transaction() as s:
            add_company(s, code, code)
        enable_addons(runtime, code, ["beta", "leaky"])
    with runtime.db.Session() as s:
        a, b = get_company(s, "ACME"), get_company(s, "OTHER")
    with runtime.activate():
        leaks = check_isolation(app, a, b)
        assert any(leak.startswith("/leaky/things/<int:thing_id> with") for leak in leaks), leaks
        assert "AlphaThing: changed through a web or API request" in leaks
        orm = ("AlphaThing: read through", "AlphaThing: changed through an UPDATE")
        assert not any(leak.startswith(orm) for leak in leaks)  # the ORM held
        event.remove(TenantSession, "do_orm_execute", _filter)
        try:
            leaks = check_isolation(app, a, b)
        finally:
            event.listen(TenantSession, "do_orm_execute", _filter)
    assert any(leak.startswith("AlphaThing: read through session.get") for leak in leaks)
    assert any(leak.startswith("AlphaThing: changed through an UPDATE") for leak in leaks)
    runtime.db.dispose()
