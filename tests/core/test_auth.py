"""Users, roles, API tokens, login, CSRF and the company switcher."""

import hashlib
import re

import pytest
from sqlalchemy import select

from core.auth import (
    Forbidden,
    add_user,
    all_roles,
    create_token,
    find_user,
    grant,
    has_role,
    membership,
    require_role,
    roles_of,
)
from core.companies import InvalidField, get_company
from core.models import ApiToken, User


def test_cli_user_add_validates_every_field(cli, make_company, yaprak_runtime):
    make_company("ACME", addons=["alpha"])
    r = cli(
        "user",
        "add",
        "ayse@acme.test",
        "--company",
        "ACME",
        "--role",
        "alpha.manager",
        "--password",
        "gizli-parola",
        "--name",
        "Ayşe Yılmaz",
    )
    assert r.output == "User ayse@acme.test added: ACME roles alpha.manager\n"
    r = cli("user", "add", "AYSE@acme.test", "--company", "acme", "--role", "user")
    assert r.output == "User ayse@acme.test updated: ACME roles alpha.manager, user\n"
    with yaprak_runtime.db.Session() as session:  # an existing user keeps her language ...
        assert find_user(session, "ayse@acme.test").language == "tr"
    cli("user", "add", "ayse@acme.test", "--company", "ACME", "--language", "en")
    with yaprak_runtime.db.Session() as session:  # ... unless one is given
        assert find_user(session, "ayse@acme.test").language == "en"
    assert (
        "ayse@acme.test                   ACME: alpha.manager, user" in cli("user", "list").output
    )
    bad = [
        (
            ["not-an-email", "--company", "ACME", "--password", "x" * 8],
            "Error: email: 'not-an-email' is not a valid e-mail address\n",
        ),
        (
            ["b@acme.test", "--company", "ACME", "--password", "short"],
            "Error: password: at least 8 characters\n",
        ),
        (
            ["b@acme.test", "--company", "NOPE", "--password", "x" * 8],
            "Error: unknown company 'NOPE'\n",
        ),
    ]
    for args, message in bad:
        assert cli("user", "add", *args, expect=1).output == message
    r = cli(
        "user",
        "add",
        "c@acme.test",
        "--company",
        "ACME",
        "--role",
        "wizard",
        "--no-password",
        expect=1,
    )
    assert r.output.startswith("Error: role: unknown role 'wizard' (known: admin, alpha.clerk")
    # nothing was written by the refused commands
    assert "b@acme.test" not in cli("user", "list").output
    assert "c@acme.test" not in cli("user", "list").output


def test_roles_imply_roles_and_admin_implies_all(yaprak_runtime, make_company):
    acme = make_company("ACME", addons=["alpha"])
    kernel = yaprak_runtime.kernel
    assert {"admin", "user", "alpha.clerk", "alpha.manager"} <= set(all_roles(kernel))
    with yaprak_runtime.db.transaction() as s:
        company = get_company(s, "ACME")
        manager = add_user(s, "m@acme.test")
        admin = add_user(s, "a@acme.test")
        outsider = add_user(s, "o@acme.test")
        grant(s, kernel, manager, company, ["alpha.manager"])
        grant(s, kernel, admin, company, ["admin"])
        assert roles_of(s, kernel, manager, company) == {"alpha.manager", "alpha.clerk"}
        assert has_role(s, kernel, admin, company, "alpha.clerk")
        assert not has_role(s, kernel, outsider, company, "user")
        require_role(s, kernel, manager, company, "alpha.clerk")
        with pytest.raises(Forbidden, match="o@acme.test does not have the role alpha.clerk"):
            require_role(s, kernel, outsider, company, "alpha.clerk")
    assert acme.code == "ACME"


