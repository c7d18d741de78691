"""reporting: the schedules' pages. ``/reporting/schedules`` lists the user's schedules (a
``reporting.manager``: everyone's) with when each is due and its last error; a schedule's
page creates or changes one (report, parameters from a preset or from the report's page,
format, frequency, recipients)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from marshmallow import ValidationError

from core.i18n import _, translate_errors, translate_message
from core.web.context import current_company, current_user, db_session, hooks, require_role
from core.web.forms import describe_fields, payload_from_form

from . import presets, schedules
from .framework import ParamsError
from .models import ReportingSchedule
from .runner import USER, NotAllowed, open_report, raw_from_args, visible_reports
from .web import context, held_roles, is_manager

bp = Blueprint("schedules", __name__)


@bp.get("/schedules")
def schedule_list() -> Any:
    require_role(USER)
    rows = schedules.visible(db_session(), current_user().id, is_manager())
    titles = {r.id: r.title for r in visible_reports(hooks(), held_roles())}
    return render_template(
        "reporting/schedules.html", schedules=rows, titles=titles, translate=translate_message
    )


def _choices() -> dict[str, Any]:
    reports = visible_reports(hooks(), held_roles())
    titles = {r.id: str(r.title) for r in reports}
    own = presets.visible(db_session(), current_user().id)
    return {
        "report_id": lambda _s: sorted(titles.items(), key=lambda item: item[1].casefold()),
        "preset_id": lambda _s: [
            (p.id, f"{titles[p.report_id]}: {p.name}") for p in own if p.report_id in titles
        ],
    }


def _render(schedule: Any, values: dict[str, Any], errors: dict[str, Any], params: str) -> Any:
    schema = schedules.ScheduleSchema()
    infos = describe_fields(schema, None, _choices(), db_session(), set(schema.fields))
    report_id = values.get("report_id") or (schedule.report_id if schedule else None)
    return render_template(
        "reporting/schedule_form.html",
        schedule=schedule,
        infos=infos,
        values=values,
        errors=errors,
        params=params,
        shown_params=_readable(report_id, params),
        translate=translate_message,
    )


def _readable(report_id: Any, params: str) -> list[tuple[str, str]] | None:
    """The carried parameters as people read them (labels, chosen options by their labels);
    None when they cannot be read so (the report gone, not JSON): the page shows them raw."""
    import json

    report = visible_reports_by_id().get(report_id) if report_id else None
    try:
        raw = json.loads(params or "{}")
    except ValueError:
        return None
    if report is None or not isinstance(raw, dict):
        return None
    fields = report.params().fields
    shown = []
    for key, value in raw.items():
        field = fields.get(key)
        label = field.metadata.get("label", key) if field is not None else key
        shown.append((str(label), str(schedules.choice_label(field, value))))
    return shown


def visible_reports_by_id() -> dict[str, Any]:
    return {r.id: r for r in visible_reports(hooks(), held_roles())}


def _load(schedule: Any) -> Any:
    """Check the posted schedule; save it (committed) or show the form again (400)."""
    schema = schedules.ScheduleSchema()
    infos = describe_fields(schema, None, _choices(), db_session(), set(schema.fields))
    payload = payload_from_form(request.form, infos, schema)
    params_text = request.form.get("params", "{}")
    try:
        data = schema.load(payload)
        data["params"] = _params(data, params_text)
        owner = schedule.user_id if schedule is not None else current_user().id
        saved = schedules.save(db_session(), owner, data, context().today, schedule)
    except ValidationError as exc:
        db_session().rollback()
        return _render(
            schedule, dict(request.form), translate_errors(exc.messages), params_text
        ), 400
    db_session().commit()
    flash(_("Schedule saved."), "success")
    return redirect(f"/reporting/schedules/{saved.id}")


def _params(data: dict[str, Any], params_text: str) -> dict[str, Any]:
    """The schedule's parameters, checked: the preset's, else those from the report page
    (bad ones shown under the preset's field, the form's only place for them)."""
    try:
        raw = json.loads(params_text or "{}")
    except ValueError:
        raw = {}
    raw = raw if isinstance(raw, dict) else {}
    try:
        return schedules.checked_params(
            db_session(), hooks(), held_roles(), context(), current_user().id, data, raw
        )
    except ParamsError as exc:
        errors = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.errors.items())
        raise ValidationError({"preset_id": [errors]}) from None


@bp.route("/schedules/new", methods=["GET", "POST"])
def schedule_new() -> Any:
    require_role(USER)
    if request.method == "POST":
        return _load(None)
    params = "{}"
    values: dict[str, Any] = {"format": "xlsx", "frequency": "weekly", "weekday": 0}
    values["active"] = True
    values["recipients"] = current_user().email
    if request.args.get("_report"):
        values["report_id"] = request.args["_report"]
        try:
            report = open_report(hooks(), request.args["_report"], held_roles())
        except (LookupError, NotAllowed):
            abort(404)
        values["name"] = str(report.title)
        params = json.dumps(raw_from_args(report, request.args))
    return _render(None, values, {}, params)


def _schedule_or_404(schedule_id: int) -> ReportingSchedule:
    schedule = schedules.get(db_session(), schedule_id, current_user().id, is_manager())
    if schedule is None:
        abort(404)
    return schedule


@bp.route("/schedules/<int:schedule_id>", methods=["GET", "POST"])
def schedule_edit(schedule_id: int) -> Any:
    require_role(USER)
    schedule = _schedule_or_404(schedule_id)
    if request.method == "POST":
        return _load(schedule)
    values = {
        key: getattr(schedule, key)
        for key in ("name", "report_id", "format", "frequency", "weekday", "monthday", "active")
    }
    values["recipients"] = schedule.recipients
    return _render(schedule, values, {}, schedule.params)


@bp.post("/schedules/<int:schedule_id>/delete")
def schedule_delete(schedule_id: int) -> Any:
    require_role(USER)
    db_session().delete(_schedule_or_404(schedule_id))
    db_session().commit()
    flash(_("Schedule deleted."), "success")
    return redirect("/reporting/schedules")


@bp.post("/schedules/<int:schedule_id>/send")
def schedule_send(schedule_id: int) -> Any:
    """*Send now*: the schedule mailed at once, recorded like the job (its next date kept)."""
    require_role(USER)
    schedule = _schedule_or_404(schedule_id)
    error = schedules.send_now(db_session(), current_company(), schedule, context().today)
    db_session().commit()
    if error:
        flash(_("Not sent: {reason}").format(reason=translate_message(error)), "danger")
    else:
        flash(_("Schedule sent."), "success")
    return redirect(f"/reporting/schedules/{schedule_id}")
