"""The sales documents' workflows (``core.workflow`` format). Actions that need more than a
state change (accepting a quote makes an order, posting an invoice freezes its costs) are
services in this package, which call ``core.documents.transition`` for the state."""

from __future__ import annotations

from typing import Any

QUOTE: dict[str, Any] = {
    "document_type": "sales.quote",
    "states": ["draft", "sent", "accepted", "rejected", "expired", "cancelled"],
    "initial": "draft",
    "transitions": [
        {"name": "send", "from": ["draft"], "to": "sent", "role": "sales.user", "number": True},
        {
            "name": "accept",
            "from": ["draft", "sent"],
            "to": "accepted",
            "role": "sales.user",
            "number": True,
        },
        {"name": "reject", "from": ["sent"], "to": "rejected", "role": "sales.user"},
        {"name": "expire", "from": ["draft", "sent"], "to": "expired", "role": "sales.user"},
        {"name": "cancel", "from": ["draft", "sent"], "to": "cancelled", "role": "sales.user"},
        {
            "name": "reopen",
            "from": ["rejected", "expired", "cancelled"],
            "to": "draft",
            "role": "sales.user",
        },
    ],
}

ORDER: dict[str, Any] = {
    "document_type": "sales.order",
    "states": ["draft", "confirmed", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "confirm",
            "from": ["draft"],
            "to": "confirmed",
            "role": "sales.user",
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
        {"name": "cancel", "from": ["draft", "confirmed"], "to": "cancelled", "role": "sales.user"},
        {"name": "reopen", "from": ["cancelled"], "to": "draft", "role": "sales.user"},
    ],
}

DELIVERY: dict[str, Any] = {
    "document_type": "sales.delivery",
    "states": ["draft", "done", "cancelled"],
    "initial": "draft",
    "transitions": [
        {"name": "ship", "from": ["draft"], "to": "done", "role": "sales.user", "number": True},
        {"name": "cancel", "from": ["draft"], "to": "cancelled", "role": "sales.user"},
    ],
}

INVOICE: dict[str, Any] = {
    "document_type": "sales.invoice",
    "states": ["draft", "posted", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "post",
            "from": ["draft"],
            "to": "posted",
            "role": "sales.accountant",
            "number": True,
        },
        {"name": "cancel", "from": ["draft"], "to": "cancelled", "role": "sales.accountant"},
    ],
}

PAYMENT: dict[str, Any] = {
    "document_type": "sales.payment",
    "states": ["draft", "posted", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "post",
            "from": ["draft"],
            "to": "posted",
            "role": "sales.accountant",
            "number": True,
        },
        {
            "name": "cancel",
            "from": ["draft", "posted"],
            "to": "cancelled",
            "role": "sales.accountant",
        },
    ],
}

WORKFLOWS = [QUOTE, ORDER, DELIVERY, INVOICE, PAYMENT]


# Their steps go through the services (``core.documents.service_transition``; the models say
# ``__generic_actions__ = False``): accepting a quote makes its order, posting an invoice
# freezes its costs.
from core.documents import service_transition  # noqa: E402  (re-exported for the services)

__all__ = ["WORKFLOWS", "service_transition"]
