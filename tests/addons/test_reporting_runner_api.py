"""The report runner's API and presets (API and pages)."""

from __future__ import annotations

import re

from sqlalchemy import select

from .runner_world import REPORT

URL = f"/api/v1/reporting/reports/{REPORT}"


def test_the_list_and_a_run_as_json(reporter, rep):
    listed = reporter.get("/api/v1/reporting/reports").get_json()
    assert [r["id"] for r in listed["reports"]] == [REPORT]
    answer = reporter.get(f"{URL}?date_from=2026-10-01&date_to=2026-10-31")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["params"] == {
        "date_from": "2026-10-01",
        "date_to": "2026-10-31",
        "group_by": "request",
    }
    assert [c["key"] for c in body["columns"]] == [
        "label",
        "date",
        "partner",
        "note",
        "quantity",
        "amount",
    ]
    assert body["rows"][0][1:] == ["2026-10-05", "Ayşe Tekstil", "kumaş", "2.000", "200.00"]
    assert body["totals"] == {"quantity": "3.000", "amount": "250.50"}
    assert body["count"] == 2 and body["truncated"] is False
    assert body["drill"][0]["url"] == f"/docs/requests/{rep.request_ids[0]}"


def test_post_takes_json_params_and_drill_targets_name_the_report(reporter, rep):
    answer = reporter.post(URL, json={"group_by": "partner", "date_from": "2026-10-01"})
    body = answer.get_json()
    assert answer.status_code == 200
    target = body["drill"][
        body["rows"].index(next(r for r in body["rows"] if r[0] == "Ayşe Tekstil"))
    ]
    assert target["report"] == REPORT
    assert target["params"]["partner_id"] == rep.partner_ids["Ayşe Tekstil"]
    assert target["params"]["group_by"] == "request"
    limited = reporter.post(f"{URL}?limit=1", json={}).get_json()
    assert len(limited["rows"]) == 1 and limited["count"] == 3 and limited["truncated"]


def test_bad_params_are_400_with_field_messages(reporter, rep):
    answer = reporter.post(URL, json={"date_from": "2026-10-31", "date_to": "2026-10-01"})
    assert answer.status_code == 400 and "date_to" in answer.get_json()["errors"]
    answer = reporter.get(f"{URL}?group_by=planet")
    assert answer.status_code == 400 and "group_by" in answer.get_json()["errors"]
    answer = reporter.post(URL, json={"partner_id": rep.other_partner_id})
    assert answer.status_code == 400
    assert answer.get_json()["errors"] == {"partner_id": ["unknown partner"]}
    assert reporter.post(URL, json=[1, 2]).status_code == 400


def test_404_for_unknown_or_not_enabled_and_403_for_roles(
    reporter, rep, make_company, company_client
):
    assert reporter.get("/api/v1/reporting/reports/docs.nothing").status_code == 404
    bare = make_company("YALIN", addons=["reporting"])
    assert company_client(bare, roles=["admin"]).get(URL).status_code == 404
    plain = company_client(rep.company, roles=["reporting.user"])
    assert plain.get(URL).status_code == 403


def test_exports_through_the_api(reporter):
    answer = reporter.get(f"{URL}?format=csv&date_from=2026-10-01")
    assert answer.status_code == 200 and answer.get_data().startswith(b"\xef\xbb\xbf")
    assert reporter.get(f"{URL}?format=docx").status_code == 400


def test_presets_through_the_api(reporter, rep, company_client):
    made = reporter.post(
        f"{URL}/presets",
        json={"name": "Ekim", "params": {"date_from": "2026-10-01", "date_to": "2026-10-31"}},
    )
    assert made.status_code == 201
    preset = made.get_json()
    assert preset["params"]["group_by"] == "request" and not preset["shared"]
    refused = reporter.post(f"{URL}/presets", json={"name": "Herkes", "shared": True})
    assert refused.status_code == 400 and "shared" in refused.get_json()["errors"]
    bad = reporter.post(f"{URL}/presets", json={"name": "x", "params": {"group_by": "planet"}})
    assert bad.status_code == 400 and "group_by" in bad.get_json()["errors"]["params"]
    assert reporter.post(f"/api/v1/reporting/presets/{preset['id']}/default").get_json()[
        "is_default"
    ]
    # another user of the company does not see it; another company's user gets a 404
    colleague = company_client(rep.company, roles=["reporting.user", "docs.requester"])
    assert colleague.get(f"{URL}/presets").get_json() == {"presets": []}
    assert colleague.delete(f"/api/v1/reporting/presets/{preset['id']}").status_code == 404
    stranger = company_client(rep.other, roles=["admin"])
    assert stranger.delete(f"/api/v1/reporting/presets/{preset['id']}").status_code == 404
    assert reporter.delete(f"/api/v1/reporting/presets/{preset['id']}").status_code == 204
    assert reporter.get(f"{URL}/presets").get_json() == {"presets": []}


