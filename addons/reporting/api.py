"""reporting: the JSON API under ``/api/v1/reporting``.

- ``GET /reports``: the reports the caller may run.
- ``GET /reports/<report_id>?<params>`` and ``POST /reports/<report_id>`` with the
  parameters as a JSON object: ``{"report", "params" (normalised, dates ISO), "columns":
  [{"key", "label", "kind"}], "rows": [[...]], "drill": [target or null per row], "totals",
  "count", "truncated"}``; money, quantities and percents as strings, dates ISO. At most
  ``limit`` rows (default 1,000, at most 10,000); ``count`` and ``totals`` are of every row.
  ``?format=csv|xlsx|pdf|parquet`` answers the export (every row) instead.
- ``GET/POST /reports/<report_id>/presets``, ``POST /presets/<id>/default``,
  ``DELETE /presets/<id>``: saved parameters.
- ``GET/POST /schedules``, ``GET/PATCH/DELETE /schedules/<id>``, ``POST
  /schedules/<id>/send``: reports e-mailed on a schedule (the caller's; a
  ``reporting.manager``'s: everyone's); *send* mails one now, recorded like the job.

Bad parameters: ``400 {"errors": {field: [...]}}``; a report unknown or of an add-on the
company has not enabled, or another company's preset: 404; roles not held: 403. A
schedule's report the caller may not run is a 400 under ``report_id`` (as on its page);
another user's (unless a manager) or company's schedule: 404; a schedule that could not be
sent now: 409 with the reason (also its ``last_error``)."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from core.web.api_resources import ApiErrorSchema, ApiRefused
from core.web.context import current_company, current_user, db_session, hooks, require_role

from . import presets, schedules
from .exports import FORMATS, ExportUnavailable
from .framework import ParamsError, Report, load_params, run_report
from .runner import (
    PAGE_ROWS,
    USER,
    drill_target,
    json_value,
    raw_from_args,
    raw_params,
    runnable_reports,
    visible_reports,
)
from .web import context, export_response, held_roles, is_manager, report_or_abort

api = Blueprint("reporting", __name__, description="Reporting: run reports, presets, schedules")
MAX_ROWS = 10_000


class ReportRunArgs(Schema):
    format = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FORMATS))
    limit = fields.Integer(load_default=PAGE_ROWS, validate=validate.Range(min=0, max=MAX_ROWS))


class ReportPresetSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    params = fields.Dict(load_default=dict)
    shared = fields.Boolean(load_default=False)
    is_default = fields.Boolean(load_default=False)


class ReportInfoSchema(Schema):
    id = fields.String()
    title = fields.String()
    group = fields.String()
    description = fields.String()
    params = fields.List(fields.String())


class ReportListSchema(Schema):
    reports = fields.List(fields.Nested(ReportInfoSchema))


class ReportColumnSchema(Schema):
    key = fields.String()
    label = fields.String()
    kind = fields.String()


class ReportRunSchema(Schema):
    """A run (or, with ``format=``, the export file instead)."""

    report = fields.String()
    title = fields.String()
    params = fields.Dict(keys=fields.String())
    columns = fields.List(fields.Nested(ReportColumnSchema))
    rows = fields.List(fields.List(fields.Raw(allow_none=True)))
    drill = fields.List(fields.Dict(allow_none=True))
    totals = fields.Dict(keys=fields.String(), values=fields.Raw())  # amounts as strings
    count = fields.Integer()
    truncated = fields.Boolean()
    notes = fields.List(fields.String())


class ReportPresetListSchema(Schema):
    presets = fields.List(fields.Nested(ReportPresetSchema))


def _run_args() -> dict[str, Any]:
    try:
        return ReportRunArgs().load(
            {k: request.args[k] for k in ("format", "limit") if k in request.args}
        )
    except ValidationError as exc:
        raise ValidationError(exc.normalized_messages()) from None


def _answer(report: Report, raw: dict[str, Any]) -> Any:
    options = _run_args()
    ctx = context()
    try:
        params = load_params(report, ctx, raw)
    except ParamsError as exc:
        raise ValidationError(exc.errors) from None
    result = run_report(report, ctx, params)
    if options["format"]:
        try:
            return export_response(report, ctx, result, options["format"])
        except ExportUnavailable as exc:
            raise ApiRefused(501, "Not Implemented", str(exc)) from None
    keep = [i for i, c in enumerate(result.columns) if not c.hidden]
    reports, rows, drill = runnable_reports(hooks(), held_roles()), [], []
    for row in result.rows():
        if len(rows) < options["limit"]:
            rows.append([json_value(result.columns[i], row[i]) for i in keep])
            drill.append(drill_target(result, ctx, row, reports))
    by_key = {c.key: c for c in result.columns}
    return jsonify(
        {
            "report": report.id,
            "title": str(report.title),
            "params": raw_params(report, params),
            "columns": [
                {"key": c.key, "label": str(c.label), "kind": c.kind} for c in result.visible
            ],
            "rows": rows,
            "drill": drill,
            "totals": {k: json_value(by_key[k], v) for k, v in result.totals.items()},
            "count": result.count,
            "truncated": result.count > len(rows),
            "notes": [str(n) for n in result.data.notes],
        }
    )


@api.route("/reports", methods=["GET"])
@api.response(200, ReportListSchema)
@api.doc(summary="The reports the caller may run")
def report_list() -> Any:
    require_role(USER)
    return jsonify(
        {
            "reports": [
                {
                    "id": r.id,
                    "title": str(r.title),
                    "group": str(r.group or ""),
                    "description": str(r.description or ""),
                    "params": list(r.params().fields),
                }
                for r in sorted(visible_reports(hooks(), held_roles()), key=lambda r: r.id)
            ]
        }
    )


@api.route("/reports/<report_id>", methods=["GET"])
@api.response(200, ReportRunSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="bad parameters")
@api.doc(summary="Run a report (parameters in the query string; format= for an export)")
def report_get(report_id: str) -> Any:
    report = report_or_abort(report_id)
    return _answer(report, raw_from_args(report, request.args))


@api.route("/reports/<report_id>", methods=["POST"])
@api.response(200, ReportRunSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="bad parameters")
@api.doc(summary="Run a report (parameters as a JSON object; format= for an export)")
def report_post(report_id: str) -> Any:
    report = report_or_abort(report_id)
    body = request.get_json(silent=True)
    if body is None and not request.data:
        body = {}
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["send a JSON object"]})
    return _answer(report, body)


def _dump(preset: Any) -> dict[str, Any]:
    return {
        "id": preset.id,
        "name": preset.name,
        "params": presets.params_of(preset),
        "shared": preset.user_id is None,
        "is_default": preset.is_default,
    }


@api.route("/reports/<report_id>/presets", methods=["GET"])
@api.response(200, ReportPresetListSchema)
@api.doc(summary="The caller's and the company's presets of a report")
def preset_list(report_id: str) -> Any:
    report = report_or_abort(report_id)
    found = presets.visible(db_session(), current_user().id, report.id)
    return jsonify({"presets": [_dump(p) for p in found]})


@api.route("/reports/<report_id>/presets", methods=["POST"])
@api.arguments(ReportPresetSchema, location="json")
@api.response(201, ReportPresetSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="bad parameters")
@api.doc(summary="Save parameters of a report under a name (checked first)")
def preset_save(data: dict[str, Any], report_id: str) -> Any:
    report = report_or_abort(report_id)
    try:
        params = load_params(report, context(), data["params"])
    except ParamsError as exc:
        raise ValidationError({"params": exc.errors}) from None
    session = db_session()
    try:
        preset = presets.save(
            session,
            current_user().id,
            report.id,
            data["name"],
            raw_params(report, params),
            shared=data["shared"],
            is_default=data["is_default"],
            manager=is_manager(),
        )
    except ValidationError:
        session.rollback()
        raise
    session.commit()
    return jsonify(_dump(preset)), 201


def _preset(preset_id: int) -> Any:
    require_role(USER)
    preset = presets.get(db_session(), preset_id, current_user().id)
    if preset is None:
        abort(404)
    report_or_abort(preset.report_id)
    return preset


@api.route("/presets/<int:preset_id>/default", methods=["POST"])
@api.response(200, ReportPresetSchema)
@api.doc(summary="Make a preset the default of its report")
def preset_default(preset_id: int) -> Any:
    preset = _preset(preset_id)
    try:
        presets.make_default(db_session(), preset, current_user().id, is_manager())
    except ValidationError:
        abort(403)
    db_session().commit()
    return jsonify(_dump(preset))


@api.route("/presets/<int:preset_id>", methods=["DELETE"])
@api.response(204)
@api.doc(summary="Delete a preset")
def preset_delete(preset_id: int) -> Any:
    preset = _preset(preset_id)
    try:
        presets.delete(db_session(), preset, current_user().id, is_manager())
    except ValidationError:
        abort(403)
    db_session().commit()
    return "", 204


class Recipients(fields.Field):
    """Addresses as a list, or as text one per line (or comma-separated); given back as a
    list. Each is checked by the schedule's schema."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(a, str) for a in value):
            return "\n".join(value)
        raise ValidationError(schedules.NO_RECIPIENT)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> list[str]:
        return schedules.recipients_of(value or "")


