"""The list helper on the partners list: search, filters, sort, group-by, keyset pages,
saved views, bulk actions and exports, with bad arguments refused by name."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.listing import fold_sql
from core.models import Partner
from core.partners import create_partner


@pytest.fixture
def acme(make_company):
    return make_company("ACME")


def _add(runtime, company, *payloads):
    with runtime.db.transaction(company) as session:
        for payload in payloads:
            create_partner(session, payload)


def _names(html: str) -> list[str]:
    """Partner names in the list's first column, in order."""
    return re.findall(r'<td><a href="/partners/\d+">([^<]*)</a>', html)


def test_search_folds_turkish_letters_on_both_engines(acme, company_client, yaprak_runtime):
    _add(
        yaprak_runtime,
        acme,
        {"name": "ŞEKER GIDA A.Ş."},
        {"name": "İSTANBUL TEKSTİL"},
        {"name": "Ilgaz Işık Ltd"},
        {"name": "Ankara Çelik"},
    )
    client = company_client(acme)
    assert _names(client.get("/partners?q=şeker").get_data(as_text=True)) == ["ŞEKER GIDA A.Ş."]
    assert _names(client.get("/partners?q=istanbul").get_data(as_text=True)) == ["İSTANBUL TEKSTİL"]
    assert _names(client.get("/partners?q=ışık").get_data(as_text=True)) == ["Ilgaz Işık Ltd"]
    assert _names(client.get("/partners?q=celik").get_data(as_text=True)) == ["Ankara Çelik"]
    assert _names(client.get("/partners?q=%25").get_data(as_text=True)) == []  # % is literal
    # the SQL fold works on any text column, the same on SQLite and PostgreSQL
    with yaprak_runtime.db.session_for(acme) as session:
        found = session.scalars(
            select(Partner.name).where(fold_sql(Partner.name).like("%istanbul%"))
        ).all()
    assert found == ["İSTANBUL TEKSTİL"]


def test_filters_sort_and_bad_arguments(acme, company_client, yaprak_runtime):
    _add(
        yaprak_runtime,
        acme,
        {"name": "Beta", "is_customer": True, "credit_limit": "500"},
        {"name": "Alfa", "is_customer": True, "credit_limit": "1500"},
        {"name": "Gama", "is_vendor": True},
    )
    client = company_client(acme)
    page = client.get("/partners?f.is_customer=1").get_data(as_text=True)
    assert _names(page) == ["Alfa", "Beta"]
    assert "2.000,00 ₺" in page  # the sum of the credit limits on the filtered list
    assert _names(client.get("/partners?f.is_customer=1&sort=-name").get_data(as_text=True)) == [
        "Beta",
        "Alfa",
    ]
    ranged = client.get("/partners?f.credit_limit.from=1000").get_data(as_text=True)
    assert _names(ranged) == ["Alfa"]
    for query, field in [
        ("sort=password_hash", "sort"),
        ("f.company_id=2", "f.company_id"),
        ("f.is_customer=maybe", "f.is_customer"),
        ("f.group_id=1%27%20OR%20%271%27=%271", "f.group_id"),
        ("f.credit_limit.from=lots", "f.credit_limit.from"),
        ("group=email", "group"),
        ("cols=name,password_hash", "cols"),
        ("per_page=100000", "per_page"),
        ("after=not-a-cursor", "after"),
    ]:
        r = client.get(f"/partners?{query}")
        body = r.get_data(as_text=True)
        assert r.status_code == 400, query
        assert f"{field}:" in body, (query, body)
        assert "Traceback" not in body and "SELECT" not in body


def test_keyset_pages_walk_forward_and_back(acme, company_client, yaprak_runtime):
    _add(yaprak_runtime, acme, *({"name": f"Firma {i:03d}"} for i in range(1, 121)))
    client = company_client(acme)
    first = client.get("/partners?per_page=50").get_data(as_text=True)
    assert _names(first) == [f"Firma {i:03d}" for i in range(1, 51)]
    assert "1–50 of 120" in first or "1–50 / 120" in first or "1–50" in first
    after = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', first).group(1)
    second = client.get("/partners?" + after.replace("&amp;", "&")).get_data(as_text=True)
    assert _names(second) == [f"Firma {i:03d}" for i in range(51, 101)]
    assert re.search(r"51–100", second)
    after = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', second).group(1)
    third = client.get("/partners?" + after.replace("&amp;", "&")).get_data(as_text=True)
    assert _names(third) == [f"Firma {i:03d}" for i in range(101, 121)]
    assert not re.search(r'rel="next"[^>]*>', third.split("disabled")[0]) or "disabled" in third
    before = re.search(r'href="\?([^"]*before=[^"]*)" rel="prev"', third).group(1)
    back = client.get("/partners?" + before.replace("&amp;", "&")).get_data(as_text=True)
    assert _names(back) == [f"Firma {i:03d}" for i in range(51, 101)]
    assert re.search(r"51–100", back)  # the position follows the rows shown
    after = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', back).group(1)
    assert "before=" not in after  # moving forward forgets the way back
    again = client.get("/partners?" + after.replace("&amp;", "&")).get_data(as_text=True)
    assert _names(again) == [f"Firma {i:03d}" for i in range(101, 121)]
    assert re.search(r"101–120", again)


