"""The third-party package tests/thirdparty/acme_notes, installed with pip, extends the
company record with a table of its own, adds a route, implements and publishes hooks,
with no change to core/ or addons/."""

from importlib.metadata import entry_points

from sqlalchemy import select


def test_it_is_installed_as_a_separate_distribution_and_discovered(yaprak_runtime):
    (ep,) = [ep for ep in entry_points(group="yaprak.addons") if ep.name == "acme_notes"]
    assert ep.dist.metadata["Name"] == "yaprak-acme-notes"
    spec = yaprak_runtime.kernel.available["acme_notes"]
    assert spec.distribution == "yaprak-acme-notes 1.0.0"
    assert "acme_notes" in yaprak_runtime.kernel.loaded
    assert yaprak_runtime.kernel.loaded["acme_notes"].published_hooks == ["acme_notes_tags"]


def test_it_extends_the_company_for_companies_that_enabled_it(
    make_company, company_client, yaprak_runtime
):
    acme = make_company("ACME", addons=["acme_notes"])
    other = make_company("OTHER")
    client = company_client(acme)

    r = client.patch(
        "/api/v1/core/company",
        json={"name": "Acme Yazılım", "acme_notes_note": "#vip #istanbul customer"},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["name"] == "Acme Yazılım"
    assert r.get_json()["acme_notes_note"] == "#vip #istanbul customer"

    from acme_notes.models import CompanyNote

    with yaprak_runtime.db.Session() as s:
        assert (
            s.scalar(select(CompanyNote.note).where(CompanyNote.company_id == acme.id))
            == "#vip #istanbul customer"
        )

    page = client.get("/company").get_data(as_text=True)
    assert '<p class="acme-note">#vip #istanbul customer</p>' in page
    notes = client.get("/acme_notes/").get_data(as_text=True)
    assert "<li>istanbul</li>" in notes and "<li>vip</li>" in notes  # its own published hook
    assert 'href="/acme_notes/">Notes</a>' in notes

    other_client = company_client(other)
    assert other_client.get("/acme_notes/").status_code == 404
    assert "acme_notes_note" not in other_client.get("/api/v1/core/company").get_json()
    assert "Acme note" not in other_client.get("/company").get_data(as_text=True)


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(make_company, company_client):
    acme = make_company("ACME", addons=["acme_notes"])
    client = company_client(acme)
    r = client.patch(
        "/api/v1/core/company", json={"name": "New name", "acme_notes_note": "<script>x</script>"}
    )
    assert r.status_code == 400
    assert r.get_json() == {"errors": {"acme_notes_note": ["scripts are not notes"]}}
    r = client.patch("/api/v1/core/company", json={"name": ""})
    assert r.status_code == 400 and "name" in r.get_json()["errors"]
    r = client.patch("/api/v1/core/company", json={"code": "HACK"})
    assert r.status_code == 400 and "code" in r.get_json()["errors"]
    r = client.patch("/api/v1/core/company", data="not json", content_type="application/json")
    assert r.status_code == 400
    assert client.get("/api/v1/core/company").get_json()["name"] == "ACME Ltd."