class ReportScheduleSchema(schedules.ScheduleSchema):
    """A schedule: ``params`` are the report's (checked as on its page, or those of
    ``preset_id``); ``weekday`` 0 = Monday, for a weekly one; ``monthday`` for a monthly."""

    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    params = fields.Dict(keys=fields.String(), load_default=dict)
    recipients = Recipients(
        required=True,
        metadata={"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    )
    next_run_on = fields.Date(dump_only=True, allow_none=True)
    last_sent_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True)


class ReportSchedulePatchSchema(ReportScheduleSchema):
    """The fields to change; the schedule is checked again as a whole with them."""

    def _day(self, data: dict[str, Any], **_: Any) -> None:  # checked on the whole
        return None


class ReportScheduleListSchema(Schema):
    schedules = fields.List(fields.Nested(ReportScheduleSchema))


def _schedule_dump(schedule: Any) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "user_id": schedule.user_id,
        "name": schedule.name,
        "report_id": schedule.report_id,
        "params": json.loads(schedule.params or "{}"),
        "format": schedule.format,
        "frequency": schedule.frequency,
        "weekday": schedule.weekday,
        "monthday": schedule.monthday,
        "recipients": schedules.recipients_of(schedule.recipients),
        "active": schedule.active,
        "next_run_on": schedule.next_run_on.isoformat() if schedule.next_run_on else None,
        "last_sent_at": schedule.last_sent_at.isoformat() if schedule.last_sent_at else None,
        "last_error": schedule.last_error or "",
    }


