"""purchasing: the JSON API of vendor payments and balances, under ``/api/v1/purchasing``.

``/payments``: list (the page's filters, ``q``, sort, keyset pages), read, create and change
a draft (the same services as the pages); ``POST /payments/<id>/post`` with an optional
``{"allocations": [{"invoice_id": .., "amount": ..}]}`` (without: the vendor's open
invoices, oldest due first; the rest is an advance), ``POST /payments/<id>/cancel``.
``GET /vendors/<partner_id>/balance``: what the company owes the vendor (open invoices
less advances) and the overdue part.

A refused action is ``409 {"error": ...}``; bad input ``400 {"errors": {field: [...]}}``
(allocations by their index); another company's id is a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify
from flask_smorest import Blueprint
from marshmallow import ValidationError

from core.documents import TransitionRefused
from core.models import Partner
from core.web.api_resources import ApiErrorSchema, ApiRefused, register_resource
from core.web.context import current_user, db_session, require_role

from . import ledger, payments
from .payment_schemas import PostVendorPaymentSchema, VendorBalanceSchema
from .payment_views import ACCOUNTANT, USER, payment_form, payments_list

api = Blueprint(
    "purchasing_payments", __name__, description="Purchasing: vendor payments and balances"
)

PAYMENTS = register_resource(api, "/payments", form=payment_form, list_spec=payments_list.spec)


def _act(record_id: int, states: tuple[str, ...], action: str, service: Any) -> Any:
    document = PAYMENTS.load(record_id)  # another company's: 404
    require_role(ACCOUNTANT)
    if document.state not in states:
        raise ApiRefused(409, "Conflict", f"{action}: not possible in state {document.state}")
    session = db_session()
    try:
        service(session, document, current_user())
        session.commit()
    except TransitionRefused as exc:
        session.rollback()
        raise ApiRefused(409, "Conflict", str(exc)) from exc
    except ValidationError as exc:
        session.rollback()
        raise ValidationError(exc.normalized_messages()) from exc
    except Exception:
        session.rollback()
        raise
    return jsonify(PAYMENTS.dump(document))


@api.route("/payments/<int:record_id>/post", methods=["POST"])
@api.arguments(PostVendorPaymentSchema, location="json", required=False)
@api.response(200, PAYMENTS.schema)
@api.alt_response(400, schema=ApiErrorSchema, description="refused input")
@api.alt_response(409, schema=ApiErrorSchema, description="not possible now")
@api.doc(summary="Post a vendor payment")
def payment_post(body: dict[str, Any], record_id: int) -> Any:
    """Post the payment against the invoices named (or the oldest due first)."""
    allocations = (body or {}).get("allocations")
    return _act(
        record_id,
        ("draft",),
        "post",
        lambda s, doc, user: payments.post_payment(s, doc, user, allocations),
    )


@api.route("/payments/<int:record_id>/cancel", methods=["POST"])
@api.response(200, PAYMENTS.schema)
@api.alt_response(409, schema=ApiErrorSchema, description="not possible now")
@api.doc(summary="Cancel a vendor payment")
def payment_cancel(record_id: int) -> Any:
    """Cancel the payment; its allocations are undone."""
    return _act(record_id, ("draft", "posted"), "cancel", payments.cancel_payment)


@api.route("/vendors/<int:partner_id>/balance", methods=["GET"])
@api.response(200, VendorBalanceSchema)
@api.doc(summary="A vendor's balance")
def vendor_balance(partner_id: int) -> Any:
    """What the company owes the vendor today: open invoices less advances; overdue."""
    require_role(USER)
    session = db_session()
    partner = session.get(Partner, partner_id)
    if partner is None:  # another company's: unknown
        abort(404)
    found = ledger.vendor_balance(session, partner_id, date.today())
    assert found is not None
    return {
        "partner_id": found.partner_id,
        "name": found.name,
        "currency": found.currency,
        "invoiced_open": found.invoiced_open,
        "advances": found.advances,
        "balance": found.balance,
        "overdue": found.overdue,
        "open_invoices": found.open_invoices,
    }
