"""The form helper: partners (core) and the docs request (an add-on's document with lines
and a workflow): field errors in place, input kept, protected fields ignored, actions,
notes, attachments, and another company's record answering 404."""

import re

import pytest
from sqlalchemy import select

from core.models import Attachment, Partner


@pytest.fixture
def acme(make_company):
    return make_company("ACME", addons=["docs"])


def _field_errors(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, message in re.findall(r'data-error-for="([^"]+)">([^<]*)<', html):
        found.setdefault(name, []).append(message)
    return found


def test_bad_input_shows_errors_next_to_fields_and_keeps_the_input(
    acme, company_client, yaprak_runtime
):
    client = company_client(acme)
    token = client.csrf_token()
    r = client.post(
        "/partners/new",
        data={
            "csrf_token": token,
            "name": "Yeni Müşteri <b>",
            "email": "not-an-email",
            "tax_id": "1234567891",
            "credit_limit": "-5",
            "language": "de",
            "is_customer": "1",
            "company_id": "999",
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    errors = _field_errors(html)
    assert set(errors) == {"email", "tax_id", "credit_limit", "language"}
    assert 'value="Yeni Müşteri &lt;b&gt;"' in html  # kept, and escaped
    assert 'value="not-an-email"' in html
    with yaprak_runtime.db.session_for(acme) as s:
        assert s.scalars(select(Partner)).all() == []  # nothing half-written

    ok = client.post(
        "/partners/new",
        data={"csrf_token": token, "name": "Yeni Müşteri", "is_customer": "1", "company_id": "999"},
    )
    assert ok.status_code == 302
    with yaprak_runtime.db.session_for(acme) as s:
        partner = s.scalars(select(Partner)).one()
        assert (partner.name, partner.is_customer, partner.company_id) == (
            "Yeni Müşteri",
            True,
            acme.id,
        )
    edit = client.post(
        f"/partners/{partner.id}", data={"csrf_token": token, "name": "", "is_customer": "1"}
    )
    assert edit.status_code == 400 and "name" in _field_errors(edit.get_data(as_text=True))


def test_another_companys_record_is_not_found(make_company, acme, company_client, yaprak_runtime):
    other = make_company("OTHER")
    with yaprak_runtime.db.transaction(other) as s:
        from core.partners import create_partner

        theirs = create_partner(s, {"name": "Gizli"}).id
    client = company_client(acme)
    token = client.csrf_token()
    assert client.get(f"/partners/{theirs}").status_code == 404
    assert (
        client.post(f"/partners/{theirs}", data={"csrf_token": token, "name": "x"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/records/core.partner/{theirs}/notes", data={"csrf_token": token, "body": "x"}
        ).status_code
        == 404
    )
    assert client.get("/partners/987654").status_code == 404
    with yaprak_runtime.db.session_for(other) as s:
        assert s.get(Partner, theirs).name == "Gizli"


def test_document_with_lines_actions_notes_and_attachments(acme, company_client, yaprak_runtime):
    from core.products import create_product

    with yaprak_runtime.db.transaction(acme) as s:
        product = create_product(s, {"code": "P1", "name": "Kalem", "list_price": "10"}).id
    client = company_client(acme, roles=["docs.requester"])
    token = client.csrf_token()
    bad = client.post(
        "/docs/requests/new",
        data={
            "csrf_token": token,
            "note": "ilk",
            "lines-0-product_id": str(product),
            "lines-0-quantity": "abc",
            "lines-0-unit_price": "12.5",
            "lines-1-description": "ikinci",
            "lines-1-quantity": "2",
            "lines-1-unit_price": "7",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'name="lines-0-quantity"' in html and 'value="abc"' in html  # the line is kept
    assert "quantity" in _field_errors(html)
    created = client.post(
        "/docs/requests/new",
        data={
            "csrf_token": token,
            "note": "ilk",
            "state": "approved",
            "amount_total": "1",
            "lines-0-product_id": str(product),
            "lines-0-quantity": "3",
            "lines-0-unit_price": "12.5",
            "lines-1-description": "ikinci",
            "lines-1-quantity": "2",
            "lines-1-unit_price": "7",
        },
    )
    assert created.status_code == 302
    url = created.location
    page = client.get(url).get_data(as_text=True)
    assert 'data-state="draft"' in page  # state and totals never come from input
    assert "61,80" in page  # (3 x 12.50 + 2 x 7) + 20% VAT, in Turkish
    assert 'data-action="submit"' in page and 'data-action="done"' not in page
    request_id = int(url.rsplit("/", 1)[1])
    # remove the second line, change the first
    client.post(
        url,
        data={
            "csrf_token": token,
            "note": "ilk",
            "lines-0-id": re.search(r'name="lines-0-id" value="(\d+)"', page).group(1),
            "lines-0-product_id": str(product),
            "lines-0-quantity": "1",
            "lines-0-unit_price": "10",
            "lines-1-id": re.search(r'name="lines-1-id" value="(\d+)"', page).group(1),
            "lines-1-description": "ikinci",
            "lines-1-quantity": "2",
            "lines-1-unit_price": "7",
            "lines-1-delete": "1",
        },
    )
    page = client.get(url).get_data(as_text=True)
    lines = re.findall(r'name="lines-(\d+)-description"\s+type="text"\s+value="([^"]*)"', page)
    assert len(lines) == 1 + 3  # one line left, three blank rows for new ones
    assert [d for _, d in lines if d] == []  # "ikinci" is gone; the first line has none
    assert 'data-value-of="amount_total">12,00' in page  # 1 x 10 + 20% VAT
    # the workflow action from its button
    submitted = client.post(
        f"/records/docs.request/{request_id}/actions/submit", data={"csrf_token": token}
    )
    assert submitted.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'data-state="approved"' in page  # 12.00 TL: under the first band, no approver
    assert 'data-action="done"' in page and 'data-action="submit"' not in page
    refused = client.post(
        f"/records/docs.request/{request_id}/actions/reopen", data={"csrf_token": token}
    )
    assert refused.status_code == 302
    refusal = "&#39;reopen&#39; işlemi &#39;approved&#39; durumundayken yapılamaz"  # translated
    assert refusal in client.get(url).get_data(as_text=True)
    client.post(f"/records/docs.request/{request_id}/actions/done", data={"csrf_token": token})
    page = client.get(url).get_data(as_text=True)
    assert 'data-state="done"' in page and re.search(r"RQ-\d{4}-0001", page)
    # notes and the audit trail make the timeline
    client.post(
        f"/records/docs.request/{request_id}/notes",
        data={"csrf_token": token, "body": "<i>not</i> bir"},
    )
    page = client.get(url).get_data(as_text=True)
    assert "&lt;i&gt;not&lt;/i&gt; bir" in page
    assert "activity-transition" in page and "activity-create" in page
    # attachments: uploaded, listed, downloaded as a file, never rendered
    from io import BytesIO

    up = client.post(
        f"/records/docs.request/{request_id}/attachments",
        data={
            "csrf_token": token,
            "file": (BytesIO(b"<html><script>x</script></html>"), "teklif.html"),
        },
        content_type="multipart/form-data",
    )
    assert up.status_code == 302
    with yaprak_runtime.db.session_for(acme) as s:
        attachment = s.scalars(select(Attachment)).one()
    download = client.get(f"/records/docs.request/{request_id}/attachments/{attachment.id}")
    assert download.get_data() == b"<html><script>x</script></html>"
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "teklif.html" in client.get(url).get_data(as_text=True)


def test_a_disabled_addons_records_are_not_found(make_company, company_client, yaprak_runtime):
    plain = make_company("PLAIN")
    client = company_client(plain)
    assert client.get("/docs/requests/new").status_code == 404
    assert (
        client.post(
            "/records/docs.request/1/notes", data={"csrf_token": client.csrf_token(), "body": "x"}
        ).status_code
        == 404
    )


def test_field_errors_speak_the_users_language(acme, company_client):
    from core.i18n import translate_message

    client = company_client(acme)
    token = client.csrf_token()
    data = {"csrf_token": token, "name": "x" * 201, "email": "yok", "credit_limit": "-1"}
    errors = _field_errors(client.post("/partners/new", data=data).get_data(as_text=True))
    assert errors["name"] == ["Uzunluk 1 ile 200 arasında olmalı."]  # a template, filled in
    assert errors["email"] == ["Geçerli bir e-posta adresi değil."]
    assert errors["credit_limit"] == ["negatif olamaz"]
    client.post("/language", data={"language": "en", "csrf_token": token})
    errors = _field_errors(client.post("/partners/new", data=data).get_data(as_text=True))
    assert errors["name"] == ["Length must be between 1 and 200."]
    assert errors["email"] == ["Not a valid email address."]
    assert translate_message("a message nobody translated") == "a message nobody translated"


def test_numbers_are_read_as_the_user_writes_them(acme, company_client, yaprak_runtime):
    client = company_client(acme)
    token = client.csrf_token()
    for typed, stored in [
        ("1.234,50", "1234.50"),
        ("1234,5", "1234.50"),
        ("250000.00", "250000.00"),
    ]:
        r = client.post(
            "/partners/new", data={"csrf_token": token, "name": f"T {typed}", "credit_limit": typed}
        )
        assert r.status_code == 302, typed
        with yaprak_runtime.db.session_for(acme) as s:
            partner = s.scalars(select(Partner).where(Partner.name == f"T {typed}")).one()
            assert str(partner.credit_limit) == stored
    client.post("/language", data={"language": "en", "csrf_token": token})
    r = client.post(
        "/partners/new", data={"csrf_token": token, "name": "E", "credit_limit": "1,234.5"}
    )
    assert r.status_code == 302
    with yaprak_runtime.db.session_for(acme) as s:
        assert (
            str(s.scalars(select(Partner).where(Partner.name == "E")).one().credit_limit)
            == "1234.50"
        )
    bad = client.post(
        "/partners/new", data={"csrf_token": token, "name": "X", "credit_limit": "12a"}
    )
    assert bad.status_code == 400 and "credit_limit" in _field_errors(bad.get_data(as_text=True))


def test_choices_show_labels_not_codes(acme, company_client):
    page = company_client(acme).get("/products/new").get_data(as_text=True)
    assert '<option value="service" >Hizmet</option>' in page or ">Hizmet</option>" in page
    assert "adet (C62)" in page or "Adet (C62)" in page
    partner = company_client(acme).get("/partners/new").get_data(as_text=True)
    assert ">Türkçe</option>" in partner and ">English</option>" in partner


def test_a_partners_page_shows_its_history(acme, company_client):
    client = company_client(acme)
    token = client.csrf_token()
    created = client.post(
        "/partners/new", data={"csrf_token": token, "name": "Eski Ad", "phone": "0212 555 01 00"}
    )
    url = created.location
    client.post(url, data={"csrf_token": token, "name": "Yeni Ad", "phone": "0212 555 01 00"})
    page = client.get(url).get_data(as_text=True)
    assert "activity-create" in page and "activity-update" in page
    assert re.search(r"<code>name</code>: Eski Ad → Yeni Ad", page)


def test_values_no_column_can_hold_are_field_errors(acme, company_client):
    """A crafted form (an id past the integer range, a name past its column) is refused by
    field, the same on both engines, before any query uses the value."""
    client = company_client(acme)
    data = {"csrf_token": client.csrf_token(), "name": "Ok", "group_id": str(10**12)}
    r = client.post("/partners/new", data=data)
    assert r.status_code == 400
    assert "group_id" in _field_errors(r.get_data(as_text=True))