def test_group_by_counts_and_sums(acme, company_client, yaprak_runtime):
    _add(
        yaprak_runtime,
        acme,
        {"name": "A", "is_customer": True, "credit_limit": "100.10"},
        {"name": "B", "is_customer": True, "credit_limit": "200.20"},
        {"name": "C", "is_customer": False, "credit_limit": "5"},
    )
    page = company_client(acme).get("/partners?group=is_customer").get_data(as_text=True)
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    cells = [re.findall(r'<td class="text-end">([^<]*)</td>', row) for row in rows]
    assert ["1", "5,00 ₺"] in cells and ["2", "300,30 ₺"] in cells
    assert re.search(r">evet</a></td>\s*<td class=\"text-end\">2<", page)  # not "True"


def test_group_by_a_link_names_the_linked_records(acme, company_client, yaprak_runtime):
    from core.models import PartnerGroup

    with yaprak_runtime.db.transaction(acme) as s:
        dealers = PartnerGroup(name="Bayi")
        s.add(dealers)
        s.flush()
        dealers_id = dealers.id
    _add(yaprak_runtime, acme, {"name": "A", "group_id": dealers_id}, {"name": "B"})
    page = company_client(acme).get("/partners?group=group_id").get_data(as_text=True)
    assert f"f.group_id={dealers_id}" in page and ">Bayi</a>" in page  # the name, not the id
    assert ">(yok)</a>" in page
    client = company_client(acme)
    for link, names in [(f"f.group_id={dealers_id}", ["A"]), ("f.group_id=none", ["B"])]:
        assert _names(client.get(f"/partners?{link}").get_data(as_text=True)) == names
    customers = client.get("/partners?group=is_customer").get_data(as_text=True)
    assert "f.is_customer=0" in customers  # a link the filter understands


def test_saved_views_are_per_user_and_checked(acme, company_client, yaprak_runtime):
    _add(yaprak_runtime, acme, {"name": "Alıcı", "is_customer": True}, {"name": "Satıcı"})
    me, other = company_client(acme), company_client(acme)
    token = me.csrf_token()
    saved = me.post(
        "/views",
        data={
            "csrf_token": token,
            "list_key": "core.partners",
            "name": "Müşteriler",
            "query": "f.is_customer=1&sort=-name&after=xyz",
            "is_default": "1",
            "next": "/partners",
        },
    )
    assert saved.status_code == 302
    landing = me.get("/partners")
    assert landing.status_code == 302 and "f.is_customer=1" in landing.location
    assert "after" not in landing.location  # paging is not part of a view
    assert _names(me.get(landing.location).get_data(as_text=True)) == ["Alıcı"]
    assert other.get("/partners").status_code == 200  # not the other user's default
    assert "Müşteriler" not in other.get("/partners").get_data(as_text=True)
    bad = me.post(
        "/views",
        data={"csrf_token": token, "list_key": "core.partners", "name": "x", "query": "f.nope=1"},
    )
    assert bad.status_code == 400 and "query.f.nope" in bad.get_data(as_text=True)
    view_id = re.search(r"/views/(\d+)/delete", me.get("/partners?view=all").get_data(as_text=True))
    theirs = other.post(
        f"/views/{view_id.group(1)}/delete", data={"csrf_token": other.csrf_token()}
    )
    assert theirs.status_code == 404
    assert (
        me.post(f"/views/{view_id.group(1)}/delete", data={"csrf_token": token}).status_code == 302
    )
    assert me.get("/partners").status_code == 200


