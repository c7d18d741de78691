"""sales: the add-on's face to the kernel (roles, workflows, the customer view, jobs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from core import hookimpl
from core.auth import Role
from core.db import session_of
from core.i18n import _
from core.i18n import lazy_gettext as _l

from .workflows import WORKFLOWS

# States of the sales documents that core does not name (translated where shown: _(state))
STATES = [_l("sent"), _l("accepted"), _l("expired"), _l("partial"), _l("not_paid")]

DRAFT = _l("(draft)")  # a document's title before it is numbered
KIND_TITLES = {
    "quote": _l("Quote"),
    "order": _l("Sales order"),
    "delivery": _l("Delivery"),
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
    "payment": _l("Payment"),
}


@hookimpl
def roles() -> list[Role]:
    return [
        # a salesperson works with the company's customers and products (core's user)
        Role("sales.user", "Salesperson: quotes, orders and deliveries", implies=("user",)),
        # billing reads the orders it invoices and the customers it bills
        Role(
            "sales.accountant",
            "Billing: customer invoices, credit notes and payments",
            implies=("sales.user",),
        ),
        Role(
            "sales.manager",
            "Sales manager: everything in sales",
            implies=("sales.user", "sales.accountant"),
        ),
    ]


@hookimpl
def workflows() -> list[dict[str, Any]]:
    return WORKFLOWS


@hookimpl
def partner_activities(partner: Any, limit: int) -> list[Any]:
    """The partner's quotes, orders, deliveries, invoices, credit notes and payments."""
    from core.ui import Activity

    from .ledger import documents_of

    session = session_of(partner)
    found = []
    links = _record_links()
    for kind, doc in documents_of(session, partner.id, limit):
        link = links.get(kind)
        if kind == "invoice" and doc.kind == "credit_note":
            kind = "credit_note"
        title = f"{KIND_TITLES[kind]} {doc.number or DRAFT}"
        found.append(
            Activity(
                when=doc.date,
                kind=f"sales.{kind}",
                title=title,
                url=link(doc) if link is not None else "",
                amount=None if kind == "delivery" else _signed(kind, doc.amount_total),
                currency=doc.currency,
                state=_(doc.state),
            )
        )
    return found


def _signed(kind: str, amount: Any) -> Any:
    """A credit note reduces what the customer owes: the timeline shows it negative."""
    return -amount if kind == "credit_note" and amount is not None else amount


def _record_links() -> dict[str, Any]:
    """Each document kind's record page URL maker, in a web request (else no links)."""
    from flask import has_request_context

    if not has_request_context():
        return {}
    from .views import FORMS

    return {kind: form.url_maker() for kind, form in FORMS.items()}


@hookimpl
def partner_figures(partner: Any) -> list[Any]:
    """Revenue and gross profit this year, open balance, overdue, last sale."""
    from core.ui import PartnerFigure

    from .ledger import summary

    figures = summary(session_of(partner), partner.id, date.today())
    currency = partner.currency
    late = figures.overdue
    return [
        PartnerFigure(_("Revenue this year"), figures.revenue, sequence=10, currency=currency),
        PartnerFigure(_("Gross profit this year"), figures.profit, sequence=20, currency=currency),
        PartnerFigure(_("Open balance"), figures.balance, sequence=30, currency=currency),
        PartnerFigure(_("Overdue"), late, sequence=40, currency=currency, warn=late > 0),
        PartnerFigure(_("Last sale"), figures.last_sale, kind="date", sequence=50),
    ]


@hookimpl
def demo_data(company: Any, size: str) -> None:
    """A year of sales for the demo company: customers, prospects and their documents."""
    from .demo import build

    build(company, size)


def expire_quotes_job(company: Any) -> None:
    """Daily: quotes past their validity that nobody answered become expired."""
    from .quotes import expire_quotes

    session = session_of(company)
    expire_quotes(session, date.today())
    session.commit()


@hookimpl
def periodic_tasks() -> list[Any]:
    from core.jobs import PeriodicTask

    return [PeriodicTask("expire_quotes", expire_quotes_job, minute="15", hour="1")]


