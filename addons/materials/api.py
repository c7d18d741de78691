"""materials: the JSON API under ``/api/v1/materials``: warehouses (with their locations;
list, read, create, change), stock levels (read), moves (read; ``POST /moves`` posts a move
by hand: a receipt, issue, transfer or adjustment), inventory counts (list, read, create,
change while draft; ``POST /counts/<id>/actions/post`` posts one, ``.../actions/cancel``
cancels a draft; ``POST /counts/<id>/fill`` adds a line for every product with stock).

Bad input is ``400 {"errors": {field: [...]}}``; another company's id is a 404; a refused
action (a count posted already) a 409."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import ValidationError

from core.web.api_resources import ApiErrorSchema, ApiRefused, register_resource
from core.web.context import db_session, require_role

from . import counts
from .models import MaterialsStock
from .schemas import LevelSchema
from .views import (
    USER,
    count_form,
    counts_list,
    levels_list,
    move_form,
    moves_list,
    warehouse_form,
    warehouses_list,
)

api = Blueprint("materials", __name__, description="Materials: warehouses, stock, moves, counts")

WAREHOUSES = register_resource(
    api, "/warehouses", form=warehouse_form, list_spec=warehouses_list.spec
)
LEVELS = register_resource(
    api,
    "/levels",
    model=MaterialsStock,
    schema=LevelSchema,
    schema_name="materials.level",
    list_spec=levels_list.spec,
    record_type="materials.level",
    read_role=USER,
    write_role=USER,
)
MOVES = register_resource(api, "/moves", form=move_form, list_spec=moves_list.spec)
COUNTS = register_resource(api, "/counts", form=count_form, list_spec=counts_list.spec)


@api.doc(summary="Add a line for every product with stock in the count's warehouse")
@api.response(200, COUNTS.schema)
@api.alt_response(409, schema=ApiErrorSchema, description="the count is not a draft")
def count_fill(record_id: int) -> Any:
    count = COUNTS.load(record_id)  # another company's: 404
    require_role(USER)
    if count.state != "draft":
        raise ApiRefused(409, "Conflict", f"fill: not possible in state {count.state}")
    session = db_session()
    try:
        counts.fill(session, count)
    except ValidationError:
        session.rollback()
        raise
    session.commit()
    return jsonify(COUNTS.dump(count))


api.add_url_rule("/counts/<int:record_id>/fill", "count_fill", count_fill, methods=["POST"])