def test_bulk_actions_report_each_record(make_company, acme, company_client, yaprak_runtime):
    other = make_company("OTHER")
    _add(yaprak_runtime, acme, {"name": "Bir"}, {"name": "İki"}, {"name": "Üç", "active": False})
    _add(yaprak_runtime, other, {"name": "Başkası"})
    with yaprak_runtime.db.Session() as s:
        ids = {
            p.name: p.id
            for p in s.scalars(select(Partner).execution_options(yaprak_all_companies=True))
        }
    user = company_client(acme, roles=["user"])
    token = user.csrf_token()
    form = {"csrf_token": token, "action": "archive", "ids": [ids["Bir"], ids["İki"]]}
    assert user.post("/partners/bulk", data=form).status_code == 403  # needs a manager
    manager = company_client(acme, roles=["manager"])
    token = manager.csrf_token()
    result = manager.post(
        "/partners/bulk",
        data={
            "csrf_token": token,
            "action": "archive",
            "ids": [ids["Bir"], ids["Üç"], ids["Başkası"]],
        },
    ).get_data(as_text=True)
    oks = re.findall(r'data-ok="(\d)"><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>', result)
    by_id = {int(i): (ok, label, msg) for ok, i, label, msg in oks}
    assert by_id[ids["Bir"]][0] == "1"
    assert by_id[ids["Üç"]][0] == "0" and "zaten arşivde" in by_id[ids["Üç"]][2]
    # another company's record: "bulunamadı" (not found), as for a missing id
    assert by_id[ids["Başkası"]] == ("0", "", "bulunamadı")
    with yaprak_runtime.db.Session() as s:
        rows = {
            p.name: p.active
            for p in s.scalars(select(Partner).execution_options(yaprak_all_companies=True))
        }
    assert rows == {"Bir": False, "İki": True, "Üç": False, "Başkası": True}


def test_exports_honour_filters_columns_selection_and_neutralise_formulas(
    acme, company_client, yaprak_runtime
):
    _add(
        yaprak_runtime,
        acme,
        {"name": '=HYPERLINK("http://evil")', "is_customer": True, "credit_limit": "1234.5"},
        {"name": "+90 Ticaret", "is_customer": True},
        {"name": "@SUM Ltd", "is_customer": True},
        {"name": "Tedarikçi", "is_vendor": True},
    )
    client = company_client(acme)
    response = client.get("/partners?f.is_customer=1&cols=name,credit_limit&export=csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "Credit limit"] or rows[0] == ["Ad", "Kredi limiti"]
    assert sorted(r[0] for r in rows[1:]) == [
        "'+90 Ticaret",
        '\'=HYPERLINK("http://evil")',
        "'@SUM Ltd",
    ]
    assert ['\'=HYPERLINK("http://evil")', "1234.50"] in rows

    xlsx = client.get("/partners?f.is_customer=1&cols=name,credit_limit,email&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values[0]) == 3 and len(values) == 4
    formula_cell = next(
        row for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[0].value)
    )
    # kept exactly, typed as text and quote-prefixed: Excel never runs it
    assert formula_cell[0].value == '=HYPERLINK("http://evil")'
    assert formula_cell[0].data_type == "s" and formula_cell[0].quotePrefix
    assert formula_cell[1].value == Decimal("1234.50") or formula_cell[1].value == 1234.5
    assert formula_cell[1].number_format == "#,##0.00"

    with yaprak_runtime.db.session_for(acme) as s:
        vendor = s.scalar(select(Partner.id).where(Partner.name == "Tedarikçi"))
    selected = (
        client.get(f"/partners?ids={vendor}&cols=name&export=csv").get_data().decode("utf-8-sig")
    )
    assert list(csv.reader(io.StringIO(selected)))[1:] == [["Tedarikçi"]]
    assert client.get("/partners?export=pdf").status_code == 400


def test_html_in_names_is_escaped_in_the_list(acme, company_client, yaprak_runtime):
    _add(yaprak_runtime, acme, {"name": "<script>alert(1)</script>"})
    page = company_client(acme).get("/partners").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_counting_stops_at_the_limit_unless_asked(
    acme, company_client, yaprak_runtime, monkeypatch
):
    import core.listing

    monkeypatch.setattr(core.listing, "COUNT_LIMIT", 5)
    _add(yaprak_runtime, acme, *({"name": f"P{i:02d}", "credit_limit": "10"} for i in range(12)))
    client = company_client(acme)
    page = client.get("/partners?per_page=4").get_data(as_text=True)
    assert "1–4 / 5 üzeri" in page and "data-count-all" in page
    assert "120,00 ₺" not in page  # no sums from a partial count
    counted = client.get("/partners?per_page=4&count=all").get_data(as_text=True)
    assert "1–4 / 12" in counted and "120,00 ₺" in counted
    api = client.get("/api/v1/core/partners?per_page=4").get_json()
    assert (api["total"], api["total_exact"], len(api["items"])) == (5, False, 4)
    exact = client.get("/api/v1/core/partners?per_page=4&count=all").get_json()
    assert (exact["total"], exact["total_exact"]) == (12, True)
    assert client.get("/partners?count=some").status_code == 400
