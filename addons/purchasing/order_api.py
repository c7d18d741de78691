"""purchasing: the purchase orders' JSON API under ``/api/v1/purchasing``.

``/orders``: list (the page's filters, ``q``, sort, keyset pages), read, create and change a
draft (the same services as the pages); each action as ``POST /orders/<id>/<action>``
(``confirm`` - optional body ``{"mail": false}`` to confirm without e-mailing the vendor -,
``done``, ``cancel``, ``reopen``) answering the order. ``POST /requisitions/order`` makes
purchase orders of the approved requisitions (optional body ``{"requisition_ids": [..]}``)
and answers ``{"orders": [...], "exceptions": [...], "lines_ordered": n}``; lines without
a vendor are the exceptions, not ordered.

A refused action is ``409 {"error": ...}`` with the reason; bad input ``400 {"errors":
{field: [...]}}``; another company's id is a 404."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import ValidationError

from core.documents import TransitionRefused, Veto
from core.i18n import translate_message
from core.web.api_resources import ApiErrorSchema, ApiRefused, register_resource
from core.web.context import current_user, db_session, require_role

from . import orders
from .order_views import BUYER, find_action, order_form, orders_list, render_order_pdf
from .schemas import ConfirmSchema, RunOrderingSchema

api = Blueprint(
    "purchasing_orders", __name__, description="Purchasing: purchase orders and ordering"
)

ORDERS = register_resource(api, "/orders", form=order_form, list_spec=orders_list.spec)
ACTIONS = ("confirm", "done", "cancel", "reopen")


def _run(service: Any) -> Any:
    session = db_session()
    try:
        result = service(session)
        session.commit()
    except (TransitionRefused, Veto) as exc:
        session.rollback()
        raise ApiRefused(409, "Conflict", translate_message(str(exc))) from exc
    except ValidationError as exc:
        session.rollback()
        raise ValidationError(exc.normalized_messages()) from exc
    except Exception:
        session.rollback()
        raise
    return result


def _action_view(action: str) -> Any:
    step = find_action(action)
    assert step is not None

    def view(*args: Any, record_id: int) -> Any:
        order = ORDERS.load(record_id)  # another company's: 404
        require_role(step.role)
        if order.state not in step.states or not step.when(order):
            raise ApiRefused(409, "Conflict", f"{action}: not possible in state {order.state}")
        user = current_user()
        if action == "confirm":
            mail = (args[0] if args else {}).get("mail", True)
            _run(lambda s: orders.confirm_order(s, order, user, pdf=render_order_pdf, mail=mail))
        else:
            _run(lambda s: step.run(s, order, user))
        return jsonify(ORDERS.dump(order))

    view.__name__ = f"order_{action}"
    view.__doc__ = str(step.label)
    if action == "confirm":
        view.__doc__ += "\n\n" + (ConfirmSchema.__doc__ or "")
        view = api.arguments(ConfirmSchema, location="json", required=False)(view)
    return api.doc(summary=f"{action.capitalize()} a purchase order")(
        api.response(200, ORDERS.schema)(
            api.alt_response(400, schema=ApiErrorSchema, description="refused input")(
                api.alt_response(409, schema=ApiErrorSchema, description="not possible now")(view)
            )
        )
    )


for _action in ACTIONS:
    api.add_url_rule(
        f"/orders/<int:record_id>/{_action}",
        f"order_{_action}",
        _action_view(_action),
        methods=["POST"],
    )


@api.route("/requisitions/order", methods=["POST"])
@api.arguments(RunOrderingSchema, location="json", required=False)
@api.alt_response(400, schema=ApiErrorSchema, description="refused input")
@api.doc(summary="Make purchase orders from approved requisitions")
def order_requisitions(*args: Any) -> Any:
    """Purchase orders from the approved requisitions' lines not ordered yet (grouped per
    vendor, warehouse, currency and the company's ``group_by`` keys); lines without a vendor
    are answered as ``exceptions`` and stay approved."""
    from .ordering import order_requisitions as run

    require_role(BUYER)
    body = args[0] if args else {}
    user = current_user()
    made: dict[str, Any] = {}

    def service(session: Any) -> Any:
        result = run(session, user, body.get("requisition_ids"), pdf=render_order_pdf)
        session.flush()
        made["orders"] = [ORDERS.dump(o) for o in result.orders]
        made["exceptions"] = [
            {
                "requisition_id": e.requisition_id,
                "requisition_number": e.requisition_number,
                "line_id": e.line_id,
                "product_id": e.product_id,
                "description": e.description,
                "quantity": str(e.quantity),
                "reason": translate_message(e.reason),
            }
            for e in result.exceptions
        ]
        made["lines_ordered"] = result.lines_ordered
        made["requisitions_ordered"] = result.requisitions_ordered
        return result

    _run(service)
    return jsonify(made)
