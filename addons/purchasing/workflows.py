"""The requisition's workflow (``core.workflow`` format), as shipped. A company changes its
copy without code (``yaprak workflow set purchasing.requisition --company C --band ...``).

Approval: the estimated amount (``amount_total``, no KDV) picks a band. Up to 100.00 TL no
approval is needed: a submitted requisition is approved at once. Above it
``purchasing.approver`` decides (``core.workflow.decide``); the requester never approves
their own requisition, a rejection needs a reason and is e-mailed to the requester, and the
approvers are e-mailed when a requisition waits for them (core).
"""

from __future__ import annotations

from typing import Any

REQUISITION: dict[str, Any] = {
    "document_type": "purchasing.requisition",
    "states": ["draft", "submitted", "approved", "rejected", "ordered", "closed", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "submit",
            "label": "Submit",
            "from": ["draft"],
            "to": "submitted",
            "role": "purchasing.user",
            "number": True,
        },
        {"name": "approve", "from": ["submitted"], "to": "approved", "approval": "complete"},
        {"name": "reject", "from": ["submitted"], "to": "rejected", "approval": "reject"},
        {
            "name": "order",
            "label": "Mark ordered",
            "from": ["approved"],
            "to": "ordered",
            "role": "purchasing.user",
        },
        {
            "name": "close",
            "label": "Close",
            "from": ["approved", "ordered"],
            "to": "closed",
            "role": "purchasing.user",
        },
        {
            "name": "cancel",
            "label": "Cancel",
            "from": ["draft", "submitted", "approved"],
            "to": "cancelled",
            "role": "purchasing.user",
        },
        {
            "name": "reopen",
            "label": "Back to draft",
            "from": ["rejected", "cancelled"],
            "to": "draft",
            "role": "purchasing.user",
        },
    ],
    "approval": {
        "amount_field": "amount_total",
        "bands": [
            {"up_to": "100.00", "chain": []},
            {"up_to": None, "chain": ["purchasing.approver"]},
        ],
        "accumulate_days": 0,
        "reset_fields": ["amount_total"],
    },
}

# Purchase orders, receipts, vendor invoices and payments change state through the services
# (``__generic_actions__ = False``; ``core.documents.service_transition``): confirming an
# order mails it to the vendor, posting a receipt moves stock, posting an invoice fixes what
# is owed.
ORDER: dict[str, Any] = {
    "document_type": "purchasing.order",
    "states": ["draft", "confirmed", "done", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "confirm",
            "label": "Confirm",
            "from": ["draft"],
            "to": "confirmed",
            "role": "purchasing.buyer",
            "number": True,
            "guards": [
                {
                    "field": "amount_total",
                    "op": ">",
                    "value": "0",
                    "message": "an order needs at least one line with an amount",
                }
            ],
        },
        {"name": "done", "from": ["confirmed"], "to": "done", "role": "purchasing.buyer"},
        {
            "name": "cancel",
            "label": "Cancel",
            "from": ["draft", "confirmed"],
            "to": "cancelled",
            "role": "purchasing.buyer",
        },
        {
            "name": "reopen",
            "label": "Back to draft",
            "from": ["cancelled"],
            "to": "draft",
            "role": "purchasing.buyer",
        },
    ],
}

RECEIPT: dict[str, Any] = {
    "document_type": "purchasing.receipt",
    "states": ["draft", "done", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "post",
            "label": "Receive",
            "from": ["draft"],
            "to": "done",
            "role": "purchasing.receiver",
            "number": True,
        },
        {"name": "cancel", "from": ["draft"], "to": "cancelled", "role": "purchasing.receiver"},
    ],
}

# A vendor invoice is checked against its order and receipts (the three-way match) when it
# is submitted: ``price_excess`` is the amount its prices are over the order's beyond the
# company's tolerance. Zero: the invoice posts at once; more: ``purchasing.approver`` decides.
INVOICE: dict[str, Any] = {
    "document_type": "purchasing.invoice",
    "states": ["draft", "submitted", "posted", "rejected", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "submit",
            "label": "Post",
            "from": ["draft"],
            "to": "submitted",
            "role": "purchasing.accountant",
            "number": True,
        },
        {"name": "approve", "from": ["submitted"], "to": "posted", "approval": "complete"},
        {"name": "reject", "from": ["submitted"], "to": "rejected", "approval": "reject"},
        {
            "name": "cancel",
            "label": "Cancel",
            "from": ["draft", "rejected"],
            "to": "cancelled",
            "role": "purchasing.accountant",
        },
        {
            "name": "reopen",
            "label": "Back to draft",
            "from": ["rejected"],
            "to": "draft",
            "role": "purchasing.accountant",
        },
    ],
    "approval": {
        "amount_field": "price_excess",
        "bands": [
            {"up_to": "0.00", "chain": []},
            {"up_to": None, "chain": ["purchasing.approver"]},
        ],
        "accumulate_days": 0,
        "reset_fields": ["amount_total", "price_excess"],
    },
}

PAYMENT: dict[str, Any] = {
    "document_type": "purchasing.payment",
    "states": ["draft", "posted", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "post",
            "label": "Post",
            "from": ["draft"],
            "to": "posted",
            "role": "purchasing.accountant",
            "number": True,
        },
        {
            "name": "cancel",
            "label": "Cancel",
            "from": ["draft", "posted"],
            "to": "cancelled",
            "role": "purchasing.accountant",
        },
    ],
}

WORKFLOWS = [REQUISITION, ORDER, RECEIPT, INVOICE, PAYMENT]
