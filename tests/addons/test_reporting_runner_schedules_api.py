"""Schedules through the JSON API: create, list, change, delete, send now (a real SMTP
server), checked like the page, and only the caller's (a manager: everyone's)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from .runner_world import REPORT

URL = "/api/v1/reporting/schedules"
PARAMS = {"date_from": "2026-10-01", "date_to": "2026-10-31"}


def _body(**fields):
    return {
        "name": "Haftalık",
        "report_id": REPORT,
        "format": "xlsx",
        "frequency": "weekly",
        "weekday": 0,
        "recipients": ["patron@rapor.test", "muhasebe@rapor.test"],
        "params": PARAMS,
        **fields,
    }


def _create(client, **fields):
    answer = client.post(URL, json=_body(**fields))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_create_list_change_and_delete(reporter):
    made = _create(reporter)
    assert made["recipients"] == ["patron@rapor.test", "muhasebe@rapor.test"]
    assert made["params"] == {**PARAMS, "group_by": "request"}  # normalised, as on the page
    assert made["weekday"] == 0 and made["monthday"] is None and made["active"] is True
    assert date.fromisoformat(made["next_run_on"]).weekday() == 0
    assert made["last_sent_at"] is None and made["last_error"] == ""
    assert reporter.get(URL).get_json() == {"schedules": [made]}
    assert reporter.get(f"{URL}/{made['id']}").get_json() == made
    # a change keeps what is not sent and is checked as a whole (the weekday is kept)
    same = reporter.patch(f"{URL}/{made['id']}", json={"frequency": "weekly"})
    assert same.status_code == 200 and same.get_json()["weekday"] == 0
    # recipients as newline text work too
    changed = reporter.patch(
        f"{URL}/{made['id']}",
        json={"frequency": "monthly", "monthday": 31, "recipients": "a@rapor.test\nb@rapor.test"},
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["frequency"] == "monthly" and body["weekday"] is None and body["monthday"] == 31
    assert body["recipients"] == ["a@rapor.test", "b@rapor.test"]
    assert body["name"] == "Haftalık" and body["params"] == made["params"]
    refused = reporter.patch(f"{URL}/{made['id']}", json={"frequency": "weekly"})
    assert refused.status_code == 400 and "weekday" in refused.get_json()["errors"]
    paused = reporter.patch(f"{URL}/{made['id']}", json={"active": False, "format": "pdf"})
    assert paused.get_json()["active"] is False and paused.get_json()["format"] == "pdf"
    # the page shows what the API saved
    page = reporter.get(f"/reporting/schedules/{made['id']}").get_data(as_text=True)
    assert "a@rapor.test" in page
    assert reporter.delete(f"{URL}/{made['id']}").status_code == 204
    assert reporter.get(f"{URL}/{made['id']}").status_code == 404
    assert reporter.get(URL).get_json() == {"schedules": []}


def test_bad_fields_are_400_under_their_field(reporter, company_client, rep):
    answer = reporter.post(URL, json=_body(recipients=["patron@rapor.test", "not an address"]))
    assert answer.status_code == 400
    assert answer.get_json()["errors"] == {"recipients": ["not an e-mail address: not an address"]}
    answer = reporter.post(URL, json=_body(recipients=[]))
    assert answer.get_json()["errors"] == {"recipients": ["give at least one recipient"]}
    answer = reporter.post(URL, json=_body(recipients=[1]))
    assert answer.status_code == 400 and "recipients" in answer.get_json()["errors"]
    answer = reporter.post(URL, json=_body(weekday=None))
    assert answer.status_code == 400 and "weekday" in answer.get_json()["errors"]
    answer = reporter.post(URL, json=_body(frequency="hourly", format="docx"))
    assert set(answer.get_json()["errors"]) == {"frequency", "format"}
    # a report that does not exist, or one the caller may not run: as on the page, 400
    answer = reporter.post(URL, json=_body(report_id="docs.nothing"))
    assert answer.status_code == 400
    assert answer.get_json()["errors"] == {"report_id": ["unknown report"]}
    plain = company_client(rep.company, roles=["reporting.user"])
    answer = plain.post(URL, json=_body())
    assert answer.status_code == 400 and "report_id" in answer.get_json()["errors"]
    # parameters the report refuses: under "params", with the report's field messages
    answer = reporter.post(URL, json=_body(params={"group_by": "planet"}))
    assert answer.status_code == 400 and "group_by" in answer.get_json()["errors"]["params"]
    answer = reporter.post(URL, json=_body(params={"partner_id": rep.other_partner_id}))
    assert answer.get_json()["errors"] == {"params": {"partner_id": ["unknown partner"]}}
    made = _create(reporter)
    answer = reporter.patch(f"{URL}/{made['id']}", json={"params": {"group_by": "planet"}})
    assert answer.status_code == 400 and "params" in answer.get_json()["errors"]
    answer = reporter.patch(f"{URL}/{made['id']}", json={"recipients": "x@"})
    assert answer.status_code == 400 and "recipients" in answer.get_json()["errors"]
    assert reporter.get(URL).get_json()["schedules"] == [made]  # nothing was changed
    outsider = company_client(rep.company, roles=["docs.requester"])
    assert outsider.get(URL).status_code == 403
    assert outsider.post(URL, json=_body()).status_code == 403


def test_only_the_owners_unless_manager_and_never_another_companys(reporter, company_client, rep):
    made = _create(reporter)
    one = f"{URL}/{made['id']}"
    colleague = company_client(rep.company, roles=["reporting.user", "docs.requester"])
    assert colleague.get(URL).get_json() == {"schedules": []}
    assert colleague.get(one).status_code == 404
    assert colleague.patch(one, json={"name": "Benim"}).status_code == 404
    assert colleague.post(f"{one}/send").status_code == 404
    assert colleague.delete(one).status_code == 404
    page_send = f"/reporting/schedules/{made['id']}/send"
    token = colleague.csrf_token()
    assert colleague.post(page_send, data={"csrf_token": token}).status_code == 404
    stranger = company_client(rep.other, roles=["admin"])  # another company's manager
    assert stranger.get(URL).get_json() == {"schedules": []}
    for answer in (
        stranger.get(one),
        stranger.patch(one, json={"name": "Benim"}),
        stranger.post(f"{one}/send"),
        stranger.delete(one),
    ):
        assert answer.status_code == 404
    assert reporter.get(URL + "/2147483648").status_code == 404
    manager = company_client(rep.company, roles=["reporting.manager", "docs.requester"])
    mine = _create(manager, name="Yönetici")
    assert {s["name"] for s in manager.get(URL).get_json()["schedules"]} == {
        "Haftalık",
        "Yönetici",
    }
    changed = manager.patch(one, json={"name": "Yönetilen"}).get_json()
    assert changed["name"] == "Yönetilen" and changed["user_id"] == made["user_id"]  # owner kept
    assert [s["id"] for s in reporter.get(URL).get_json()["schedules"]] == [made["id"]]
    assert reporter.get(f"{URL}/{mine['id']}").status_code == 404
    assert manager.delete(one).status_code == 204
    assert reporter.get(URL).get_json() == {"schedules": []}


def test_send_now_mails_through_the_outbox(reporter, rep, yaprak_runtime, smtp_server):
    yaprak_runtime.config.smtp_url = smtp_server.url
    made = _create(reporter)
    sent = reporter.post(f"{URL}/{made['id']}/send")
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["last_sent_at"] and body["last_error"] == ""
    assert body["next_run_on"] == made["next_run_on"]  # sending now does not move it
    (message,) = smtp_server.messages
    assert message["To"] == "patron@rapor.test, muhasebe@rapor.test"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.get_content())).worksheets[0]
    assert sheet["D2"].value == "kumaş" and sheet["F2"].value == 200
    assert reporter.get(f"{URL}/{made['id']}").get_json()["last_sent_at"] == body["last_sent_at"]


def test_send_now_refused_is_409_and_recorded(
    rep, company_client, yaprak_runtime, cli, smtp_server
):
    yaprak_runtime.config.smtp_url = smtp_server.url
    owner = company_client(rep.company, roles=["reporting.user", "docs.requester"])
    made = _create(owner)
    cli("addons", "disable", "docs", "--company", "RAPOR")
    refused = owner.post(f"{URL}/{made['id']}/send")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == "unknown report"
    assert smtp_server.messages == []
    again = owner.get(f"{URL}/{made['id']}").get_json()
    assert again["last_error"] == "unknown report" and again["last_sent_at"] is None


def test_send_now_on_the_page(reporter, rep, yaprak_runtime, smtp_server):
    yaprak_runtime.config.smtp_url = smtp_server.url
    made = _create(reporter, format="csv")
    page = reporter.get(f"/reporting/schedules/{made['id']}").get_data(as_text=True)
    assert f'action="/reporting/schedules/{made["id"]}/send"' in page
    token = reporter.csrf_token()
    sent = reporter.post(f"/reporting/schedules/{made['id']}/send", data={"csrf_token": token})
    assert sent.status_code == 302
    (message,) = smtp_server.messages
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".csv")
    assert "kumaş" in attachment.get_payload(decode=True).decode("utf-8-sig")
    page = reporter.get(f"/reporting/schedules/{made['id']}").get_data(as_text=True)
    assert "Schedule sent." in page or "gönderildi" in page
    listing = reporter.get(URL).get_json()["schedules"][0]
    assert listing["last_sent_at"] and listing["next_run_on"] == made["next_run_on"]
