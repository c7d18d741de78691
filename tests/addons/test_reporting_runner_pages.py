"""The report runner's pages: the list, a run (form, table, totals, chart, drill-down),
bad parameters, 404 and 403."""

from __future__ import annotations

import re

from .runner_world import REPORT

OCTOBER = "date_from=2026-10-01&date_to=2026-10-31"


def test_the_list_shows_the_reports_the_user_may_run(reporter, rep, company_client):
    page = reporter.get("/reporting/")
    assert page.status_code == 200
    assert f'data-report="{REPORT}"' in page.get_data(as_text=True)
    # reporting.user without the report's own role: the list is empty, the page a 403
    plain = company_client(rep.company, roles=["reporting.user"])
    assert REPORT not in plain.get("/reporting/").get_data(as_text=True)
    assert plain.get(f"/reporting/{REPORT}").status_code == 403
    # without reporting.user nothing of reporting opens
    outsider = company_client(rep.company, roles=["docs.requester"])
    assert outsider.get("/reporting/").status_code == 403
    assert outsider.get(f"/reporting/{REPORT}").status_code == 403


def test_a_run_shows_table_totals_chart_and_drill_down(reporter, rep):
    page = reporter.get(f"/reporting/{REPORT}?{OCTOBER}&group_by=partner")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ayşe Tekstil" in html and "Işık Yapı" not in html
    assert "<svg" in html and "<title" in html  # the server-rendered chart
    assert "1 satır" in html  # the user speaks Turkish
    totals = re.search(r'<tr class="fw-semibold report-totals">(.*?)</tr>', html, re.S).group(1)
    assert "250,50" in totals  # 2 x 100 + 50.50, Turkish format
    drill = re.search(r'class="report-drill" href="([^"]+)"', html).group(1)
    assert "group_by=request" in drill and f"partner_id={rep.partner_ids['Ayşe Tekstil']}" in drill
    detail = reporter.get(drill.replace("&amp;", "&")).get_data(as_text=True)
    assert "kumaş" in detail and "/docs/requests/" in detail
    assert "5 Eki 2026" in detail  # a date in the user's language


def test_a_period_with_no_data_is_an_empty_report(reporter):
    page = reporter.get(f"/reporting/{REPORT}?date_from=2020-01-01&date_to=2020-01-31")
    assert page.status_code == 200
    assert "report-empty" in page.get_data(as_text=True)


def test_bad_parameters_come_back_under_their_fields_keeping_the_input(reporter, rep):
    page = reporter.get(
        f"/reporting/{REPORT}?date_from=2026-10-31&date_to=2026-10-01&group_by=planet"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'data-error-for="date_to"' in html or 'data-error-for="group_by"' in html
    assert 'data-error-for="group_by"' in html
    assert 'value="2026-10-31"' in html  # nothing typed is lost
    # another company's partner is unknown here
    page = reporter.get(f"/reporting/{REPORT}?partner_id={rep.other_partner_id}")
    assert page.status_code == 400
    assert 'data-error-for="partner_id"' in page.get_data(as_text=True)
    assert "Gizli" not in page.get_data(as_text=True)


def test_reversed_dates_are_refused(reporter):
    page = reporter.get(f"/reporting/{REPORT}?date_from=2026-10-31&date_to=2026-10-01")
    assert page.status_code == 400
    assert 'data-error-for="date_to"' in page.get_data(as_text=True)


def test_unknown_report_and_addon_not_enabled_are_404(reporter, make_company, company_client):
    assert reporter.get("/reporting/docs.nothing").status_code == 404
    plain = make_company("SADE", addons=["docs", "sales"])  # no reporting
    client = company_client(plain, roles=["admin"])
    assert client.get(f"/reporting/{REPORT}").status_code == 404
    # reporting enabled, docs not: its report does not exist for the company
    bare = make_company("YALIN", addons=["reporting"])
    client = company_client(bare, roles=["admin"])
    assert client.get(f"/reporting/{REPORT}").status_code == 404
    assert REPORT not in client.get("/reporting/").get_data(as_text=True)


def test_the_menu_has_reports_and_schedules_for_reporting_users(reporter, rep, company_client):
    home = reporter.get("/").get_data(as_text=True)
    assert 'href="/reporting/"' in home and 'href="/reporting/schedules"' in home
    outsider = company_client(rep.company, roles=["docs.requester"])
    assert 'href="/reporting/"' not in outsider.get("/").get_data(as_text=True)


def test_the_api_totals_of_counts_are_numbers(reporter):
    body = reporter.get(f"/api/v1/reporting/reports/{REPORT}?group_by=partner").get_json()
    assert body["totals"] == {"requests": 3, "amount": "280.50"}


def test_a_page_holds_at_most_page_rows_and_says_the_exports_hold_all(reporter, monkeypatch):
    from addons.reporting import runner, views

    monkeypatch.setattr(views, "PAGE_ROWS", 1)
    monkeypatch.setattr(runner, "PAGE_ROWS", 1)
    html = reporter.get(f"/reporting/{REPORT}").get_data(as_text=True)
    assert html.count("report-drill") == 1
    assert "report-capped" in html and "3" in html
    totals = html[html.index("report-totals") :]
    assert "280,50" in totals  # the totals are of every row, not of the page
    csv = reporter.get(f"/reporting/{REPORT}/export.csv").get_data().decode("utf-8-sig")
    assert len(csv.splitlines()) == 4  # the header and all three rows


def test_a_refused_run_shows_the_defaults_of_what_was_not_given(reporter):
    html = reporter.get(f"/reporting/{REPORT}?date_from=2026-10-31&date_to=2026-10-01").get_data(
        as_text=True
    )
    assert '<option value="request" selected>' in html
