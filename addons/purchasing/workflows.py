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

WORKFLOWS = [REQUISITION]
