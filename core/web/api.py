"""Core JSON API: the current company, extended by add-ons (``extend_schema``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from marshmallow import ValidationError

from core.companies import save_company
from core.schemas import CompanySchema, extended_schema
from core.web.context import current_company, db_session, hooks, require_role

bp = Blueprint("core_api", __name__)


def _schema(company: Any, **kwargs: Any) -> Any:
    return extended_schema(CompanySchema, "core.company", hooks(), company=company, **kwargs)


@bp.get("/company")
def get_company() -> Any:
    company = current_company()
    if company is None:
        abort(404)
    return _schema(company).dump(company)


@bp.patch("/company")
def patch_company() -> Any:
    company = current_company()
    if company is None:
        abort(404)
    require_role("admin")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return {"errors": {"_schema": ["send a JSON object"]}}, 400
    schema = _schema(company, partial=True)
    try:
        data = schema.load(payload)
    except ValidationError as exc:
        return {"errors": exc.messages}, 400
    session = db_session()
    try:
        save_company(company, data, hooks())
        session.commit()
    except ValidationError as exc:
        session.rollback()
        return {"errors": exc.messages}, 400
    except Exception:
        session.rollback()
        raise
    return _schema(company).dump(company)
