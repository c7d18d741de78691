"""purchasing: the add-on's face to the kernel (roles, the requisition's workflow, its part
in the replenishment report, menu, pages and API)."""

from __future__ import annotations

from typing import Any

from core import hookimpl
from core.auth import Role
from core.i18n import N_, _
from core.i18n import lazy_gettext as _l

from .workflows import WORKFLOWS

# States and action labels of the requisition that core does not name (translated where
# shown: _(state), the workflow buttons' labels)
STATES = [
    _l("submitted"),
    _l("approved"),
    _l("rejected"),
    _l("ordered"),
    _l("closed"),
    _l("Submit"),
    _l("Mark ordered"),
    _l("Close"),
    _l("Back to draft"),
]
REQUISITION = "purchasing.requisition"
NO_LINES = N_("a requisition needs at least one line")


@hookimpl
def roles() -> list[Role]:
    return [
        Role("purchasing.user", "Requester: makes and submits requisitions", implies=("user",)),
        Role(
            "purchasing.approver",
            "Approver: approves or rejects requisitions above the limit",
            implies=("purchasing.user",),
        ),
        Role(
            "purchasing.buyer",
            "Buyer: makes, confirms and sends purchase orders",
            implies=("purchasing.user",),
        ),
        Role(
            "purchasing.receiver",
            "Storekeeper: receives goods against purchase orders",
            implies=("purchasing.user", "materials.user"),
        ),
        Role(
            "purchasing.accountant",
            "Accounts payable: vendor invoices and payments",
            implies=("purchasing.user",),
        ),
        Role(
            "purchasing.manager",
            "Purchasing manager: everything in purchasing",
            implies=(
                "purchasing.approver",
                "purchasing.buyer",
                "purchasing.receiver",
                "purchasing.accountant",
            ),
        ),
    ]


@hookimpl
def workflows() -> list[dict[str, Any]]:
    return WORKFLOWS


@hookimpl
def before_transition(document: Any, action: str, user: Any) -> None:
    """A requisition without lines is never submitted (from any route)."""
    kind = getattr(document, "__document_type__", "")
    if kind == REQUISITION and action == "submit" and not document.lines:
        from core.documents import Veto

        raise Veto(NO_LINES)


@hookimpl
def after_transition(document: Any, action: str, user: Any) -> None:
    """A vendor invoice reaching ``posted`` (at once, or when its approval completes, by
    whatever route) counts on its order and becomes owed (``invoices.on_posted``)."""
    if getattr(document, "__document_type__", "") == "purchasing.invoice" and (
        document.state == "posted"
    ):
        from core.db import session_of

        from .invoices import on_posted

        on_posted(session_of(document), document)


@hookimpl
def materials_incoming(session: Any) -> list[Any]:
    """Requisition lines as the replenishment report counts them: draft and submitted
    requisitions as ``requested``, approved ones as ``on_order`` (what is not ordered yet:
    once a purchase order takes a line, the order counts it)."""
    from sqlalchemy import func, literal, select, type_coerce

    from core.tenancy import company_of
    from core.types import Quantity

    from .models import PurchasingRequisition as R
    from .models import PurchasingRequisitionLine as L

    company_id = company_of(session)
    due = func.coalesce(L.needed_by, R.needed_by)

    def query(kind: str, quantity: Any, states: tuple[str, ...]) -> Any:
        return (
            select(
                L.product_id.label("product_id"),
                R.warehouse_id.label("warehouse_id"),
                type_coerce(quantity, Quantity()).label("quantity"),
                literal(kind).label("kind"),
                due.label("due"),
            )
            .join(R, R.id == L.requisition_id)
            .where(
                R.company_id == company_id,
                L.company_id == company_id,
                R.state.in_(states),
                L.product_id.is_not(None),
                quantity > 0,
            )
        )

    return [
        query("requested", L.quantity, ("draft", "submitted")),
        query("on_order", L.quantity - L.qty_ordered, ("approved",)),
    ]


@hookimpl
def materials_replenish(session: Any, proposals: list[Any], user: Any) -> list[Any] | None:
    """The report's proposals become draft requisitions (one per warehouse)."""
    from .requisitions import from_proposals

    return from_proposals(session, proposals, user)


@hookimpl
def menu_items(company: Any, user: Any) -> list[Any]:
    from core.ui import MenuItem

    group, roles = _("Purchasing"), ("purchasing.user",)
    return [
        MenuItem(_("Requisitions"), "/purchasing/requisitions", 50, group, roles),
        MenuItem(_("Waiting for my approval"), "/purchasing/approvals", 51, group, roles),
        MenuItem(_("Receipts"), "/purchasing/receipts", 54, group, roles),
        MenuItem(_("Vendor invoices"), "/purchasing/invoices", 55, group, roles),
    ]


@hookimpl
def document_actions(document: Any, user: Any) -> list[Any]:
    """The buttons of receipts and vendor invoices, and the order's *Receive* and *Create
    vendor invoice* (pages choosing the quantities)."""
    from . import invoice_views, receipt_views

    return [
        *receipt_views.document_actions(document, user),
        *invoice_views.document_actions(document, user),
    ]


@hookimpl
def addon_blueprints() -> list[Any]:
    from .invoice_views import bp as invoice_pages
    from .receipt_views import bp as receipt_pages
    from .views import bp

    return [bp, receipt_pages, invoice_pages]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import api
    from .invoice_api import api as invoice_api
    from .receipt_api import api as receipt_api

    return [api, receipt_api, invoice_api]
