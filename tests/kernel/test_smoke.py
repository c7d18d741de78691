def test_enable_and_pages(make_company, company_client, yaprak_runtime):
    acme = make_company("ACME", addons=["beta"])
    other = make_company("OTHER")
    assert acme.enabled_addons == {"alpha", "beta"}
    client = company_client(acme)
    r = client.get("/alpha/")
    assert r.status_code == 200, r.data
    assert b"1 things" in r.data
    assert b"beta says hello" in r.data
    assert company_client(other).get("/alpha/").status_code == 404