def _customer(document: Any) -> dict[str, Any] | None:
    """The customer block of a sales PDF: name, billing address, tax office, VKN or TCKN."""
    partner = document.partner
    if partner is None:
        return None
    billing = partner.address("billing")
    return {
        "name": partner.name,
        "address": billing.one_line() if billing is not None else "",
        "tax_office": partner.tax_office or "",
        "tax_id": partner.tax_id or "",
        "national_id": partner.national_id or "",
    }


@hookimpl
def pdf_context(document: Any) -> dict[str, Any]:
    """What the sales PDFs print beyond the document's own fields (``extra.sales``):
    ``customer`` (see ``_customer``), ``by_rate`` (the KDV breakdown: ``rate``, ``base``,
    ``tax`` per rate, lowest rate first), ``in_words`` (the total in words by language,
    ``tr`` joined as on money documents) and, on a payment, ``allocations`` (the invoices
    it paid: ``number``, ``date``, ``amount``)."""
    from core.documents import totals
    from core.money_words import amount_in_words

    from .models import (
        SalesAllocation,
        SalesDelivery,
        SalesInvoice,
        SalesOrder,
        SalesPayment,
        SalesQuote,
    )

    kinds = (SalesQuote, SalesOrder, SalesDelivery, SalesInvoice, SalesPayment)
    if not isinstance(document, kinds):
        return {}
    context: dict[str, Any] = {"customer": _customer(document)}
    if isinstance(document, SalesQuote | SalesOrder | SalesInvoice):
        result = totals([(line.net, line.tax, line.tax_rate) for line in document.lines])
        context["by_rate"] = [
            {"rate": rate, "base": entry["base"], "tax": entry["tax"]}
            for rate, entry in sorted(result["by_rate"].items())
        ]
    if isinstance(document, SalesInvoice | SalesPayment):
        context["in_words"] = {
            "tr": amount_in_words(document.amount_total, document.currency, "tr"),
            "en": amount_in_words(document.amount_total, document.currency, "en"),
        }
    if isinstance(document, SalesPayment) and document.id is not None:
        from sqlalchemy import select

        rows = session_of(document).scalars(
            select(SalesAllocation)
            .where(SalesAllocation.payment_id == document.id)
            .order_by(SalesAllocation.date, SalesAllocation.id)
        )
        context["allocations"] = [
            {"number": row.invoice.display_name, "date": row.date, "amount": row.amount}
            for row in rows
        ]
    return context


@hookimpl
def addon_blueprints() -> list[Any]:
    from .views import bp

    return [bp]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import api

    return [api]


@hookimpl
def menu_items(company: Any, user: Any) -> list[Any]:
    from core.ui import MenuItem

    group, roles = _("Sales"), ("sales.user", "sales.accountant")
    return [
        MenuItem(_("Quotes"), "/sales/quotes", sequence=40, group=group, roles=roles),
        MenuItem(_("Orders"), "/sales/orders", sequence=41, group=group, roles=roles),
        MenuItem(_("Deliveries"), "/sales/deliveries", sequence=42, group=group, roles=roles),
        MenuItem(_("Invoices"), "/sales/invoices", sequence=43, group=group, roles=roles),
        MenuItem(_("Payments"), "/sales/payments", sequence=44, group=group, roles=roles),
    ]


@hookimpl
def dashboard_cards(company: Any, user: Any) -> list[Any]:
    """What is waiting in sales: open quotes, orders to deliver and to invoice (for
    salespeople), draft and overdue invoices and open receivables (for billing), this
    month's revenue; each links to its filtered list."""
    from flask import render_template

    from core.auth import has_role
    from core.ui import DashboardCard
    from core.web.context import db_session, runtime

    from .ledger import workload

    if user is None:
        return []
    session, kernel = db_session(), runtime().kernel
    seller = has_role(session, kernel, user, company, "sales.user")
    billing = has_role(session, kernel, user, company, "sales.accountant")
    if not (seller or billing):
        return []
    html = render_template(
        "sales/dashboard.html",
        w=workload(session, date.today()),
        seller=seller,
        billing=billing,
        currency=company.currency,
    )
    return [DashboardCard(_("Sales"), html, sequence=40, url="/sales/orders")]


@hookimpl
def document_actions(document: Any, user: Any) -> list[Any]:
    from .views import document_actions as actions

    return actions(document, user)