def _schedule_save(data: dict[str, Any], schedule: Any = None) -> Any:
    """Check the parameters against the report (as the page does) and save, committed."""
    session = db_session()
    owner = schedule.user_id if schedule is not None else current_user().id
    try:
        try:
            data["params"] = schedules.checked_params(
                session, hooks(), held_roles(), context(), current_user().id, data, data["params"]
            )
        except ParamsError as exc:
            raise ValidationError({"params": exc.errors}) from None
        saved = schedules.save(session, owner, data, context().today, schedule)
    except ValidationError:
        session.rollback()
        raise
    session.commit()
    return saved


def _schedule(schedule_id: int) -> Any:
    require_role(USER)
    schedule = schedules.get(db_session(), schedule_id, current_user().id, is_manager())
    if schedule is None:
        abort(404)
    return schedule


@api.route("/schedules", methods=["GET"])
@api.response(200, ReportScheduleListSchema)
@api.doc(summary="The caller's report schedules (a reporting manager: everyone's)")
def schedule_list() -> Any:
    require_role(USER)
    found = schedules.visible(db_session(), current_user().id, is_manager())
    return jsonify({"schedules": [_schedule_dump(s) for s in found]})


@api.route("/schedules", methods=["POST"])
@api.arguments(ReportScheduleSchema, location="json")
@api.response(201, ReportScheduleSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="bad fields or parameters")
@api.doc(summary="E-mail a report on a schedule (its parameters checked first)")
def schedule_create(data: dict[str, Any]) -> Any:
    require_role(USER)
    return jsonify(_schedule_dump(_schedule_save(data))), 201


@api.route("/schedules/<int:schedule_id>", methods=["GET"])
@api.response(200, ReportScheduleSchema)
@api.doc(summary="A report schedule")
def schedule_get(schedule_id: int) -> Any:
    return jsonify(_schedule_dump(_schedule(schedule_id)))


@api.route("/schedules/<int:schedule_id>", methods=["PATCH"])
@api.arguments(ReportSchedulePatchSchema(partial=True), location="json")
@api.response(200, ReportScheduleSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="bad fields or parameters")
@api.doc(summary="Change a report schedule (the fields not sent are kept)")
def schedule_patch(changes: dict[str, Any], schedule_id: int) -> Any:
    schedule = _schedule(schedule_id)
    current = {
        key: getattr(schedule, key)
        for key in ("name", "report_id", "format", "frequency", "weekday", "monthday", "active")
    }
    current["recipients"] = schedule.recipients
    current["params"] = json.loads(schedule.params or "{}")
    data = ReportScheduleSchema().load({**current, **changes})
    return jsonify(_schedule_dump(_schedule_save(data, schedule)))


@api.route("/schedules/<int:schedule_id>", methods=["DELETE"])
@api.response(204)
@api.doc(summary="Delete a report schedule")
def schedule_delete(schedule_id: int) -> Any:
    db_session().delete(_schedule(schedule_id))
    db_session().commit()
    return "", 204


@api.route("/schedules/<int:schedule_id>/send", methods=["POST"])
@api.response(200, ReportScheduleSchema)
@api.alt_response(409, schema=ApiErrorSchema, description="not sent: the reason")
@api.doc(summary="Send a report schedule now (as its owner, through the outbox)")
def schedule_send(schedule_id: int) -> Any:
    schedule = _schedule(schedule_id)
    session = db_session()
    error = schedules.send_now(session, current_company(), schedule, context().today)
    session.commit()
    if error:
        raise ApiRefused(409, "Conflict", error)
    return jsonify(_schedule_dump(schedule))
