"""Saved parameters of a report: a user's own presets and those shared with the company
(shared ones are made and removed by a ``reporting.manager``). One preset per scope may be
the default, opened when the report's page is opened without parameters: the user's own
default first, else the company's. Stored parameters are loaded again on every use."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import or_, select

from core.i18n import N_

from .models import ReportingPreset

NAME_NEEDED = N_("give the preset a name")
NAME_TOO_LONG = N_("a name has at most 80 characters")
SHARING_NEEDS_MANAGER = N_("only a reporting manager shares presets with the company")
NOT_YOURS = N_("only a reporting manager changes a shared preset")


def visible(session: Any, user_id: int, report_id: str | None = None) -> list[ReportingPreset]:
    """The user's own presets and the shared ones (of ``report_id``, or of every report)."""
    stmt = select(ReportingPreset).where(
        or_(ReportingPreset.user_id == user_id, ReportingPreset.user_id.is_(None))
    )
    if report_id is not None:
        stmt = stmt.where(ReportingPreset.report_id == report_id)
    return list(session.scalars(stmt.order_by(ReportingPreset.report_id, ReportingPreset.name)))


def get(session: Any, preset_id: int, user_id: int) -> ReportingPreset | None:
    """A preset this user sees (own or shared; another user's or company's: None)."""
    preset = session.get(ReportingPreset, preset_id)
    if preset is None or preset.user_id not in (None, user_id):
        return None
    return preset


def default_of(session: Any, user_id: int, report_id: str) -> ReportingPreset | None:
    found = [p for p in visible(session, user_id, report_id) if p.is_default]
    return next((p for p in found if p.user_id == user_id), found[0] if found else None)


def params_of(preset: Any) -> dict[str, Any]:
    return json.loads(preset.params or "{}")


def save(
    session: Any,
    user_id: int,
    report_id: str,
    name: str,
    raw: dict[str, Any],
    shared: bool = False,
    is_default: bool = False,
    manager: bool = False,
) -> ReportingPreset:
    """Save ``raw`` (the report's checked parameters, as text) under ``name``; a preset of
    the same name and scope is replaced."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [NAME_NEEDED]})
    if len(name) > 80:
        raise ValidationError({"name": [NAME_TOO_LONG]})
    if shared and not manager:
        raise ValidationError({"shared": [SHARING_NEEDS_MANAGER]})
    owner = None if shared else user_id
    preset = session.scalars(
        select(ReportingPreset).where(
            ReportingPreset.report_id == report_id,
            ReportingPreset.name == name,
            ReportingPreset.user_id.is_(None)
            if owner is None
            else ReportingPreset.user_id == owner,
        )
    ).first()
    if preset is None:
        preset = ReportingPreset(user_id=owner, report_id=report_id, name=name)
        session.add(preset)
    preset.params = json.dumps(raw, sort_keys=True)
    session.flush()
    if is_default:
        make_default(session, preset, user_id, manager)
    return preset


def _check_may_change(preset: ReportingPreset, user_id: int, manager: bool) -> None:
    if preset.user_id is None and not manager:
        raise ValidationError({"_schema": [NOT_YOURS]})
    if preset.user_id not in (None, user_id):
        raise ValidationError({"_schema": [NOT_YOURS]})


def make_default(session: Any, preset: ReportingPreset, user_id: int, manager: bool) -> None:
    """``preset`` becomes the default of its scope (the user's, or the company's)."""
    _check_may_change(preset, user_id, manager)
    for other in visible(session, user_id, preset.report_id):
        if other.user_id == preset.user_id and other.id != preset.id:
            other.is_default = False
    preset.is_default = True
    session.flush()


def delete(session: Any, preset: ReportingPreset, user_id: int, manager: bool) -> None:
    _check_may_change(preset, user_id, manager)
    session.delete(preset)
    session.flush()
