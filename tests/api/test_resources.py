"""Resources registered with ``register_resource``: core partners and products, docs requests."""

from __future__ import annotations

import pytest


def _partner(client, **fields):
    r = client.post("/api/v1/core/partners", json={"name": "Ayşe Tekstil", **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_partners_create_read_change(client):
    made = _partner(client, is_customer=True, email="info@ayse.test", credit_limit="1500.5")
    assert made["credit_limit"] == "1500.50" and made["is_customer"] is True
    got = client.get(f"/api/v1/core/partners/{made['id']}").get_json()
    assert got == made
    r = client.patch(f"/api/v1/core/partners/{made['id']}", json={"phone": "+90 212 555 00 00"})
    assert r.status_code == 200
    assert r.get_json()["phone"] == "+90 212 555 00 00"
    assert r.get_json()["email"] == "info@ayse.test"  # what is not sent is kept


def test_list_pages_filters_sort_and_search(client):
    for i, name in enumerate(["Cıvata", "Işık", "Ağaç", "Demir", "Bakır"]):
        _partner(client, name=name, is_customer=i % 2 == 0, credit_limit=str(i * 100))
    r = client.get("/api/v1/core/partners?sort=name&per_page=2")
    first = r.get_json()
    assert [p["name"] for p in first["items"]] == ["Ağaç", "Bakır"]
    assert first["total"] == 5 and first["prev"] is None and first["next"]
    second = client.get(f"/api/v1/core/partners?sort=name&per_page=2&after={first['next']}")
    second = second.get_json()
    assert [p["name"] for p in second["items"]] == ["Cıvata", "Demir"]
    back = client.get(f"/api/v1/core/partners?sort=name&per_page=2&before={second['prev']}")
    assert [p["name"] for p in back.get_json()["items"]] == ["Ağaç", "Bakır"]
    customers = client.get("/api/v1/core/partners?f.is_customer=1&sort=-name").get_json()
    assert [p["name"] for p in customers["items"]] == ["Cıvata", "Bakır", "Ağaç"]
    assert customers["total"] == 3
    rich = client.get("/api/v1/core/partners?f.credit_limit.from=250").get_json()
    assert {p["name"] for p in rich["items"]} == {"Demir", "Bakır"}
    found = client.get("/api/v1/core/partners?q=isik").get_json()  # Turkish-aware search
    assert [p["name"] for p in found["items"]] == ["Işık"]


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ("sort=nope", "sort"),
        ("sort=name;DROP TABLE core_partner", "sort"),
        ("f.nope=1", "f.nope"),
        ("f.is_customer=1' OR '1'='1", "f.is_customer"),
        ("f.credit_limit.from=1;DELETE FROM core_partner", "f.credit_limit.from"),
        ("after=not-a-cursor", "after"),
        ("before=WzEsMl0", "before"),  # valid base64 JSON, not a cursor of this sort
        ("per_page=0", "per_page"),
        ("per_page=many", "per_page"),
        ("group=is_customer", "group"),  # page-only arguments are not API arguments
    ],
)
def test_bad_list_arguments_are_400_naming_them(client, query, argument):
    _partner(client)
    r = client.get(f"/api/v1/core/partners?{query}")
    assert r.status_code == 400, r.get_json()
    assert list(r.get_json()["errors"]) == [argument]
    assert client.get("/api/v1/core/partners").get_json()["total"] == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "language": "xx"}, "language"),  # unknown enum value
        ({"name": "x", "is_customer": "maybe"}, "is_customer"),  # wrong type
        ({"name": "x", "credit_limit": "-5"}, "credit_limit"),
        ({"name": "x" * 201}, "name"),  # too long
        ({"name": "x", "tax_office": "y" * 101}, "tax_office"),
        ({"name": "x", "group_id": 10**12}, "group_id"),  # out of any id's range
        ({"name": "x", "group_id": 999}, "group_id"),  # no such group here
        ({"name": "x", "credit_limit": "1e30"}, "credit_limit"),  # more than the column holds
        ({}, "name"),  # required
        ({"name": "x", "colour": "red"}, "colour"),  # unknown field
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(client, payload, field):
    r = client.post("/api/v1/core/partners", json=payload)
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["errors"]
    assert client.get("/api/v1/core/partners").get_json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"42", b"null", b"{not json"],
)
def test_a_body_that_is_not_a_json_object_is_400(client, body):
    for path, method in (("/api/v1/core/partners", "post"), ("/api/v1/core/company", "patch")):
        r = getattr(client, method)(path, data=body, content_type="application/json")
        assert r.status_code == 400
        assert r.get_json() == {"errors": {"_schema": ["send a JSON object"]}}


