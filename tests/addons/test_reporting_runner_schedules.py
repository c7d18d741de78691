"""Schedules: the pages, when a schedule is due, and the job that mails the report through
the outbox (a real SMTP server), run with the owner's roles."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from addons.reporting.schedules import next_run, send_due

from .runner_world import REPORT


def test_next_run_daily_weekly_monthly():
    wednesday = date(2026, 11, 25)
    assert next_run("daily", None, None, wednesday) == wednesday
    assert next_run("weekly", 0, None, wednesday) == date(2026, 11, 30)
    assert next_run("weekly", 2, None, wednesday) == wednesday
    assert next_run("monthly", None, 31, date(2026, 11, 1)) == date(2026, 11, 30)
    assert next_run("monthly", None, 10, date(2026, 11, 11)) == date(2026, 12, 10)
    assert next_run("monthly", None, 31, date(2027, 2, 1)) == date(2027, 2, 28)


def _new(client, **fields):
    data = {
        "csrf_token": client.csrf_token(),
        "name": "Haftalık",
        "report_id": REPORT,
        "format": "xlsx",
        "frequency": "daily",
        "recipients": "patron@rapor.test\nmuhasebe@rapor.test",
        "active": "1",
        "params": '{"date_from": "2026-10-01", "date_to": "2026-10-31"}',
        **fields,
    }
    return client.post("/reporting/schedules/new", data=data)


def test_the_form_refuses_bad_addresses_and_missing_days(reporter):
    page = _new(reporter, recipients="patron@rapor.test\nnot an address")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'data-error-for="recipients"' in html and "not an address" in html
    page = _new(reporter, frequency="weekly", weekday="")
    assert page.status_code == 400 and 'data-error-for="weekday"' in page.get_data(as_text=True)
    page = _new(reporter, report_id="docs.nothing")
    assert page.status_code == 400 and 'data-error-for="report_id"' in page.get_data(as_text=True)


def _run_job(rep, today):
    from core.companies import cached_company

    with rep.runtime.db.session_for(rep.company.id, write=True) as session:
        company = cached_company(session, rep.company.id)
        company = session.merge(company, load=False)
        return send_due(company, today)


def _schedules(rep):
    from addons.reporting.models import ReportingSchedule

    with rep.runtime.db.session_for(rep.company.id) as s:
        return {
            r.name: (r.next_run_on, r.last_error, r.last_sent_at)
            for r in s.scalars(select(ReportingSchedule))
        }


def test_due_schedules_are_mailed_with_the_export(rep, reporter, yaprak_runtime, smtp_server):
    yaprak_runtime.config.smtp_url = smtp_server.url
    assert _new(reporter).status_code == 302
    assert (
        _new(reporter, name="PDF", format="pdf", frequency="monthly", monthday="31").status_code
        == 302
    )
    listing = reporter.get("/reporting/schedules").get_data(as_text=True)
    assert "Haftalık" in listing and "PDF" in listing
    today = date.today()
    if today == _schedules(rep)["PDF"][0]:  # the month's last day: both are due today
        today = today.replace(day=1)
    assert _run_job(rep, today) == 1  # the monthly one is not due yet
    (message,) = smtp_server.messages
    assert message["To"] == "patron@rapor.test, muhasebe@rapor.test"
    assert "Requests" in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.get_content())).worksheets[0]
    assert sheet["D2"].value == "kumaş" and sheet["F2"].value == 200
    state = _schedules(rep)
    assert state["Haftalık"][0] > today and state["Haftalık"][1] == "" and state["Haftalık"][2]
    # the month's end: the PDF one is mailed too, and read back
    month_end = state["PDF"][0]
    smtp_server.messages.clear()
    assert _run_job(rep, month_end) == 2
    pdf = next(
        m
        for m in smtp_server.messages
        for a in m.iter_attachments()
        if a.get_filename().endswith(".pdf")
    )
    (attachment,) = list(pdf.iter_attachments())
    text = " ".join(PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text().split())
    assert "kumaş" in text and "250,50" in text


def test_an_owner_without_the_role_is_not_mailed_and_told(
    rep, company_client, yaprak_runtime, smtp_server
):
    from core.auth import revoke_roles
    from core.models import Company, User

    yaprak_runtime.config.smtp_url = smtp_server.url
    owner = company_client(rep.company, roles=["reporting.user", "docs.requester"])
    assert _new(owner).status_code == 302
    with yaprak_runtime.db.transaction() as s:
        revoke_roles(
            s, s.get(User, owner.user_id), s.get(Company, rep.company.id), ["docs.requester"]
        )
    assert _run_job(rep, date.today()) == 0
    assert smtp_server.messages == []
    next_on, error, sent = _schedules(rep)["Haftalık"]
    assert error == "the owner may no longer run this report" and sent is None
    assert next_on > date.today()
    page = owner.get("/reporting/schedules").get_data(as_text=True)
    assert "the owner may no longer run this report" in page or "artık" in page


def test_a_report_whose_addon_was_disabled_is_not_mailed(
    rep, reporter, yaprak_runtime, cli, smtp_server
):
    yaprak_runtime.config.smtp_url = smtp_server.url
    assert _new(reporter).status_code == 302
    cli("addons", "disable", "docs", "--company", "RAPOR")
    assert _run_job(rep, date.today()) == 0
    assert smtp_server.messages == []
    assert _schedules(rep)["Haftalık"][1] == "unknown report"


def test_schedules_are_the_owners_unless_manager(rep, reporter, company_client):
    assert _new(reporter).status_code == 302
    from addons.reporting.models import ReportingSchedule

    with rep.runtime.db.session_for(rep.company.id) as s:
        schedule_id = s.scalars(select(ReportingSchedule.id)).one()
    colleague = company_client(rep.company, roles=["reporting.user", "docs.requester"])
    assert colleague.get(f"/reporting/schedules/{schedule_id}").status_code == 404
    stranger = company_client(rep.other, roles=["admin"])  # another company's manager
    assert stranger.get(f"/reporting/schedules/{schedule_id}").status_code == 404
    assert "Haftalık" not in colleague.get("/reporting/schedules").get_data(as_text=True)
    manager = company_client(rep.company, roles=["reporting.manager", "docs.requester"])
    assert manager.get(f"/reporting/schedules/{schedule_id}").status_code == 200
    gone = manager.post(
        f"/reporting/schedules/{schedule_id}/delete", data={"csrf_token": manager.csrf_token()}
    )
    assert gone.status_code == 302
    assert "Haftalık" not in reporter.get("/reporting/schedules").get_data(as_text=True)


def test_a_schedule_takes_the_parameters_of_the_report_page(reporter, rep):
    page = reporter.get(f"/reporting/schedules/new?_report={REPORT}&group_by=partner&_run=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="params" value="{&#34;group_by&#34;: &#34;partner&#34;}"' in html
    assert "Group by: <strong>Partner</strong>" in html  # shown as people read it, not JSON
    assert _new(reporter, params='{"group_by": "partner"}', name="Ortaklar").status_code == 302
    from addons.reporting.models import ReportingSchedule

    with rep.runtime.db.session_for(rep.company.id) as s:
        (schedule,) = s.scalars(select(ReportingSchedule)).all()
        assert schedule.params == '{"group_by": "partner"}'
        assert schedule.next_run_on == date.today()
    # saved parameters that became invalid: refused with the message
    page = _new(reporter, params='{"group_by": "planet"}')
    assert page.status_code == 400 and "group_by" in page.get_data(as_text=True)


def test_the_job_runs_from_the_command_line(rep, reporter, cli, yaprak_runtime, smtp_server):
    yaprak_runtime.config.smtp_url = smtp_server.url
    assert _new(reporter).status_code == 302
    listed = cli("jobs", "list", "--company", "RAPOR").output
    assert "reporting.send_schedules" in listed
    cli("jobs", "run", "reporting.send_schedules", "--company", "RAPOR")
    (message,) = smtp_server.messages
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    assert _schedules(rep)["Haftalık"][0] > date.today()
