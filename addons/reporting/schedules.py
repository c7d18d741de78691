"""Reports e-mailed on a schedule: the schedule's rules, when it is due next, and the
periodic job that sends every due schedule through core's outbox with the export attached.

A schedule runs with its owner's roles, today: an owner who lost the role (or a report
whose add-on the company disabled since) is not sent; ``last_error`` says why and the
schedule's page shows it. The job moves ``next_run_on`` on either way, so a broken schedule
is reported once per due date, not every hour."""

from __future__ import annotations

import calendar
import json
import logging
import tempfile
from datetime import date, timedelta
from email.utils import parseaddr
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import select

from core.i18n import N_
from core.i18n import lazy_gettext as _l

from .exports import MIMETYPES, Heading, filename, write_export
from .framework import ParamsError, UnknownReport, load_params, run_report
from .models import ReportingSchedule
from .runner import NotAllowed, context_for, open_report, raw_params

log = logging.getLogger(__name__)

FREQUENCIES = ("daily", "weekly", "monthly")
SCHEDULE_FORMATS = ("xlsx", "pdf", "csv")
WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
NOT_AN_ADDRESS = N_("not an e-mail address: {address}")
NO_RECIPIENT = N_("give at least one recipient")
WEEKDAY_NEEDED = N_("a weekly schedule needs a weekday")
MONTHDAY_NEEDED = N_("a monthly schedule needs a day of the month")
UNKNOWN_REPORT = N_("unknown report")
NOT_ALLOWED = N_("the owner may no longer run this report")
BAD_PARAMS = N_("the saved parameters are no longer valid: {errors}")
UNKNOWN_PRESET = N_("unknown preset")
OTHER_REPORTS_PRESET = N_("a preset of another report: pick one of this report's presets")