def test_protected_fields_are_refused_and_change_nothing(client, acme, make_company):
    made = _partner(client)
    other = make_company("OTHER")
    for field, value in (("id", 999), ("company_id", other.id)):
        r = client.patch(f"/api/v1/core/partners/{made['id']}", json={field: value, "name": "Y"})
        assert r.status_code == 400
        assert r.get_json() == {"errors": {field: ["Unknown field."]}}
    r = client.post("/api/v1/core/partners", json={"name": "Z", "company_id": other.id})
    assert r.status_code == 400 and "company_id" in r.get_json()["errors"]
    assert client.get(f"/api/v1/core/partners/{made['id']}").get_json() == made

    doc = client.post("/api/v1/docs/requests", json={"note": "n"}).get_json()
    for field, value in (
        ("state", "done"),
        ("number", "RQ-1"),
        ("amount_total", "1.00"),
        ("approvals", []),
    ):
        r = client.patch(f"/api/v1/docs/requests/{doc['id']}", json={field: value})
        assert r.status_code == 400, field
        assert field in r.get_json()["errors"]
    assert client.get(f"/api/v1/docs/requests/{doc['id']}").get_json() == doc


def test_another_companys_record_is_not_found_like_a_missing_one(
    client, make_company, company_client
):
    other = company_client(make_company("OTHER"))
    theirs = _partner(other, name="Gizli")
    mine = _partner(client, name="Açık")
    missing = client.get("/api/v1/core/partners/987654")
    hidden = client.get(f"/api/v1/core/partners/{theirs['id']}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["error"]["title"] == missing.get_json()["error"]["title"]
    r = client.patch(f"/api/v1/core/partners/{theirs['id']}", json={"name": "Stolen"})
    assert r.status_code == 404
    assert other.get(f"/api/v1/core/partners/{theirs['id']}").get_json()["name"] == "Gizli"
    assert [p["id"] for p in client.get("/api/v1/core/partners").get_json()["items"]] == [
        mine["id"]
    ]
    assert client.get("/api/v1/core/partners/99999999999999999999").status_code == 404


def test_products(client):
    r = client.post(
        "/api/v1/core/products",
        json={"code": "P-1", "name": "Şeker", "type": "goods", "list_price": "12.5"},
    )
    assert r.status_code == 201, r.get_json()
    product = r.get_json()
    assert client.post(
        "/api/v1/core/products", json={"code": "P-2", "name": "X", "type": "gas"}
    ).get_json()["errors"] == {"type": ["Must be one of: goods, service."]}
    listed = client.get("/api/v1/core/products?f.type=goods").get_json()
    assert [p["id"] for p in listed["items"]] == [product["id"]]
    assert client.get("/api/v1/core/products?f.type=gas").status_code == 400
    r = client.patch(f"/api/v1/core/products/{product['id']}", json={"name": "Toz şeker"})
    assert r.get_json()["name"] == "Toz şeker" and r.get_json()["code"] == "P-1"


def test_roles_and_the_gate(acme, company_client, make_company):
    reader = company_client(acme, roles=["user"])  # no docs.requester role
    r = reader.get("/api/v1/docs/requests")
    assert r.status_code == 403
    assert r.get_json()["error"]["status"] == 403
    assert reader.post("/api/v1/docs/requests", json={}).status_code == 403
    outsider = company_client(make_company("NODOCS"))
    r = outsider.get("/api/v1/docs/requests")
    assert r.status_code == 404 and r.get_json()["error"]["status"] == 404


def test_a_document_with_lines_and_workflow_actions(client, acme, company_client):
    r = client.post(
        "/api/v1/docs/requests",
        json={
            "note": "Kırtasiye",
            "lines": [
                {"description": "Kalem", "quantity": "10", "unit_price": "12.50"},
                {"description": "Defter", "quantity": "2", "unit_price": "100", "tax_rate": 10},
            ],
        },
    )
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    assert doc["state"] == "draft" and doc["number"] is None
    assert doc["amount_total"] == "370.00"  # 125 * 1.2 + 200 * 1.1
    assert [line["net"] for line in doc["lines"]] == ["125.00", "200.00"]
    url = f"/api/v1/docs/requests/{doc['id']}"

    r = client.patch(url, json={"note": "Kırtasiye (acil)"})
    assert r.get_json()["lines"] == doc["lines"]  # not sent: kept
    bad = client.patch(url, json={"lines": [{"description": "no quantity"}]})
    assert bad.status_code == 400
    assert bad.get_json() == {
        "errors": {"lines": {"0": {"quantity": ["Missing data for required field."]}}}
    }
    bad = client.patch(url, json={"lines": [{"quantity": "1", "tax_rate": 7}]})
    assert bad.status_code == 400 and "tax_rate" in bad.get_json()["errors"]["lines"]["0"]

    names = [a["name"] for a in client.get(f"{url}/actions").get_json()["actions"]]
    assert names == ["submit", "cancel"]
    refused = client.post(f"{url}/actions/done")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["title"] == "Conflict"
    assert "not allowed from state 'draft'" in refused.get_json()["error"]["message"]
    unknown = client.post(f"{url}/actions/explode")
    assert unknown.status_code == 400 and "action" in unknown.get_json()["errors"]

    assert client.post(f"{url}/actions/submit").get_json()["state"] == "submitted"
    r = client.patch(url, json={"note": "late"})
    assert r.status_code == 400
    assert r.get_json() == {"errors": {"_schema": ["only a draft request can be changed"]}}
    own = client.post(f"{url}/actions/approve")
    assert own.status_code == 409 and "self-approval" in own.get_json()["error"]["message"]
    approver = company_client(acme, roles=["docs.approver"])
    r = approver.post(f"{url}/actions/approve", json={"comment": "ok"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "approved"
    r = client.post(f"{url}/actions/done", json=["not", "an", "object"])
    assert r.status_code == 400
    done = client.post(f"{url}/actions/done").get_json()
    assert done["state"] == "done" and done["number"].startswith("RQ-")

    listed = client.get("/api/v1/docs/requests?f.state=done").get_json()
    assert [d["id"] for d in listed["items"]] == [doc["id"]]
    assert client.get("/api/v1/docs/requests?f.state=nope").status_code == 400
    # sorting by a column that may be empty: numbered pages
    numbered = client.get("/api/v1/docs/requests?sort=number").get_json()
    assert numbered["page"] == 1 and numbered["pages"] == 1 and numbered["total"] == 1

    veto = client.post("/api/v1/docs/requests", json={"note": "veto"}).get_json()
    r = client.post(f"/api/v1/docs/requests/{veto['id']}/actions/submit")
    assert r.status_code == 409
    assert r.get_json()["error"]["message"] == "docs refuses: the note says veto"
    assert client.get(f"/api/v1/docs/requests/{veto['id']}").get_json()["state"] == "draft"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("f.credit_limit.from=100.001", ["B"]),  # rounded up to the column's 2 places
        ("f.credit_limit.to=100.009", ["A"]),  # rounded down
        ("f.credit_limit.from=100&f.credit_limit.to=100", ["A"]),
    ],
)
def test_number_filters_with_more_places_than_the_column(client, query, names):
    _partner(client, name="A", credit_limit="100.00")
    _partner(client, name="B", credit_limit="100.01")
    r = client.get(f"/api/v1/core/partners?{query}&sort=name")
    assert r.status_code == 200, r.get_json()
    assert [p["name"] for p in r.get_json()["items"]] == names


def test_number_filters_beyond_any_column_are_refused(client):
    r = client.get("/api/v1/core/partners?f.credit_limit.from=9.2e16")
    assert r.status_code == 400
    assert list(r.get_json()["errors"]) == ["f.credit_limit.from"]
