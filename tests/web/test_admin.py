"""Admin pages: add-ons per company, with the kernel's dependency rules."""

import re

from core.companies import enable_addons


def test_admins_enable_and_disable_addons_with_their_dependencies(
    make_company, company_client, yaprak_runtime
):
    acme = make_company("ACME")
    admin = company_client(acme)
    token = admin.csrf_token()
    page = admin.get("/admin/addons").get_data(as_text=True)
    assert re.search(r'data-addon="beta" data-enabled="0"', page)
    assert admin.get("/alpha/").status_code == 404
    assert admin.post("/admin/addons/beta/enable", data={"csrf_token": token}).status_code == 302
    page = admin.get("/admin/addons").get_data(as_text=True)
    # beta depends on alpha: both enabled, and alpha cannot go while beta needs it
    assert 'data-addon="alpha" data-enabled="1"' in page
    assert 'data-addon="beta" data-enabled="1"' in page
    assert admin.get("/alpha/").status_code == 200
    admin.post("/admin/addons/alpha/disable", data={"csrf_token": token})
    page = admin.get("/admin/addons").get_data(as_text=True)
    assert 'data-addon="alpha" data-enabled="1"' in page
    assert "beta depends on it" in page  # the kernel's refusal, shown as a message
    admin.post("/admin/addons/beta/disable", data={"csrf_token": token})
    admin.post("/admin/addons/alpha/disable", data={"csrf_token": token})
    assert admin.get("/alpha/").status_code == 404
    assert admin.post("/admin/addons/nosuch/enable", data={"csrf_token": token}).status_code == 404


def test_only_admins_reach_the_admin_pages(make_company, company_client, yaprak_runtime):
    acme = make_company("ACME")
    enable_addons(yaprak_runtime, "ACME", ["alpha"])
    user = company_client(acme, roles=["user"])
    assert user.get("/admin/addons").status_code == 403
    r = user.post("/admin/addons/alpha/disable", data={"csrf_token": user.csrf_token()})
    assert r.status_code == 403
    assert user.get("/alpha/").status_code == 200


def test_admins_add_users_and_set_their_roles(make_company, company_client, yaprak_runtime):
    from core.auth import find_user, roles_of
    from core.models import Company

    acme = make_company("ACME", addons=["docs"])
    make_company("OTHER")
    admin = company_client(acme, email="boss@acme.test")
    token = admin.csrf_token()
    bad = admin.post(
        "/admin/users",
        data={"csrf_token": token, "email": "not-an-email", "password": "short", "roles": ["user"]},
    )
    assert bad.status_code == 400 and 'data-error-for="email"' in bad.get_data(as_text=True)
    short = admin.post(
        "/admin/users",
        data={"csrf_token": token, "email": "ayse@acme.test", "password": "short", "roles": []},
    )
    assert 'data-error-for="roles"' in short.get_data(as_text=True)
    ok = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "ayse@acme.test",
            "name": "Ayşe",
            "password": "uzun-parola-1",
            "roles": ["user", "docs.requester"],
        },
    )
    assert ok.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert (
        'data-user="ayse@acme.test"' in page and "docs.approver" in page
    )  # enabled add-on's roles
    with yaprak_runtime.db.Session() as s:
        ayse = find_user(s, "ayse@acme.test")
        company = s.get(Company, acme.id)
        assert roles_of(s, yaprak_runtime.kernel, ayse, company) >= {"user", "docs.requester"}
        ayse_id = ayse.id
    admin.post(f"/admin/users/{ayse_id}/roles", data={"csrf_token": token, "roles": ["manager"]})
    with yaprak_runtime.db.Session() as s:
        ayse = find_user(s, "ayse@acme.test")
        assert roles_of(s, yaprak_runtime.kernel, ayse, s.get(Company, acme.id)) == {
            "manager",
            "user",
        }
    # the last administrator cannot take away their own admin role
    with yaprak_runtime.db.Session() as s:
        boss_id = find_user(s, "boss@acme.test").id
    admin.post(f"/admin/users/{boss_id}/roles", data={"csrf_token": token, "roles": ["user"]})
    assert "hiç yöneticisi kalmazdı" in admin.get("/admin/users").get_data(as_text=True)
    bad_role = admin.post(
        f"/admin/users/{ayse_id}/roles", data={"csrf_token": token, "roles": ["root"]}
    )
    assert bad_role.status_code == 400
    assert (
        admin.post(f"/admin/users/{ayse_id}/remove", data={"csrf_token": token}).status_code == 302
    )
    assert 'data-user="ayse@acme.test"' not in admin.get("/admin/users").get_data(as_text=True)
    # a user of another company is not found here
    other_admin = company_client(make_company("THIRD"), email="x@third.test")
    with yaprak_runtime.db.Session() as s:
        x_id = find_user(s, "x@third.test").id
    r = admin.post(f"/admin/users/{x_id}/roles", data={"csrf_token": token, "roles": ["user"]})
    assert r.status_code == 404
    del other_admin


