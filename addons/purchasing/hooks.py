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
    once a purchase order takes a line, the order counts it); open purchase orders (draft
    and confirmed) as ``on_order``: what is not received yet, due on the line's needed-by
    date, else the order's expected date."""
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

    from .models import PurchasingOrder as O
    from .models import PurchasingOrderLine as OL

    open_qty = OL.quantity - OL.qty_received
    orders = (
        select(
            OL.product_id.label("product_id"),
            O.warehouse_id.label("warehouse_id"),
            type_coerce(open_qty, Quantity()).label("quantity"),
            literal("on_order").label("kind"),
            func.coalesce(OL.needed_by, O.expected_date).label("due"),
        )
        .join(O, O.id == OL.order_id)
        .where(
            O.company_id == company_id,
            OL.company_id == company_id,
            O.state.in_(("draft", "confirmed")),
            OL.product_id.is_not(None),
            open_qty > 0,
        )
    )
    return [
        query("requested", L.quantity, ("draft", "submitted")),
        query("on_order", L.quantity - L.qty_ordered, ("approved",)),
        orders,
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
        MenuItem(_("Approved requisitions"), "/purchasing/approved-lines", 52, group, roles),
        MenuItem(_("Purchase orders"), "/purchasing/orders", 53, group, roles),
        MenuItem(_("Receipts"), "/purchasing/receipts", 54, group, roles),
        MenuItem(_("Vendor invoices"), "/purchasing/invoices", 55, group, roles),
        MenuItem(_("Vendor payments"), "/purchasing/payments", 58, group, roles),
        MenuItem(_("Vendor balances"), "/purchasing/vendors/balances", 59, group, roles),
    ]


@hookimpl
def document_actions(document: Any, user: Any) -> list[Any]:
    """The buttons of receipts and vendor invoices, and the order's *Receive* and *Create
    vendor invoice* (pages choosing the quantities)."""
    from . import invoice_views, order_views, payment_views, receipt_views

    return [
        *order_views.document_actions(document, user),
        *receipt_views.document_actions(document, user),
        *invoice_views.document_actions(document, user),
        *payment_views.document_actions(document, user),
    ]


@hookimpl
def addon_blueprints() -> list[Any]:
    from .invoice_views import bp as invoice_pages
    from .order_views import bp as orders_bp
    from .payment_views import bp as payment_pages
    from .receipt_views import bp as receipt_pages
    from .views import bp

    return [bp, orders_bp, receipt_pages, invoice_pages, payment_pages]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import api
    from .invoice_api import api as invoice_api
    from .order_api import api as orders_api
    from .payment_api import api as payment_api
    from .receipt_api import api as receipt_api

    return [api, orders_api, receipt_api, invoice_api, payment_api]


# -- vendor payments and balances on other pages ------------------------------------------
def _payment_pdf(document: Any) -> dict[str, Any]:
    """On a vendor payment's PDF, ``extra.purchasing.allocations``: the invoices it paid
    (``number``, ``vendor_number``, ``due_date``, ``amount``)."""
    from core.db import session_of

    from .models import PurchasingPayment
    from .payments import allocations_of

    if not isinstance(document, PurchasingPayment):
        return {}
    rows = allocations_of(session_of(document), document)
    return {
        "allocations": [
            {
                "number": row.invoice.number,
                "vendor_number": row.invoice.vendor_number,
                "due_date": row.invoice.due_date,
                "amount": row.amount,
            }
            for row in rows
        ]
    }


def _is_vendor(partner: Any) -> bool:
    from core.models import Partner

    return isinstance(partner, Partner) and bool(partner.is_vendor)


@hookimpl
def partner_figures(partner: Any) -> list[Any]:
    """A vendor's balance (what the company owes it) and the overdue part."""
    from datetime import date

    from core.db import session_of
    from core.ui import PartnerFigure

    from .ledger import vendor_balance

    if not _is_vendor(partner):
        return []
    found = vendor_balance(session_of(partner), partner.id, date.today())
    if found is None:
        return []
    currency, late = partner.currency, found.overdue
    return [
        PartnerFigure(_("Owed to the vendor"), found.balance, sequence=60, currency=currency),
        PartnerFigure(
            _("Overdue to the vendor"), late, sequence=70, currency=currency, warn=late > 0
        ),
    ]


@hookimpl
def partner_activities(partner: Any, limit: int) -> list[Any]:
    """The vendor's purchase orders, vendor invoices and payments."""
    from core.db import session_of
    from core.ui import Activity

    from .ledger import documents_of

    if not _is_vendor(partner):
        return []
    titles = {"order": _("Purchase order"), "invoice": _("Vendor invoice")}
    titles["payment"] = _("Vendor payment")
    links = _record_links()
    return [
        Activity(
            when=doc.date,
            kind=f"purchasing.{doc.source}",
            title=f"{titles[doc.source]} {doc.number or _('(draft)')}",
            url=links[doc.source](doc) if doc.source in links else "",
            amount=doc.amount_total,
            currency=doc.currency,
            state=_(doc.state),
        )
        for doc in documents_of(session_of(partner), partner.id, limit)
    ]


def _record_links() -> dict[str, Any]:
    """Each document kind's record page URL maker, for the kinds that have pages (in a web
    request; else no links)."""
    from flask import has_request_context

    if not has_request_context():
        return {}
    from core.web.forms import RECORDS

    from . import payment_views  # noqa: F401  (registers the payment's page)

    found = {}
    for kind in ("order", "invoice", "payment"):
        form = RECORDS.get(f"purchasing.{kind}")
        if form is not None and form.endpoint:
            found[kind] = form.url_maker()
    return found