def test_tokens_are_hashed_shown_once_and_revocable(cli, make_company, yaprak_app, yaprak_runtime):
    make_company("ACME", addons=["alpha"])
    cli("user", "add", "api@acme.test", "--company", "ACME", "--no-password")
    created = cli("token", "create", "api@acme.test", "--company", "ACME", "--name", "erp bridge")
    plain = created.stdout.strip()
    assert plain.startswith("yk_") and len(plain) > 40
    assert "cannot be shown again" in created.stderr
    with yaprak_runtime.db.Session() as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert plain not in (row.token_hash, row.prefix)
    client = yaprak_app.test_client()
    ok = client.get("/api/v1/core/company", headers={"Authorization": f"Bearer {plain}"})
    assert ok.status_code == 200 and ok.get_json()["code"] == "ACME"
    listing = cli("token", "list").output
    assert f"yk_{plain[3:11]}…" in listing and "erp bridge" in listing and "active" in listing
    assert cli("token", "revoke", plain[:11]).output == f"Token {row.id} revoked.\n"
    gone = client.get("/api/v1/core/company", headers={"Authorization": f"Bearer {plain}"})
    assert gone.status_code == 401
    assert (
        cli("token", "revoke", "yk_nosuch", expect=1).output == "Error: no API token 'yk_nosuch'\n"
    )
    assert cli("token", "revoke", "nosuch", expect=1).output.startswith("Error: give a token id")


def test_a_token_needs_a_membership(yaprak_runtime, make_company):
    make_company("ACME")
    other = make_company("OTHER")
    with yaprak_runtime.db.transaction() as s:
        user = add_user(s, "x@acme.test")
        grant(s, yaprak_runtime.kernel, user, get_company(s, "ACME"), ["user"])
        with pytest.raises(Exception, match="x@acme.test is not a member of OTHER"):
            create_token(s, user, get_company(s, other.code))