class ScheduleSchema(Schema):
    """A schedule as the page and services take it."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=80), metadata={"label": _l("Name")}
    )
    report_id = fields.String(
        required=True, validate=validate.Length(max=80), metadata={"label": _l("Report")}
    )
    preset_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Parameters from preset")}
    )
    format = fields.String(
        load_default="xlsx",
        validate=validate.OneOf(SCHEDULE_FORMATS, labels=[_l("Excel (XLSX)"), "PDF", "CSV"]),
        metadata={"label": _l("Format")},
    )
    frequency = fields.String(
        load_default="weekly",
        validate=validate.OneOf(FREQUENCIES, labels=[_l("Daily"), _l("Weekly"), _l("Monthly")]),
        metadata={"label": _l("Frequency")},
    )
    weekday = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(range(7), labels=WEEKDAYS),
        metadata={"label": _l("Weekday")},
    )
    monthday = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=31),
        metadata={"label": _l("Day of the month")},
    )
    recipients = fields.String(
        required=True,
        metadata={"label": _l("Recipients (one per line)"), "widget": "textarea"},
    )
    active = fields.Boolean(load_default=True, metadata={"label": _l("Active")})

    @validates("recipients")
    def _addresses(self, value: str, **_: Any) -> None:
        addresses = recipients_of(value)
        if not addresses:
            raise ValidationError(NO_RECIPIENT)
        for address in addresses:
            parsed = parseaddr(address)[1]
            local, _at, domain = parsed.partition("@")
            if parsed != address or not local or "." not in domain or " " in address:
                raise ValidationError(NOT_AN_ADDRESS.format(address=address))

    @validates_schema
    def _day(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("frequency") == "weekly" and data.get("weekday") is None:
            raise ValidationError(WEEKDAY_NEEDED, "weekday")
        if data.get("frequency") == "monthly" and data.get("monthday") is None:
            raise ValidationError(MONTHDAY_NEEDED, "monthday")


def recipients_of(text: str) -> list[str]:
    return [a.strip() for a in (text or "").replace(",", "\n").splitlines() if a.strip()]


def next_run(frequency: str, weekday: int | None, monthday: int | None, on_or_after: date) -> date:
    """The first day on or after ``on_or_after`` the schedule is due (a monthly schedule on
    the 31st is due on the last day of a shorter month)."""
    if frequency == "daily":
        return on_or_after
    if frequency == "weekly":
        return on_or_after + timedelta(days=(int(weekday or 0) - on_or_after.weekday()) % 7)
    day = on_or_after
    for _ in range(2):
        last = calendar.monthrange(day.year, day.month)[1]
        due = day.replace(day=min(int(monthday or 1), last))
        if due >= on_or_after:
            return due
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    raise AssertionError("unreachable")


def save(
    session: Any, owner_id: int, data: dict[str, Any], today: date, schedule: Any = None
) -> Any:
    """Create or change a schedule from loaded ``data`` (``raw`` params already checked)."""
    if schedule is None:
        schedule = ReportingSchedule(user_id=owner_id)
        session.add(schedule)
    for key in ("name", "report_id", "format", "frequency", "active"):
        setattr(schedule, key, data[key])
    schedule.weekday = data["weekday"] if data["frequency"] == "weekly" else None
    schedule.monthday = data["monthday"] if data["frequency"] == "monthly" else None
    schedule.recipients = "\n".join(recipients_of(data["recipients"]))
    schedule.params = json.dumps(data.get("params") or {}, sort_keys=True)
    schedule.next_run_on = next_run(schedule.frequency, schedule.weekday, schedule.monthday, today)
    session.flush()
    return schedule


def checked_params(
    session: Any,
    hooks: Any,
    held: frozenset[str],
    ctx: Any,
    user_id: int,
    data: dict[str, Any],
    raw: dict[str, Any],
) -> dict[str, Any]:
    """The parameters of a schedule of ``data["report_id"]`` as the user (``user_id``,
    holding ``held``) saving it may run the report: those of the preset
    ``data["preset_id"]`` when given, else ``raw``; checked and normalised. Raises
    ``ValidationError`` under ``report_id`` (unknown, not enabled or not allowed) or
    ``preset_id``, and ``ParamsError`` for bad parameters (the page and the API each put
    them where their form has them)."""
    from . import presets

    try:
        report = open_report(hooks, data["report_id"], held)
    except (LookupError, NotAllowed):
        raise ValidationError({"report_id": [UNKNOWN_REPORT]}) from None
    if data.get("preset_id") is not None:
        preset = presets.get(session, data["preset_id"], user_id)
        if preset is None:
            raise ValidationError({"preset_id": [UNKNOWN_PRESET]})
        if preset.report_id != report.id:
            raise ValidationError({"preset_id": [OTHER_REPORTS_PRESET]})
        raw = presets.params_of(preset)
    return raw_params(report, load_params(report, ctx, raw))


def get(session: Any, schedule_id: int, user_id: int, manager: bool) -> Any:
    """A schedule this user sees (own; a manager: any of the company's), else None."""
    from core.listing import INT_MAX

    if not 0 < schedule_id <= INT_MAX:
        return None
    schedule = session.get(ReportingSchedule, schedule_id)
    if schedule is None or (schedule.user_id != user_id and not manager):
        return None
    return schedule


def visible(session: Any, user_id: int, manager: bool) -> list[Any]:
    stmt = select(ReportingSchedule).order_by(ReportingSchedule.name, ReportingSchedule.id)
    if not manager:
        stmt = stmt.where(ReportingSchedule.user_id == user_id)
    return list(session.scalars(stmt))


def attachment(session: Any, company: Any, result: Any, heading: Heading, fmt: str) -> bytes:
    """The export of a run as bytes, for a mail (written to a temporary file first: the
    rows stream; only the finished attachment is held)."""
    with tempfile.TemporaryFile() as out:
        write_export(fmt, result, out, heading, session, company.id)
        out.seek(0)
        return out.read()


def choice_label(field: Any, value: Any) -> Any:
    """A chosen value as its label (``previous_year``: "Same period last year")."""
    from marshmallow import validate

    for validator in getattr(field, "validators", None) or []:
        if isinstance(validator, validate.OneOf) and validator.labels:
            labels = dict(zip(validator.choices, validator.labels, strict=False))
            return labels.get(value, value)
    return value


def heading_of(report: Any, params: dict[str, Any], company: Any, language: str) -> Heading:
    schema = report.params()
    shown = []
    for key, value in raw_params(report, params).items():
        field = schema.fields.get(key)
        label = field.metadata.get("label", key) if field is not None else key
        shown.append((str(label), str(choice_label(field, value))))
    return Heading(str(report.title), company.name, shown, [], language)


def send(session: Any, company: Any, schedule: Any, today: date) -> None:
    """Run ``schedule``'s report as its owner and queue the mail; raises ``ValueError``
    with the reason when it may not be sent."""
    from core import hooks_for
    from core.auth import roles_of
    from core.mail import queue_mail
    from core.models import User
    from core.runtime import current_runtime

    owner = session.get(User, schedule.user_id)
    held = roles_of(session, current_runtime().kernel, owner, company)
    try:
        report = open_report(hooks_for(company), schedule.report_id, held)
    except UnknownReport:
        raise ValueError(UNKNOWN_REPORT) from None
    except NotAllowed:
        raise ValueError(NOT_ALLOWED) from None
    ctx = context_for(session, company, owner, today)
    try:
        params = load_params(report, ctx, json.loads(schedule.params or "{}"))
    except ParamsError as exc:
        raise ValueError(BAD_PARAMS.format(errors=exc)) from None
    from core.web.context import request_for

    with request_for(session, company.id, ctx.language):  # labels in the owner's language
        result = run_report(report, ctx, params)
        heading = heading_of(report, params, company, ctx.language)
        heading.notes = [str(note) for note in result.data.notes]
        content = attachment(session, company, result, heading, schedule.format)
        title = str(report.title)
    queue_mail(
        session,
        to=recipients_of(schedule.recipients),
        template="reporting/mail/schedule",
        context={
            "schedule": schedule,
            "report_title": title,
            "company": company,
            "count": result.count,
            "today": today,
        },
        language=ctx.language,
        attachments=[
            (filename(report.id, schedule.format, today), content, MIMETYPES[schedule.format])
        ],
    )


def send_now(session: Any, company: Any, schedule: Any, today: date) -> str:
    """Send ``schedule`` (in a savepoint) and record it as the job does: ``last_sent_at``
    and no ``last_error`` when sent, else the reason in ``last_error``, which is returned
    ('' when sent). ``next_run_on`` is left alone (the job moves it)."""
    from core.mail import now

    try:
        with session.begin_nested():
            send(session, company, schedule, today)
    except ValueError as exc:
        schedule.last_error = str(exc)
    except Exception as exc:  # a report's own failure: recorded, the others still go
        log.exception("schedule %s of company %s failed", schedule.id, company.id)
        schedule.last_error = f"{type(exc).__name__}: {exc}"
    else:
        schedule.last_error = ""
        schedule.last_sent_at = now()
    return schedule.last_error


def send_due(company: Any, today: date | None = None) -> int:
    """The periodic job: send every active schedule due on or before today; returns how many
    were sent. Each runs in a savepoint: one that fails leaves the others alone."""
    from core.db import session_of
    from core.documents import today as company_today

    session = session_of(company)
    today = today or company_today()
    due = session.scalars(
        select(ReportingSchedule)
        .where(ReportingSchedule.active.is_(True), ReportingSchedule.next_run_on <= today)
        .order_by(ReportingSchedule.id)
    ).all()
    sent = 0
    for schedule in due:
        if not send_now(session, company, schedule, today):
            sent += 1
        schedule.next_run_on = next_run(
            schedule.frequency, schedule.weekday, schedule.monthday, today + timedelta(days=1)
        )
    session.commit()
    return sent
