"""Running a report for someone: which reports a user may see, the context a run gets,
parameters as text again (links, presets, JSON), values as JSON and drill-down targets.

The page, the API, the exports and the e-mailed schedules all go through here and through
``framework.load_params``/``run_report``, so a rule holds everywhere at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from .framework import Column, Drill, Report, ReportContext, Result, UnknownReport, reports_of

USER = "reporting.user"
MANAGER = "reporting.manager"
PAGE_ROWS = 1_000  # rows a page shows; exports hold every row


class NotAllowed(PermissionError):
    """The user lacks the roles a report (or reporting) asks for: a 403."""


def may_run(report: Report, held: Iterable[str]) -> bool:
    """Whether roles ``held`` (implied ones included) may run ``report``."""
    held = frozenset(held)
    if USER not in held:
        return False
    return not report.roles or any(role in held for role in report.roles)


def visible_reports(relay: Any, held: Iterable[str]) -> list[Report]:
    """The reports of the company's enabled add-ons that roles ``held`` may run."""
    held = frozenset(held)
    return [r for r in reports_of(relay).values() if may_run(r, held)]


def grouped(reports: Iterable[Report]) -> list[tuple[str, list[Report]]]:
    """Reports under their headings, headings and titles in alphabetical order."""
    groups: dict[str, list[Report]] = {}
    for report in reports:
        groups.setdefault(str(report.group or ""), []).append(report)
    return [
        (name, sorted(items, key=lambda r: str(r.title).casefold()))
        for name, items in sorted(groups.items(), key=lambda item: item[0].casefold())
    ]


def runnable_reports(relay: Any, held: Iterable[str]) -> dict[str, Report]:
    """The company's reports the roles ``held`` may run, by id: the targets a drill-down may
    link to (a link the user could only follow into a 403 is not offered)."""
    held = set(held)
    return {k: r for k, r in reports_of(relay).items() if may_run(r, held)}


def open_report(relay: Any, report_id: str, held: Iterable[str]) -> Report:
    """The report ``report_id`` for the company of ``relay``: ``UnknownReport`` when no
    enabled add-on registers it, ``NotAllowed`` when roles ``held`` may not run it."""
    report = reports_of(relay).get(report_id)
    if report is None:
        raise UnknownReport(report_id)
    if not may_run(report, held):
        raise NotAllowed(report_id)
    return report


def context_for(session: Any, company: Any, user: Any, today: date | None = None) -> ReportContext:
    from core.documents import today as company_today

    language = getattr(user, "language", None) or "tr"
    return ReportContext(session, company, user, today or company_today(), language)


# ------------------------------------------------------------------ parameters as text
def plain(value: Any) -> Any:
    """A loaded parameter value as JSON and a query string take it (dates ISO)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def raw_params(report: Report, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` (loaded, or raw as a drill-down may give them) as the report's schema
    takes them again, ``None`` left out: for links, presets and the API's answer."""
    fields = report.params().fields
    raw: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        field = fields.get(key)
        if field is not None and not isinstance(value, str):
            # a value it cannot write is kept as given: loaded, or refused, when used
            with suppress(TypeError, ValueError, AttributeError):
                value = field.serialize(key, {key: value})
        if value is not None:
            raw[key] = plain(value)
    return raw


def query_string(raw: Mapping[str, Any]) -> str:
    pairs = []
    for key, value in raw.items():
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            pairs.append((key, str(one).lower() if isinstance(one, bool) else str(one)))
    return urlencode(pairs)


def raw_from_args(report: Report, args: Any) -> dict[str, Any]:
    """A query string or form (``MultiDict``) as schema input: only the report's fields,
    empty values left out (the schema's default applies)."""
    from marshmallow import fields

    schema = report.params()
    raw: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if field.dump_only or name not in args:
            continue
        if isinstance(field, fields.List):
            values = [v for v in args.getlist(name) if v.strip()]
            if values:
                raw[name] = values
            continue
        value = args.get(name, "").strip()
        if value != "":
            raw[name] = value
    return raw


# ---------------------------------------------------------------------- values as JSON
def json_value(column: Column, value: Any) -> Any:
    """A cell for JSON: money, quantities and percents as strings (as the API gives
    Decimals), dates ISO, integers and text as they are."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if column.kind == "money":
            return str(value.quantize(Decimal("0.01")))
        if column.kind == "price":
            return str(value.quantize(Decimal("0.0001")))
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def drill_target(
    result: Result, ctx: ReportContext, row: Any, reports: Mapping[str, Report]
) -> dict | None:
    """Where a row leads, as data: ``{"report", "params", "url"}`` (the report's page with
    those parameters) or ``{"url"}`` (a page); None: nowhere. ``reports``: the company's
    (``reports_of``, read once per page, not per row)."""
    report = result.report
    if report.drill is None:
        return None
    target: Drill | None = report.drill(ctx, result.params, result.as_mapping(row))
    if target is None:
        return None
    if target.report:
        other = reports.get(target.report)
        if other is None:  # the other report's add-on is not enabled
            return None
        raw = raw_params(other, target.params)
        url = f"/reporting/{target.report}?_run=1&{query_string(raw)}"
        return {"report": target.report, "params": raw, "url": url}
    if target.url:
        return {"url": target.url}
    return None


def drill_link(
    result: Result, ctx: ReportContext, row: Any, reports: Mapping[str, Report]
) -> str | None:
    """The URL a row leads to (another run of a report, or a page), or None."""
    target = drill_target(result, ctx, row, reports)
    return target["url"] if target else None