def _csrf(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_login_logout_and_company_switch(yaprak_app, yaprak_runtime, make_company):
    make_company("ACME")
    make_company("BETA", name="Beta Ltd.")
    make_company("GAMMA", name="Gamma Ltd.")
    with yaprak_runtime.db.transaction() as s:
        user = add_user(s, "ali@acme.test", "Ali", "dogru-parola")
        grant(s, yaprak_runtime.kernel, user, get_company(s, "ACME"), ["user"])
        grant(s, yaprak_runtime.kernel, user, get_company(s, "BETA"), ["user"])
    client = yaprak_app.test_client()
    form = client.get("/login")
    assert form.status_code == 200
    token = _csrf(form)
    wrong = client.post(
        "/login", data={"csrf_token": token, "email": "ali@acme.test", "password": "yanlis-parola"}
    )
    # no Accept-Language and no user yet: Turkish, the default
    assert wrong.status_code == 401 and "E-posta ya da parola yanlış." in wrong.get_data(
        as_text=True
    )
    assert (
        client.post(
            "/login", data={"email": "ali@acme.test", "password": "dogru-parola"}
        ).status_code
        == 400
    )
    ok = client.post(
        "/login?next=https://evil.example/",
        data={"csrf_token": token, "email": "ALI@acme.test", "password": "dogru-parola"},
    )
    assert ok.status_code == 302 and ok.location == "/"  # no open redirect
    home = client.get("/").get_data(as_text=True)
    assert "ACME Ltd." in home and "ali@acme.test" in home
    assert "Beta Ltd." in home and "Gamma Ltd." not in home  # the switcher lists own companies
    with yaprak_runtime.db.Session() as s:
        beta_id, gamma_id = get_company(s, "BETA").id, get_company(s, "GAMMA").id
    assert client.post("/company/switch", data={"company_id": beta_id}).status_code == 400  # CSRF
    token = _csrf(client.get("/"))
    assert (
        client.post(
            "/company/switch", data={"csrf_token": token, "company_id": gamma_id}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/company/switch", data={"csrf_token": token, "company_id": beta_id}
        ).status_code
        == 302
    )
    assert client.get("/api/v1/core/company").get_json()["code"] == "BETA"
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_roles_guard_the_company_api(make_company, company_client):
    acme = make_company("ACME")
    clerk = company_client(acme, roles=["user"])
    r = clerk.patch("/api/v1/core/company", json={"name": "Renamed"})
    assert r.status_code == 403
    assert r.get_json()["error"]["message"] == "This needs the role admin."
    admin = company_client(acme)
    assert admin.patch("/api/v1/core/company", json={"name": "Renamed"}).status_code == 200


def test_inactive_users_cannot_log_in_or_use_tokens(
    yaprak_app, yaprak_runtime, make_company, company_client
):
    acme = make_company("ACME")
    client = company_client(acme)
    with yaprak_runtime.db.transaction() as s:
        s.get(User, client.user_id).active = False
    assert client.get("/api/v1/core/company").status_code == 401
    assert client.get("/").status_code == 302


def test_administering_users(cli, make_company, yaprak_app):
    make_company("ACME", addons=["alpha"])
    cli(
        "user",
        "add",
        "veli@acme.test",
        "--company",
        "ACME",
        "--role",
        "alpha.manager",
        "--role",
        "user",
        "--password",
        "ilk-parola-1",
    )
    again = cli(
        "user", "add", "veli@acme.test", "--company", "ACME", "--password", "x" * 9, expect=1
    )
    assert (
        again.output
        == "Error: veli@acme.test exists: change a password with `yaprak user password`\n"
    )
    assert cli("user", "password", "veli@acme.test", "--password", "yeni-parola-2").output == (
        "Password of veli@acme.test changed.\n"
    )
    assert (
        cli(
            "user", "remove-role", "veli@acme.test", "--company", "ACME", "--role", "alpha.manager"
        ).output
        == "veli@acme.test: roles left in ACME: user\n"
    )
    bad = cli(
        "user", "remove-role", "veli@acme.test", "--company", "ACME", "--role", "admin", expect=1
    )
    assert bad.output == "Error: role: veli@acme.test does not have admin in ACME\n"
    client = yaprak_app.test_client()
    token = _csrf(client.get("/login"))
    login = {"csrf_token": token, "email": "veli@acme.test", "password": "yeni-parola-2"}
    assert client.post("/login", data=login).status_code == 302
    assert cli("user", "deactivate", "veli@acme.test").output == "veli@acme.test is deactivated.\n"
    again = cli("user", "deactivate", "veli@acme.test", expect=1).output
    assert again == "Error: veli@acme.test is deactivated already\n"
    assert client.get("/").status_code == 302  # the session no longer counts
    assert client.post("/login", data=login).status_code == 401
    assert cli("user", "deactivate", "veli@acme.test", "--activate").output == (
        "veli@acme.test can log in again.\n"
    )


def test_a_revoked_token_is_not_revoked_twice(cli, make_company):
    make_company("ACME")
    cli("user", "add", "api@acme.test", "--company", "ACME", "--no-password")
    plain = cli("token", "create", "api@acme.test", "--company", "ACME").stdout.strip()
    cli("token", "revoke", plain[:11])
    assert cli("token", "revoke", plain[:11], expect=1).output.endswith("was revoked already\n")


def test_set_roles_and_remove_member_keep_an_administrator(yaprak_runtime, make_company):
    from core.auth import LastAdministrator, remove_member, set_roles

    make_company("ACME")
    with yaprak_runtime.db.transaction() as s:
        company = get_company(s, "ACME")
        boss = add_user(s, "boss@acme.test", "Boss")
        clerk = add_user(s, "clerk@acme.test", "Clerk")
        grant(s, yaprak_runtime.kernel, boss, company, ["admin"])
        grant(s, yaprak_runtime.kernel, clerk, company, ["user"])
    with yaprak_runtime.db.transaction() as s:
        company = get_company(s, "ACME")
        boss, clerk = find_user(s, "boss@acme.test"), find_user(s, "clerk@acme.test")
        with pytest.raises(LastAdministrator):
            set_roles(s, yaprak_runtime.kernel, boss, company, ["user"])
        with pytest.raises(LastAdministrator):
            remove_member(s, boss, company)
        with pytest.raises(InvalidField):
            set_roles(s, yaprak_runtime.kernel, clerk, company, ["root"])
        assert set_roles(s, yaprak_runtime.kernel, clerk, company, ["admin"]) == {"admin"}
        assert set_roles(s, yaprak_runtime.kernel, boss, company, ["manager"]) == {"manager"}
        remove_member(s, boss, company)
        assert membership(s, boss, company) is None
