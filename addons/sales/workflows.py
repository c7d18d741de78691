"""The sales documents' workflows (``core.workflow`` format). Actions that need more than a
state change (accepting a quote makes an order, posting an invoice freezes its costs) are
services in this package, which call ``core.documents.transition`` for the state."""

from __future__ import annotations

from contextvars import ContextVar
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


# -- transitions go through the services -----------------------------------------------------
# A step of a sales document does more than change its state (accepting a quote makes its
# order, posting an invoice freezes its costs). Core's generic workflow buttons and action
# routes leave these documents alone (``__generic_actions__ = False`` on the models); the
# services mark their own transitions here, and the ``before_transition`` hook refuses any
# other ``transition()`` on a sales document, from whatever code, so the step's work is never
# skipped.
_IN_SERVICE: ContextVar[bool] = ContextVar("sales_in_service", default=False)
DOCUMENT_TYPES = frozenset(w["document_type"] for w in WORKFLOWS)


def service_transition(session: Any, document: Any, action: str, user: Any, **kwargs: Any) -> Any:
    """``core.documents.transition`` from a sales service (allowed by ``before_transition``)."""
    from core.documents import transition

    token = _IN_SERVICE.set(True)
    try:
        return transition(session, document, action, user, **kwargs)
    finally:
        _IN_SERVICE.reset(token)


def from_service(document: Any) -> bool:
    """False for a sales document's transition that does not come from a sales service."""
    return _IN_SERVICE.get() or getattr(document, "__document_type__", "") not in DOCUMENT_TYPES