def test_workflow_bands_and_roles_from_the_admin_page(make_company, company_client):
    acme = make_company("ACME", addons=["docs"])
    admin = company_client(acme)
    token = admin.csrf_token()
    assert "docs.request" in admin.get("/admin/workflows").get_data(as_text=True)
    bad = admin.post(
        "/admin/workflows/docs.request",
        data={"csrf_token": token, "bands": "abc:manager", "accumulate_days": "0"},
    )
    assert bad.status_code == 400 and 'data-error-for="workflow"' in bad.get_data(as_text=True)
    ok = admin.post(
        "/admin/workflows/docs.request",
        data={
            "csrf_token": token,
            "bands": "250:\n-:manager",
            "accumulate_days": "7",
            "role-submit": "manager",
        },
    )
    assert ok.status_code == 302
    page = admin.get("/admin/workflows/docs.request").get_data(as_text=True)
    assert "up to 250" in page and "adding up 7 days" in page
    assert "submit     draft -&gt; submitted  by manager" in page
    admin.post("/admin/workflows/docs.request", data={"csrf_token": token, "reset": "1"})
    assert "up to 100" in admin.get("/admin/workflows/docs.request").get_data(as_text=True)
    assert admin.get("/admin/workflows/sales.order").status_code == 404


def test_sequences_and_outbox_pages(make_company, company_client, yaprak_runtime):
    from core.mail import queue_mail
    from core.models import OutboxMessage

    acme = make_company("ACME", addons=["docs"])
    admin = company_client(acme)
    token = admin.csrf_token()
    page = admin.get("/admin/sequences").get_data(as_text=True)
    assert 'data-sequence="docs.request"' in page and "RQ-" in page
    bad = admin.post(
        "/admin/sequences/docs.request", data={"csrf_token": token, "pattern": "TL-{year}"}
    )
    assert bad.status_code == 400 and "{seq}" in bad.get_data(as_text=True)
    ok = admin.post(
        "/admin/sequences/docs.request",
        data={"csrf_token": token, "pattern": "TAL/{yy}/{seq:03d}", "reset": "yearly"},
    )
    assert ok.status_code == 302
    assert "TAL/" in admin.get("/admin/sequences").get_data(as_text=True)

    with yaprak_runtime.db.transaction(acme) as s:
        queue_mail(
            s,
            to=["a@example.com"],
            template="docs/mail/done",
            context={"document": None},
            attachments=[("Sipariş <1>.html", b"<script>x</script>", "text/html")],
        )
    with yaprak_runtime.db.transaction(acme) as s:
        message = s.scalars(__import__("sqlalchemy").select(OutboxMessage)).one()
        message.state, message.last_error, message_id = (
            "failed",
            "550 mailbox unavailable",
            message.id,
        )
    listing = admin.get("/admin/outbox?f.state=failed").get_data(as_text=True)
    assert "550 mailbox unavailable" in listing
    assert "0,00" not in listing  # attempts are counted, not amounts
    assert f'href="/admin/outbox/{message_id}"' in listing
    shown = admin.get(f"/admin/outbox/{message_id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert 'data-field="to">a@example.com<' in text and "550 mailbox unavailable" in text
    with yaprak_runtime.db.session_for(acme) as s:
        body = s.get(OutboxMessage, message_id).body_text
    assert body.strip() and body.strip().splitlines()[0] in text  # the body is readable
    link = re.search(r'href="([^"]+)" data-attachment="Sipariş &lt;1&gt;.html"', text)
    assert link, "no attachment link"
    got = admin.get(link.group(1))
    assert got.data == b"<script>x</script>"  # as it was attached, and only downloaded:
    assert got.mimetype == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    result = admin.post(
        "/admin/outbox/bulk", data={"csrf_token": token, "action": "retry", "ids": [message_id]}
    )
    assert 'data-ok="1"' in result.get_data(as_text=True)
    with yaprak_runtime.db.session_for(acme) as s:
        assert s.get(OutboxMessage, message_id).state == "queued"
    user = company_client(acme, roles=["user"])
    assert user.get("/admin/outbox").status_code == 403
    assert user.get(f"/admin/outbox/{message_id}").status_code == 403
    other = make_company("OTHER", addons=["docs"])
    assert company_client(other).get(f"/admin/outbox/{message_id}").status_code == 404
    assert user.get("/admin/sequences").status_code == 403


def test_company_settings_form_carries_fields_other_addons_add(
    make_company, company_client, yaprak_runtime
):
    acme = make_company("ACME", addons=["acme_notes"])
    other = make_company("OTHER")
    admin = company_client(acme)
    token = admin.csrf_token()
    form = admin.get("/admin/company")
    assert form.status_code == 302
    page = admin.get(form.location).get_data(as_text=True)
    assert 'name="acme_notes_note"' in page  # added by the third-party add-on
    refused = admin.post(
        form.location,
        data={"csrf_token": token, "name": "Acme Yeni", "acme_notes_note": "<script>x</script>"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'data-error-for="acme_notes_note"' in html and "scripts are not notes" in html
    with yaprak_runtime.db.Session() as s:
        from core.models import Company

        assert s.get(Company, acme.id).name == acme.name  # nothing of the change was kept
    ok = admin.post(
        form.location, data={"csrf_token": token, "name": "Acme Yeni", "acme_notes_note": "Not"}
    )
    assert ok.status_code == 302
    page = admin.get(form.location).get_data(as_text=True)
    assert 'value="Acme Yeni"' in page and 'value="Not"' in page
    assert admin.get(f"/admin/company/{other.id}").status_code == 404
    assert company_client(acme, roles=["user"]).get(form.location).status_code == 403


def test_an_admin_opens_a_new_company(make_company, company_client, yaprak_runtime):
    acme = make_company("ACME")
    admin = company_client(acme)
    token = admin.csrf_token()
    bad = admin.post(
        "/admin/companies/new",
        data={"csrf_token": token, "code": "X Y", "name": "", "currency": "TRY"},
    )
    assert bad.status_code == 400 and 'data-error-for="code"' in bad.get_data(as_text=True)
    dup = admin.post(
        "/admin/companies/new", data={"csrf_token": token, "code": "acme", "name": "Kopya"}
    )
    assert dup.status_code == 400 and "already exists" in dup.get_data(as_text=True)
    ok = admin.post(
        "/admin/companies/new",
        data={"csrf_token": token, "code": "izmir", "name": "İzmir Şube", "currency": "TRY"},
    )
    assert ok.status_code == 302
    settings = admin.get("/admin/company")  # now acting for the new company
    assert "İzmir Şube" in admin.get(settings.location).get_data(as_text=True)
    assert company_client(acme, roles=["user"]).get("/admin/companies/new").status_code == 403


def test_the_company_header_is_edited_on_the_settings_page(
    make_company, company_client, yaprak_runtime
):
    """Tax office, tax number (VKN or a sole proprietor's TCKN, check digits checked as for
    partners), MERSİS, trade registry, phone, e-mail and web: bad input is a message next
    to its field and nothing is saved."""
    from core.models import Company

    acme = make_company("ACME")
    admin = company_client(acme)
    admin.post("/language", data={"language": "en", "csrf_token": admin.csrf_token()})
    token = admin.csrf_token()
    url = admin.get("/admin/company").location
    page = admin.get(url).get_data(as_text=True)
    for name in ("address", "tax_office", "tax_id", "mersis_no", "phone", "email", "website"):
        assert f'name="{name}"' in page
    good = {
        "csrf_token": token,
        "name": "Acme Ticaret A.Ş.",
        "address": "Barbaros Mah. Begonya Sok. No: 3\r\n34746 Ataşehir / İstanbul",
        "tax_office": "Kozyatağı",
        "tax_id": "4682013572",
        "mersis_no": "0468201357200015",
        "trade_registry_no": "845120-5",
        "phone": "+90 216 555 01 23",
        "email": "info@acme.test",
        "website": "www.acme.com.tr",
    }
    bad = {
        **good,
        "tax_id": "4682013573",  # wrong check digit
        "mersis_no": "12345",
        "email": "info-at-acme",
        "website": "acme",
        "phone": "call us",
    }
    refused = admin.post(url, data=bad)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    for name in ("tax_id", "mersis_no", "email", "website", "phone"):
        assert f'data-error-for="{name}"' in html, name
    assert "not a valid Turkish tax number (VKN" in html
    with yaprak_runtime.db.Session() as s:
        kept = s.get(Company, acme.id)
        assert (kept.name, kept.tax_office, kept.tax_id, kept.address) == (acme.name, "", "", "")
    assert admin.post(url, data=good).status_code == 302
    with yaprak_runtime.db.Session() as s:
        saved = s.get(Company, acme.id)
        assert saved.address == "Barbaros Mah. Begonya Sok. No: 3\n34746 Ataşehir / İstanbul"
        assert (saved.tax_office, saved.tax_id, saved.mersis_no) == (
            "Kozyatağı",
            "4682013572",
            "0468201357200015",
        )
        assert (saved.phone, saved.email, saved.website) == (
            "+90 216 555 01 23",
            "info@acme.test",
            "www.acme.com.tr",
        )
    shown = admin.get("/company").get_data(as_text=True)
    assert "Kozyatağı" in shown and "4682013572" in shown and "www.acme.com.tr" in shown
    # a sole proprietorship: the owner's TCKN; a TCKN with a bad check digit is refused
    assert admin.post(url, data={**good, "tax_id": "10000000146"}).status_code == 302
    with yaprak_runtime.db.Session() as s:
        assert s.get(Company, acme.id).tax_id == "10000000146"
    assert admin.post(url, data={**good, "tax_id": "10000000147"}).status_code == 400
    # emptied fields are cleared
    assert admin.post(url, data={**good, "mersis_no": "", "website": ""}).status_code == 302
    with yaprak_runtime.db.Session() as s:
        saved = s.get(Company, acme.id)
        assert (saved.tax_id, saved.mersis_no, saved.website) == ("4682013572", "", "")
    assert 'value="None"' not in admin.get(url).get_data(as_text=True)


def test_the_company_header_from_the_command_line(make_company, cli, yaprak_runtime):
    from core.models import Company

    acme = make_company("ACME")
    out = cli(
        "company", "letterhead", "acme", "--tax-office", "Kozyatağı", "--tax-id", "4682013572",
        "--phone", "+90 216 555 01 23", "--website", "www.acme.com.tr",
    )  # fmt: skip
    assert out.output == "ACME: no address; no logo; Kozyatağı 4682013572.\n"
    refused = cli("company", "letterhead", "ACME", "--tax-id", "4682013573", expect=1)
    assert refused.output.startswith("Error: tax_id: not a valid Turkish tax number (VKN")
    cli("company", "letterhead", "ACME", "--website", "")
    with yaprak_runtime.db.Session() as s:
        company = s.get(Company, acme.id)
        assert (company.tax_id, company.phone, company.website) == (
            "4682013572",
            "+90 216 555 01 23",
            "",
        )
