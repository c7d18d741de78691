"""The customer view on a partner's page: the figures and one timeline of everything the
enabled add-ons know of the partner (``partner_figures``, ``partner_activities``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import render_template

from core.i18n import _
from core.ui import Activity, FormSection, by_sequence
from core.web.context import hooks

TIMELINE_LIMIT = 50  # newest activities shown (each add-on is asked for as many)


def _moment(activity: Activity) -> datetime:
    """A sort key: dates count as their midnight, naive moments as UTC."""
    when = activity.when
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    if isinstance(when, date):
        return datetime(when.year, when.month, when.day, tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)


def timeline(partner: Any, limit: int = TIMELINE_LIMIT) -> list[Activity]:
    """Every enabled add-on's newest activities of ``partner``, merged, newest first."""
    found = hooks().gather("partner_activities", partner=partner, limit=limit)
    return sorted(found, key=_moment, reverse=True)[:limit]


def partner_overview(partner: Any) -> list[FormSection]:
    """The "Customer view" section of a partner's page (none when no add-on answers)."""
    figures = by_sequence(hooks().gather("partner_figures", partner=partner))
    activities = timeline(partner)
    if not figures and not activities:
        return []
    html = render_template("core/partner_overview.html", figures=figures, activities=activities)
    return [FormSection(_("Customer view"), html, sequence=0)]
