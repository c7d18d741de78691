"""Extending another add-on's document: own table, form section, API field, PDF context,
written in the same transaction as the document change."""

import io
import textwrap

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.kernel.errors import KernelError

from ..conftest import write_addon


@pytest.fixture
def acme(make_company):
    return make_company("ACME", addons=["beta"])


def _thing_id(runtime, company):
    from yk_alpha.models import AlphaThing

    with runtime.db.Session() as s:
        return s.scalar(select(AlphaThing.id).where(AlphaThing.company_id == company.id))


def test_beta_shows_its_data_on_alphas_document(acme, company_client, yaprak_runtime):
    client = company_client(acme)
    thing = _thing_id(yaprak_runtime, acme)

    got = client.get(f"/api/v1/alpha/things/{thing}").get_json()
    assert got == {"id": thing, "name": "Default thing", "beta_note": None}

    r = client.patch(
        f"/api/v1/alpha/things/{thing}", json={"name": "Renamed", "beta_note": "fragile"}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"id": thing, "name": "Renamed", "beta_note": "fragile"}

    page = client.get(f"/alpha/things/{thing}").get_data(as_text=True)
    assert "<h2>Beta note</h2>" in page and "<p class='beta-note'>fragile</p>" in page

    pdf = client.get(f"/alpha/things/{thing}.pdf")
    assert pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Thing: Renamed" in text
    assert "Beta note: fragile" in text


def test_a_refusal_in_the_extension_rolls_back_the_document_change(
    acme, company_client, yaprak_runtime
):
    client = company_client(acme)
    thing = _thing_id(yaprak_runtime, acme)
    r = client.patch(
        f"/api/v1/alpha/things/{thing}", json={"name": "Half", "beta_note": "forbidden"}
    )
    assert r.status_code == 400
    assert r.get_json() == {"errors": {"beta_note": ["this note is not allowed"]}}
    got = client.get(f"/api/v1/alpha/things/{thing}").get_json()
    assert got["name"] == "Default thing"  # nothing half-written
    assert got["beta_note"] is None


def test_without_the_extension_the_document_has_no_extra_field(
    make_company, company_client, yaprak_runtime
):
    solo = make_company("SOLO", addons=["alpha"])
    client = company_client(solo)
    thing = _thing_id(yaprak_runtime, solo)
    assert client.get(f"/api/v1/alpha/things/{thing}").get_json() == {
        "id": thing,
        "name": "Default thing",
    }
    r = client.patch(f"/api/v1/alpha/things/{thing}", json={"beta_note": "x"})
    assert r.status_code == 400
    assert r.get_json() == {"errors": {"beta_note": ["Unknown field."]}}
    assert "Beta note" not in client.get(f"/alpha/things/{thing}").get_data(as_text=True)


def test_two_addons_adding_one_field_is_refused_by_name(runtime_with, tmp_path):
    hooks = textwrap.dedent("""
        from marshmallow import fields

        @hookimpl
        def extend_schema(schema_name, company):
            return {"shared_field": fields.String()}
    """)
    m1, _ = write_addon(tmp_path / "pkgs", "one", hooks)
    m2, _ = write_addon(tmp_path / "pkgs", "two", hooks)
    rt = runtime_with({"one": m1, "two": m2})
    from core.schemas import CompanySchema, extended_schema

    with pytest.raises(
        KernelError, match=r"core.company.shared_field is added by both one and two"
    ):
        extended_schema(
            CompanySchema, "core.company", rt.kernel.relay({"one", "two"}), company=None
        )
    schema = extended_schema(CompanySchema, "core.company", rt.kernel.relay({"one"}), company=None)
    assert "shared_field" in schema.fields
