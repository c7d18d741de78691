"""Report periods: a date range given as dates or as a preset, and its comparison period.

Presets are relative to the company's today, so a saved preset ("this quarter") keeps its
meaning: it is resolved when the report runs. A range of whole calendar months compares
with the same number of months before it (October with September, a quarter with the
quarter before); any other range with the same number of days just before it. "Same
period last year" moves both ends back twelve months (29 February becomes the 28th).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.i18n import _
from core.i18n import lazy_gettext as _l

PRESETS = (
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
    "last_12_months",
)
PRESET_LABELS = (  # how the parameter form names them
    _l("This month"),
    _l("Last month"),
    _l("This quarter"),
    _l("Last quarter"),
    _l("This year"),
    _l("Last year"),
    _l("Last 12 months"),
)
COMPARISONS = ("none", "previous_period", "previous_year")
COMPARISON_LABELS = (_l("No comparison"), _l("Previous period"), _l("Same period last year"))


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, kept inside the month it lands in."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def preset_period(preset: str, today: date) -> Period:
    first = today.replace(day=1)
    quarter_start = first.replace(month=(today.month - 1) // 3 * 3 + 1)
    if preset == "this_month":
        return Period(first, month_end(today))
    if preset == "last_month":
        start = add_months(first, -1)
        return Period(start, month_end(start))
    if preset == "this_quarter":
        return Period(quarter_start, month_end(add_months(quarter_start, 2)))
    if preset == "last_quarter":
        start = add_months(quarter_start, -3)
        return Period(start, month_end(add_months(start, 2)))
    if preset == "this_year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31))
    if preset == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    if preset == "last_12_months":  # the twelve whole months up to and including this one
        return Period(add_months(first, -11), month_end(today))
    raise ValueError(f"unknown period preset {preset!r}")


def _whole_months(period: Period) -> int | None:
    """How many calendar months ``period`` spans when it is exactly whole months."""
    if period.start.day != 1 or period.end != month_end(period.end):
        return None
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def comparison_period(period: Period, comparison: str) -> Period | None:
    if comparison == "none":
        return None
    if comparison == "previous_year":
        return Period(add_months(period.start, -12), add_months(period.end, -12))
    months = _whole_months(period)
    if months is not None:
        start = add_months(period.start, -months)
        return Period(start, month_end(add_months(start, months - 1)))
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end)


class PeriodParams(Schema):
    """Parameters of a report over a period: ``date_from``/``date_to`` or a ``preset``
    (a preset wins when both are given; neither: this month)."""

    preset = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(PRESETS, labels=PRESET_LABELS),
        metadata={"label": _l("Period")},
    )
    date_from = fields.Date(load_default=None, allow_none=True, metadata={"label": _l("From")})
    date_to = fields.Date(load_default=None, allow_none=True, metadata={"label": _l("Until")})

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("preset") is None and start and end and start > end:
            raise ValidationError(str(_l("the end date is before the start date")), "date_to")


def resolve_period(params: dict[str, Any], today: date) -> Period:
    """The period ``params`` (loaded by a ``PeriodParams`` schema) asks for."""
    if params.get("preset"):
        return preset_period(params["preset"], today)
    start, end = params.get("date_from"), params.get("date_to")
    if start is None and end is None:
        return preset_period("this_month", today)
    if start is None:
        start = end.replace(day=1)
    if end is None:
        end = max(start, today)
    return Period(start, end)


GRANULARITIES = ("day", "week", "month", "quarter", "year")
GRANULARITY_LABELS = (_l("Day"), _l("Week"), _l("Month"), _l("Quarter"), _l("Year"))


def bucket_start(day: date, granularity: str) -> date:
    """The first day of the ``granularity`` bucket holding ``day`` (weeks start on Monday,
    ISO 8601). Reports group by the date column in SQL (the same on every engine) and fold
    the days into buckets here: no SQLite ``strftime`` against PostgreSQL ``date_trunc``."""
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if granularity == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown granularity {granularity!r}")


def bucket_end(start: date, granularity: str) -> date:
    """The last day of the bucket that starts on ``start``."""
    if granularity == "day":
        return start
    if granularity == "week":
        return start + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    return month_end(add_months(start, months - 1))


def bucket_label(start: date, granularity: str) -> str:
    """``2026-03-14``, ``2026-W11``, ``2026-03``, ``2026 Q1``, ``2026``."""
    if granularity == "day":
        return start.isoformat()
    if granularity == "week":
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity == "month":
        return f"{start.year}-{start.month:02d}"
    if granularity == "quarter":
        return _("%(year)s Q%(quarter)s", year=start.year, quarter=(start.month - 1) // 3 + 1)
    return str(start.year)


def comparison_shift(period: Period, compared: Period, comparison: str) -> Any:
    """A function moving a day of ``compared`` to the matching day of ``period``: by whole
    months when the comparison is a year back or both start on the 1st, else by days (so a
    row of the comparison period lands in the bucket of the period it is compared with)."""
    if comparison == "previous_year" or (period.start.day == 1 and compared.start.day == 1):
        months = (period.start.year - compared.start.year) * 12
        months += period.start.month - compared.start.month
        return lambda day: add_months(day, months)
    days = timedelta(days=(period.start - compared.start).days)
    return lambda day: day + days
