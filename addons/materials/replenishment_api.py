"""materials: the replenishment report in the JSON API, under ``/api/v1/materials``.

- ``GET /replenishment``: the report's lines (query: ``warehouse_id``, ``vendor_id``,
  ``category_id``, ``all=1`` for every rule, not only the lines proposing something):
  ``{"items": [...], "total": n, "can_replenish": bool}``; role ``materials.user``.
- ``POST /replenishment`` ``{"rule_ids": [...]}``: hand the chosen lines' proposals to
  ``materials_replenish`` (purchasing makes requisitions), the numbers computed again now:
  ``201 {"run": {...}, "made": n}``; a rule id that is not the company's is a 404, a line
  proposing nothing now (or no add-on taking proposals) a 400 naming it; role
  ``materials.user``.
- ``GET/POST /rules``, ``GET/PATCH /rules/<id>``: reorder rules (read: ``materials.user``;
  write: ``materials.manager``); a maximum below the minimum and the other bad input are
  ``400`` naming the field.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from core.schemas import QuantityField
from core.web.api_resources import ApiErrorSchema, ApiRefused, register_resource
from core.web.context import current_user, db_session, require_role

from . import replenishment
from .models import MaterialsReorderRule
from .replenishment_views import read_filters, rule_form, rules_list, run_report

api = Blueprint("replenishment", __name__, description="Materials: the replenishment report")
RULES = register_resource(api, "/rules", form=rule_form, list_spec=rules_list.spec)


class ReportLineSchema(Schema):
    """One line of the Material Replenishment Report."""

    rule_id = fields.Integer()
    product_id = fields.Integer()
    product_code = fields.String()
    product_name = fields.String()
    warehouse_id = fields.Integer()
    warehouse_code = fields.String()
    vendor_id = fields.Integer(allow_none=True)
    vendor_name = fields.String()
    on_hand = QuantityField()
    reserved = QuantityField()
    on_order = QuantityField()
    requested = QuantityField()
    projected = QuantityField()
    minimum = QuantityField()
    maximum = QuantityField()
    multiple = QuantityField()
    vendor_min_qty = QuantityField()
    lead_days = fields.Integer()
    proposed = QuantityField()
    needed_by = fields.Date(allow_none=True)
    reason = fields.String()


class ReportSchema(Schema):
    items = fields.List(fields.Nested(ReportLineSchema))
    total = fields.Integer()
    can_replenish = fields.Boolean()


class ReplenishSchema(Schema):
    """The lines (by their rule's id) whose proposals are handed on."""

    rule_ids = fields.List(
        fields.Integer(), required=True, validate=validate.Length(min=1, max=100_000)
    )


class RunSchema(Schema):
    id = fields.Integer()
    trigger = fields.String()
    lines = fields.Integer()
    user_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ReplenishAnswerSchema(Schema):
    run = fields.Nested(RunSchema)
    made = fields.Integer()


@api.route("/replenishment", methods=["GET"])
@api.doc(summary="The Material Replenishment Report")
@api.response(200, ReportSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="bad filters")
def get_report() -> Any:
    """The report's lines, with the numbers and why each proposes what it does."""
    require_role("materials.user")
    data = read_filters(request.args)
    lines = run_report(data)
    schema = ReportLineSchema()
    return jsonify(
        {
            "items": [schema.dump(line) for line in lines],
            "total": len(lines),
            "can_replenish": replenishment.can_replenish(db_session()),
        }
    )


@api.route("/replenishment", methods=["POST"])
@api.doc(summary="Create requisitions from the report's lines")
@api.arguments(ReplenishSchema, location="json")
@api.response(201, ReplenishAnswerSchema)
@api.alt_response(400, schema=ApiErrorSchema, description="refused input")
def post_replenish(body: dict[str, Any]) -> Any:
    """Hand the chosen lines' proposals on (purchasing makes draft requisitions)."""
    require_role("materials.user")
    session = db_session()
    for rule_id in body["rule_ids"]:
        if session.get(MaterialsReorderRule, rule_id) is None:  # another company's too
            raise ApiRefused(404, "Not Found", f"no reorder rule {rule_id}")
    try:
        run, made = replenishment.replenish_rules(session, body["rule_ids"], current_user())
    except ValidationError:
        session.rollback()
        raise
    answer = {"run": RunSchema().dump(run), "made": len(made or [])}
    session.commit()
    return jsonify(answer), 201
