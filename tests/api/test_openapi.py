"""The OpenAPI document, errors as JSON, and no traceback, SQL or path in any answer."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields


def test_the_openapi_document_lists_core_and_addon_resources(client, company_client, make_company):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Yaprak"
    assert doc["info"]["version"] == version("yaprak")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "yk_...",
    }
    assert doc["security"] == [{"bearerAuth": []}]
    paths = doc["paths"]
    for path in (
        "/api/v1/core/company",
        "/api/v1/core/partners",
        "/api/v1/core/partners/{record_id}",
        "/api/v1/core/products",
        "/api/v1/core/products/{record_id}",
        "/api/v1/docs/requests",
        "/api/v1/docs/requests/{record_id}",
        "/api/v1/docs/requests/{record_id}/actions/{action}",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/core/partners"]) == {"get", "post"}
    assert set(paths["/api/v1/core/partners/{record_id}"]) - {"parameters"} == {"get", "patch"}
    params = {p["name"] for p in paths["/api/v1/core/partners"]["get"]["parameters"]}
    assert {"q", "sort", "after", "before", "per_page", "f.is_customer"} <= params
    assert {"f.credit_limit.from", "f.credit_limit.to"} <= params
    partner = doc["components"]["schemas"]["Partner"]
    assert partner["properties"]["id"]["readOnly"] is True
    request_schema = doc["components"]["schemas"]["Request"]["properties"]
    assert all(request_schema[f]["readOnly"] for f in ("state", "number", "amount_total"))
    # the document lists every installed add-on, also for a company without it
    other = company_client(make_company("OTHER"))
    assert "/api/v1/docs/requests" in other.get("/api/v1/openapi.json").get_json()["paths"]
    assert other.get("/api/v1/docs/requests").status_code == 404  # but the gate holds


def test_the_document_needs_a_token(yaprak_app, acme):
    r = yaprak_app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 401
    assert r.get_json()["error"]["status"] == 401


def test_http_errors_are_json(client, company_client, make_company):
    r = client.delete("/api/v1/core/partners/1")
    assert r.status_code == 405
    assert r.get_json()["error"]["status"] == 405
    r = client.get("/api/v1/core/nothing-here")
    assert r.status_code == 404
    error = r.get_json()["error"]
    assert set(r.get_json()) == {"error"} and set(error) == {"status", "title", "message"}
    assert (error["status"], error["title"]) == (404, "Not Found")
    no_role = company_client(make_company("SOLO", addons=["docs"]), roles=["user"])
    r = no_role.post("/api/v1/core/company", json={})
    assert r.status_code == 405  # the company is read and changed, never created
    r = no_role.patch("/api/v1/core/company", json={"name": "Mine"})
    assert r.status_code == 403
    assert r.get_json()["error"] == {
        "status": 403,
        "title": "Forbidden",
        "message": "This needs the role admin.",
    }
    bad = client.get("/api/v1/core/partners", headers={"Authorization": "Bearer yk_nope"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["message"] == "invalid or revoked token"


def test_webargs_422_becomes_a_400_with_field_errors(yaprak_runtime, acme):
    """An add-on using flask-smorest's ``@blp.arguments`` gets the API's error shape."""
    from core.testing.plugin import client_for
    from core.web import create_app

    app = create_app(runtime=yaprak_runtime)
    blp = Blueprint("probe", __name__)

    class Probe(Schema):
        size = fields.Integer(required=True)

    @blp.route("/probe", methods=["POST"])
    @blp.arguments(Probe)
    @blp.response(200, Probe)
    def probe(data):
        return data

    app.extensions["yaprak.api"].register_blueprint(blp, url_prefix="/api/v1/probe")
    client = client_for(app, acme)
    r = client.post("/api/v1/probe/probe", json={"size": "big"})
    assert r.status_code == 400
    assert r.get_json() == {"errors": {"size": ["Not a valid integer."]}}
    assert client.post("/api/v1/probe/probe", json={"size": 3}).get_json() == {"size": 3}


@pytest.mark.parametrize("where", ["sql", "python"])
def test_an_unhandled_error_answers_500_json_without_details(yaprak_runtime, acme, where):
    from sqlalchemy import text

    from core.testing.plugin import client_for
    from core.web import create_app
    from core.web.context import db_session

    app = create_app(runtime=yaprak_runtime, PROPAGATE_EXCEPTIONS=False)

    def boom():
        if where == "sql":
            db_session().execute(text("SELECT secret_column FROM no_such_table_xyz"))
        raise RuntimeError(f"failed reading {__file__}: Traceback (most recent call last)")

    app.add_url_rule("/api/v1/core/boom", "boom", boom)
    r = client_for(app, acme).get("/api/v1/core/boom")
    assert r.status_code == 500
    assert r.get_json() == {
        "error": {
            "status": 500,
            "title": "Internal Server Error",
            "message": "Something went wrong.",
        }
    }
    body = r.get_data(as_text=True)
    for leak in ("Traceback", "SELECT", "no_such_table", "secret_column", ".py", "/work", "/tmp"):
        assert leak not in body