def test_presets_on_the_page_default_shared_and_revalidated(rep, company_client):
    from addons.reporting.models import ReportingPreset

    manager = company_client(rep.company, roles=["reporting.manager", "docs.requester"])
    token = manager.csrf_token()
    saved = manager.post(
        f"/reporting/{REPORT}/presets",
        data={
            "csrf_token": token,
            "preset_name": "Ayşe",
            "partner_id": str(rep.partner_ids["Ayşe Tekstil"]),
            "group_by": "request",
            "preset_shared": "1",
            "preset_default": "1",
        },
    )
    assert saved.status_code == 302
    # the default opens when the page is opened without parameters, for everyone
    user = company_client(rep.company, roles=["reporting.user", "docs.requester"])
    html = user.get(f"/reporting/{REPORT}").get_data(as_text=True)
    assert "kumaş" in html and "çimento" not in html
    assert 'data-preset="Ayşe"' in html
    # a user may not delete a shared preset
    with rep.runtime.db.session_for(rep.company.id) as s:
        preset_id = s.scalars(select(ReportingPreset.id)).one()
    refused = user.post(
        f"/reporting/{REPORT}/presets/{preset_id}/delete", data={"csrf_token": user.csrf_token()}
    )
    assert refused.status_code == 403
    # the partner is deleted: the preset is refused with the message under its field
    with rep.runtime.db.transaction(rep.company.id) as s:
        from yk_docs.models import DocsRequest

        from core.models import Partner

        for request in s.scalars(select(DocsRequest)).all():
            s.delete(request)
        s.flush()
        s.delete(s.get(Partner, rep.partner_ids["Ayşe Tekstil"]))
    page = user.get(f"/reporting/{REPORT}?_preset={preset_id}")
    assert page.status_code == 400
    assert re.search(r'data-error-for="partner_id"', page.get_data(as_text=True))
    # deleting it (a manager) works
    gone = manager.post(
        f"/reporting/{REPORT}/presets/{preset_id}/delete", data={"csrf_token": token}
    )
    assert gone.status_code == 302
    assert user.get(f"/reporting/{REPORT}?_preset={preset_id}").status_code == 404


def test_every_reporting_operation_keeps_its_openapi_promises(rep, company_client, yaprak_app):
    """schemathesis over reporting's operations, for a company that has enabled it (the
    suite-wide run in tests/api uses a company without reporting: it sees only 404s)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    admin = company_client(rep.company, roles=["admin"])
    auth = {"Authorization": f"Bearer {admin.token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", yaprak_app, headers=auth)
    operations = [
        op
        for result in schema.get_all_operations()
        if (op := result.ok()).path.startswith("/api/v1/reporting/")
    ]
    assert len(operations) == 13
    made_body = {"name": "S", "report_id": REPORT, "frequency": "daily", "recipients": "a@b.test"}
    made = admin.post("/api/v1/reporting/schedules", json=made_body)
    assert made.status_code == 201 and made.get_json()["id"] == 1  # for the generated ids
    statuses: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=5,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                response = case.call_and_validate(
                    headers=auth, checks=[not_a_server_error, response_schema_conformance]
                )
                statuses.append(response.status_code)

            check()
    # the generated ids seldom hit the schedule: its operations once on it, DELETE last
    by_label = {op.label: op for op in operations}
    made = admin.post("/api/v1/reporting/schedules", json=made_body)
    one = {"schedule_id": made.get_json()["id"]}
    for label, body, expected in (
        ("GET /api/v1/reporting/schedules/{schedule_id}", None, 200),
        ("PATCH /api/v1/reporting/schedules/{schedule_id}", {"name": "T"}, 200),
        ("POST /api/v1/reporting/schedules/{schedule_id}/send", None, 200),
        ("DELETE /api/v1/reporting/schedules/{schedule_id}", None, 204),
    ):
        extra = {} if body is None else {"body": body, "media_type": "application/json"}
        case = by_label[label].Case(path_parameters=one, **extra)
        response = case.call_and_validate(
            headers=auth, checks=[not_a_server_error, response_schema_conformance]
        )
        assert response.status_code == expected, (label, response.text)
        statuses.append(response.status_code)
    assert statuses and all(status < 500 for status in statuses)
    assert 200 in statuses