@hookimpl
def document_form_sections(document: Any) -> list[Any]:
    """On a vendor's partner page, the Purchasing section: what is owed, the open invoices
    and the last purchase orders."""
    from datetime import date

    from flask import render_template, url_for

    from core.db import session_of
    from core.ui import FormSection
    from core.web.context import user_has_role

    if not _is_vendor(document) or not user_has_role("purchasing.user"):
        return []
    from .ledger import last_orders, vendor_balance
    from .payment_views import invoice_url
    from .payments import open_invoices

    session = session_of(document)
    found = vendor_balance(session, document.id, date.today())
    if found is None:
        return []
    html = render_template(
        "purchasing/pages/vendor_section.html",
        b=found,
        invoices=open_invoices(session, document.id)[:10],
        orders=last_orders(session, document.id),
        invoice_url=invoice_url,
        payments_url=url_for("purchasing.payments.payments", **{"f.partner_id": document.id}),
    )
    return [FormSection(_("Purchasing"), html, sequence=60)]


@hookimpl
def pdf_context(document: Any) -> dict[str, Any]:
    """What purchasing's PDFs print beyond the document (``extra.purchasing``): a purchase
    order's vendor block and KDV breakdown, a vendor payment's allocations."""
    return {**_order_pdf(document), **_payment_pdf(document)}


def _order_pdf(document: Any) -> dict[str, Any]:
    """A purchase order prints its vendor (``extra.purchasing.vendor``: name, address, tax
    office, VKN) and the KDV breakdown (``by_rate``)."""
    from .models import PurchasingOrder

    if not isinstance(document, PurchasingOrder):
        return {}
    from core.documents import totals

    vendor = document.partner
    block = None
    if vendor is not None:
        billing = vendor.address("billing")
        address = ""
        if billing is not None:
            address = "\n".join(
                p
                for p in (
                    billing.street,
                    " ".join(x for x in (billing.postal_code, billing.district) if x),
                    billing.city,
                )
                if p
            )
        block = {
            "name": vendor.name,
            "address": address,
            "tax_office": getattr(vendor, "tax_office", "") or "",
            "tax_id": getattr(vendor, "tax_id", "") or "",
            "email": vendor.email or "",
        }
    breakdown = totals([(ln.net, ln.tax, ln.tax_rate) for ln in document.lines])["by_rate"]
    by_rate = [
        {"rate": rate, "base": entry["base"], "tax": entry["tax"]}
        for rate, entry in sorted(breakdown.items())
    ]
    return {"vendor": block, "by_rate": by_rate}


def order_requisitions_job(company: Any) -> None:
    """Nightly, when the company's ``nightly_orders`` setting is on: purchase orders from
    every approved requisition line not ordered yet (``ordering.order_requisitions``)."""
    from core.db import session_of
    from core.web.pdf import document_pdf_bytes

    from .ordering import order_requisitions
    from .settings import settings_of

    session = session_of(company)
    if not settings_of(session).nightly_orders:
        return
    # confirmed orders (order_state) are e-mailed with their PDF, as from the page
    order_requisitions(session, None, pdf=lambda order: document_pdf_bytes(session, order))
    session.commit()


@hookimpl
def periodic_tasks() -> list[Any]:
    from core.jobs import PeriodicTask

    return [PeriodicTask("order_requisitions", order_requisitions_job, minute="0", hour="3")]


# ----------------------------------------------------------------------------- settings
@hookimpl
def extend_schema(schema_name: str, company: Any) -> dict[str, Any]:
    """The company's purchasing settings on its page and in ``/api/v1/core/company``
    (``purchasing_group_by``, ``purchasing_order_state``, ``purchasing_nightly_orders``,
    ``purchasing_receipt_tolerance``, ``purchasing_price_tolerance``; see ``settings``)."""
    if schema_name != "core.company":
        return {}
    from core.schemas import Extension

    from .settings import fields_of

    return {
        f"purchasing_{name}": Extension(
            inner, _setting_getter(name), metadata={"label": label}, allow_none=False
        )
        for name, (inner, label) in fields_of().items()
    }


def _setting_getter(name: str) -> Any:
    def read(company: Any) -> Any:
        from core.db import session_of

        from .settings import DEFAULTS, settings_of

        session = session_of(company)
        if session is None:
            return DEFAULTS[name]
        return getattr(settings_of(session), name)

    return read


@hookimpl
def document_saved(document: Any, data: dict[str, Any]) -> None:
    from core.models import Company

    if not isinstance(document, Company):
        return
    from .settings import NAMES, save

    sent = {name: data[f"purchasing_{name}"] for name in NAMES if f"purchasing_{name}" in data}
    if not sent:
        return
    from core.db import session_of

    save(session_of(document), document.id, sent)


# ----------------------------------------------------------------------------- demo
@hookimpl
def demo_data(company: Any, size: str) -> None:
    """Purchasing in the demo company: rules, a replenishment run, requisitions over and
    under the limit, orders, receipts, vendor invoices and a payment (``demo``)."""
    from .demo import build

    build(company, size)


@hookimpl(optionalhook=True)
def reporting_reports() -> list[Any]:
    """The approved requisitions report, on reporting's framework (``reports``)."""
    from .reports import APPROVED_REQUISITIONS

    return [APPROVED_REQUISITIONS]
