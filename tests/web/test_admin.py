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
