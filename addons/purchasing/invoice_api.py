"""purchasing: the vendor invoices' JSON API under ``/api/v1/purchasing``.

``/invoices``: list, read, create (without an order: ``partner_id``, ``vendor_number``,
free ``lines``), change a draft (header; ``lines`` of ``{"id" or "order_line_id",
"quantity", "unit_price"}`` on an invoice from an order). ``POST /invoices/<id>/post``
submits it to the three-way match: posted at once, or waiting for an approver when over
the order's price beyond the tolerance; ``POST /invoices/<id>/approve`` and ``/reject``
(``{"comment": ..}``, a reason is needed to reject) decide (core's ``/actions/approve``
works too); ``/cancel`` (draft or rejected), ``/reopen`` (rejected). ``POST
/orders/<id>/invoice`` makes a draft of what is received and not invoiced (or ``{"lines":
[{"line_id": .., "quantity": ..}]}``)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.web.api_resources import register_resource

from . import invoices
from .invoice_views import ACCOUNTANT, invoice_form, invoices_list
from .receipt_api import PurchasePickSchema, action_route, load_order, quantities

api = Blueprint("vendor_invoices", __name__, description="Purchasing: vendor invoices")

INVOICES = register_resource(api, "/invoices", form=invoice_form, list_spec=invoices_list.spec)


class VendorInvoiceDecisionSchema(Schema):
    """An approval decision's comment (a rejection needs one)."""

    comment = fields.String(load_default="", validate=validate.Length(max=2000))


for _name, _states, _service, _summary in (
    ("post", ("draft",), invoices.submit_invoice, "Post a draft vendor invoice (three-way match)"),
    ("cancel", ("draft", "rejected"), invoices.cancel_invoice, "Cancel a vendor invoice"),
    ("reopen", ("rejected",), invoices.reopen_invoice, "A rejected vendor invoice back to draft"),
):
    action_route(
        api,
        f"/invoices/<int:record_id>/{_name}",
        f"invoice_{_name}",
        INVOICES.load,
        ACCOUNTANT,
        _states,
        lambda s, doc, user, body, service=_service: service(s, doc, user),
        INVOICES,
        _summary,
    )

for _decision in ("approve", "reject"):
    action_route(
        api,
        f"/invoices/<int:record_id>/{_decision}",
        f"invoice_{_decision}",
        INVOICES.load,
        "purchasing.user",  # the approval step's role is checked by core's engine
        ("submitted",),
        lambda s, doc, user, body, d=_decision: invoices.decide(
            s, doc, user, d, body.get("comment", "")
        ),
        INVOICES,
        f"{_decision.capitalize()} a vendor invoice waiting for approval",
        body=VendorInvoiceDecisionSchema,
    )

action_route(
    api,
    "/orders/<int:record_id>/invoice",
    "order_invoice",
    load_order,
    ACCOUNTANT,
    ("confirmed",),
    lambda s, order, user, body: invoices.invoice_order(s, order, quantities(body)),
    INVOICES,
    "Make a draft vendor invoice of a purchase order",
    body=PurchasePickSchema,
)
