"""purchasing: the receipts' JSON API under ``/api/v1/purchasing``.

``/receipts``: list (the page's filters), read, change a draft (``PATCH``: reference, date,
note, ``lines`` of ``{"id" or "order_line_id", "quantity"}``); ``POST /receipts/<id>/post``
receives it (stock moves), ``POST /receipts/<id>/cancel`` cancels a draft.
``POST /orders/<id>/receive`` makes a draft receipt of a confirmed order: everything left,
or ``{"lines": [{"line_id": <order line>, "quantity": ..}]}`` (more than ordered only
within the company's receipt tolerance). Sales' style: each action answers the document
(or the one it made); a refused action is ``409``, bad input ``400 {"errors": {...}}`` with
nothing written, another company's id ``404``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import abort, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema

from core.documents import TransitionRefused
from core.i18n import N_
from core.schemas import QuantityField
from core.web.api_resources import ApiErrorSchema, ApiRefused, register_resource
from core.web.context import current_user, db_session, require_role

from . import receipts
from .models import PurchasingOrder
from .receipt_views import POSITIVE, RECEIVER, USER, receipt_form, receipts_list

api = Blueprint("receipts", __name__, description="Purchasing: receipts against purchase orders")

RECEIPTS = register_resource(api, "/receipts", form=receipt_form, list_spec=receipts_list.spec)


class PurchasePickedLineSchema(Schema):
    line_id = fields.Integer(required=True)
    quantity = QuantityField(required=True, validate=POSITIVE)


class PurchasePickSchema(Schema):
    """The order lines and quantities to take; without ``lines``, everything open."""

    lines = fields.List(fields.Nested(PurchasePickedLineSchema), load_default=None)

    @validates_schema
    def _once_each(self, data: dict, **_: Any) -> None:
        ids = [row["line_id"] for row in data.get("lines") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError(N_("a line is named twice"), "lines")


def quantities(body: dict[str, Any]) -> dict[int, Decimal] | None:
    lines = body.get("lines")
    return None if lines is None else {row["line_id"]: row["quantity"] for row in lines}


def load_order(record_id: int) -> PurchasingOrder:
    require_role(USER)
    order = db_session().get(PurchasingOrder, record_id)
    if order is None:
        abort(404)
    return order


def action_route(
    blp: Blueprint,
    rule: str,
    endpoint: str,
    load: Callable[[int], Any],
    role: str,
    states: tuple[str, ...],
    run: Callable[[Any, Any, Any, dict[str, Any]], Any],
    answer: Any,
    summary: str,
    body: type[Schema] | None = None,
) -> None:
    """``POST rule``: the document (404 elsewhere), the role (403), its state (409), then
    ``run(session, document, user, body)`` in one transaction; answers ``answer``'s dump of
    what it returned (or of the document)."""

    def view(*args: Any, record_id: int) -> Any:
        document = load(record_id)
        require_role(role)
        if document.state not in states:
            raise ApiRefused(409, "Conflict", f"not possible in state {document.state}")
        session = db_session()
        try:
            result = run(session, document, current_user(), args[0] if args else {})
            session.commit()
        except TransitionRefused as exc:
            session.rollback()
            raise ApiRefused(409, "Conflict", str(exc)) from exc
        except ValidationError as exc:
            session.rollback()
            raise ValidationError(exc.normalized_messages()) from exc
        return jsonify(answer.dump(result if result is not None else document))

    view.__name__ = endpoint
    view.__doc__ = summary
    if body is not None:
        view = blp.arguments(body, location="json", required=False)(view)
    view = blp.doc(summary=summary)(
        blp.response(200, answer.schema)(
            blp.alt_response(400, schema=ApiErrorSchema, description="refused input")(
                blp.alt_response(409, schema=ApiErrorSchema, description="not possible now")(view)
            )
        )
    )
    blp.add_url_rule(rule, endpoint, view, methods=["POST"])


action_route(
    api,
    "/receipts/<int:record_id>/post",
    "receipt_post",
    RECEIPTS.load,
    RECEIVER,
    ("draft",),
    lambda s, doc, user, body: receipts.post_receipt(s, doc, user),
    RECEIPTS,
    "Receive the goods of a draft receipt",
)
action_route(
    api,
    "/receipts/<int:record_id>/cancel",
    "receipt_cancel",
    RECEIPTS.load,
    RECEIVER,
    ("draft",),
    lambda s, doc, user, body: receipts.cancel_receipt(s, doc, user),
    RECEIPTS,
    "Cancel a draft receipt",
)
action_route(
    api,
    "/orders/<int:record_id>/receive",
    "order_receive",
    load_order,
    RECEIVER,
    ("confirmed",),
    lambda s, order, user, body: receipts.receive_order(s, order, quantities(body)),
    RECEIPTS,
    "Make a draft receipt of a purchase order",
    body=PurchasePickSchema,
)
