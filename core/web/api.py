"""Core JSON API (``/api/v1/core``): the current company (extended by add-ons through
``extend_schema``), partners and products (the same lists, schemas and services as the pages).
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_smorest import Blueprint

from core.companies import save_company
from core.schemas import CompanySchema, extended_schema, mark_extensible
from core.web.api_resources import ApiErrorSchema, json_object, register_resource
from core.web.context import current_company, db_session, hooks, require_role
from core.web.master_data import partner_form, partners, product_form, products

bp = Blueprint("core_api", __name__, description="Core: the company, partners and products")


mark_extensible(CompanySchema)


def _schema(company: Any, **kwargs: Any) -> Any:
    return extended_schema(CompanySchema, "core.company", hooks(), company=company, **kwargs)


def _company() -> Any:
    company = current_company()
    if company is None:
        abort(404)
    return company


@bp.route("/company", methods=["GET"])
@bp.response(200, CompanySchema)
def get_company() -> Any:
    """The company the token acts for (with the fields its add-ons add)."""
    company = _company()
    return jsonify(_schema(company).dump(company))


@bp.route("/company", methods=["PATCH"])
@bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": CompanySchema}}})
@bp.response(200, CompanySchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="bad input")
def patch_company() -> Any:
    """Change the company (admin)."""
    company = _company()
    require_role("admin")
    payload = json_object()
    data = _schema(company, partial=True).load(payload)  # ValidationError -> 400
    session = db_session()
    try:
        save_company(company, data, hooks())
        session.commit()
    except Exception:
        session.rollback()
        raise
    return jsonify(_schema(company).dump(company))


register_resource(bp, "/partners", form=partner_form, list_spec=partners.spec)
register_resource(bp, "/products", form=product_form, list_spec=products.spec)
