"""sales: the JSON API under ``/api/v1/sales``: quotes, orders, deliveries, invoices and
payments (list, read, create and change where the pages allow it, on the same lists and
services), and each document action as ``POST /<documents>/<id>/<action>`` answering the
document (or the one it made: the order of an accepted quote, the invoice of an order).
Four actions take an optional JSON body: an order's ``invoice`` and an invoice's
``credit_note`` the lines and quantities (``{"lines": [{"line_id": .., "quantity": ..}]}``),
a payment's ``post`` the invoices it pays (``{"allocations": [{"invoice_id": ..,
"amount": ..}]}``), an invoice's ``use_credit`` the customer's credits it uses
(``{"credits": [{"payment_id" or "credit_note_id": .., "amount": ..}]}``); without one,
everything open (oldest first).

A refused action is ``409 {"error": ...}`` with the reason; bad input ``400 {"errors":
{field: [...]}}``; another company's id is a 404. Core's generic ``.../actions/<action>``
routes exist too but refuse sales transitions (``before_transition``): use these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError

from core.documents import TransitionRefused
from core.web.api_resources import ApiErrorSchema, ApiRefused, register_resource
from core.web.context import require_role

from . import invoices, payments
from .schemas import PickQuantitiesSchema, PostPaymentSchema, UseCreditSchema
from .views import (
    FORMS,
    KIND_OF,
    deliveries_list,
    find_action,
    invoices_list,
    orders_list,
    payments_list,
    quotes_list,
    run_action,
)

api = Blueprint("sales", __name__, description="Sales: quotes, orders, deliveries, invoices")

RESOURCES = {
    "quote": register_resource(api, "/quotes", form=FORMS["quote"], list_spec=quotes_list.spec),
    "order": register_resource(api, "/orders", form=FORMS["order"], list_spec=orders_list.spec),
    "delivery": register_resource(
        api, "/deliveries", form=FORMS["delivery"], list_spec=deliveries_list.spec
    ),
    "invoice": register_resource(
        api, "/invoices", form=FORMS["invoice"], list_spec=invoices_list.spec
    ),
    "payment": register_resource(
        api, "/payments", form=FORMS["payment"], list_spec=payments_list.spec
    ),
}
PATHS = {
    "quote": "/quotes",
    "order": "/orders",
    "delivery": "/deliveries",
    "invoice": "/invoices",
    "payment": "/payments",
}
# action -> the kind of document it answers (the one it makes, else the same)
ROUTES = {
    "quote": {
        "send": "quote",
        "accept": "order",
        "reject": "quote",
        "cancel": "quote",
        "reopen": "quote",
    },
    "order": {"confirm": "order", "cancel": "order", "invoice": "invoice", "reopen": "order"},
    "delivery": {"ship": "delivery", "cancel": "delivery"},
    "invoice": {
        "post": "invoice",
        "cancel": "invoice",
        "credit_note": "invoice",
        "use_credit": "invoice",
    },
    "payment": {"post": "payment", "cancel": "payment"},
}


def _quantities(body: dict[str, Any]) -> dict[int, Decimal] | None:
    lines = body.get("lines")
    return None if lines is None else {row["line_id"]: row["quantity"] for row in lines}


# actions that take a body: (schema, the service called with what it loaded)
BODIES: dict[tuple[str, str], tuple[type[Schema], Callable[..., Any]]] = {
    ("order", "invoice"): (
        PickQuantitiesSchema,
        lambda s, doc, user, body: invoices.invoice_order(s, doc, _quantities(body)),
    ),
    ("invoice", "credit_note"): (
        PickQuantitiesSchema,
        lambda s, doc, user, body: invoices.credit_note(s, doc, _quantities(body)),
    ),
    ("invoice", "use_credit"): (
        UseCreditSchema,
        lambda s, doc, user, body: payments.use_credit(s, doc, body.get("credits")),
    ),
    ("payment", "post"): (
        PostPaymentSchema,
        lambda s, doc, user, body: payments.post_payment(s, doc, user, body.get("allocations")),
    ),
}


def _action_view(kind: str, action: str) -> Any:
    resource = RESOURCES[kind]
    answer = RESOURCES[ROUTES[kind][action]]
    step = find_action(kind, action)
    assert step is not None
    body_of = BODIES.get((kind, action))

    def view(*args: Any, record_id: int) -> Any:
        document = resource.load(record_id)  # another company's: 404
        require_role(step.role)
        if document.state not in step.states or not step.when(document):
            raise ApiRefused(409, "Conflict", f"{action}: not possible in state {document.state}")
        chosen = step
        if body_of is not None:
            body = args[0] if args else {}
            chosen = replace(step, run=lambda s, doc, user: body_of[1](s, doc, user, body))
        try:
            result = run_action(kind, document, chosen)
        except TransitionRefused as exc:
            raise ApiRefused(409, "Conflict", str(exc)) from exc
        except ValidationError as exc:  # named by its field: {"lines": [...]}
            raise ValidationError(exc.normalized_messages()) from exc
        if result is not None and type(result) in KIND_OF:
            return jsonify(RESOURCES[KIND_OF[type(result)]].dump(result))
        return jsonify(resource.dump(document))

    view.__name__ = f"{kind}_{action}"
    view.__doc__ = f"{step.label}"
    if body_of is not None:
        view.__doc__ += "\n\n" + (body_of[0].__doc__ or "")
        view = api.arguments(body_of[0], location="json", required=False)(view)
    return api.doc(summary=f"{action.replace('_', ' ').capitalize()} a {kind}")(
        api.response(200, answer.schema)(
            api.alt_response(400, schema=ApiErrorSchema, description="refused input")(
                api.alt_response(409, schema=ApiErrorSchema, description="not possible now")(view)
            )
        )
    )


for _kind, _actions in ROUTES.items():
    for _action in _actions:
        api.add_url_rule(
            f"{PATHS[_kind]}/<int:record_id>/{_action}",
            f"{_kind}_{_action}",
            _action_view(_kind, _action),
            methods=["POST"],
        )
