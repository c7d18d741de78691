"""What a customer owes and has bought: open balance, overdue amount, revenue, last sale,
and the sales documents on the partner's timeline. Sums run in SQL over the documents
themselves: there is no separate ledger to keep in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from .models import ZERO, SalesDelivery, SalesInvoice, SalesOrder, SalesPayment, SalesQuote


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def balance(session: Session, partner_id: int) -> Decimal:
    """Posted invoices less posted credit notes less posted payments: what the customer owes
    (negative: the customer has credit)."""
    by_kind = dict(
        session.execute(
            select(SalesInvoice.kind, func.coalesce(func.sum(SalesInvoice.amount_total), ZERO))
            .where(SalesInvoice.partner_id == partner_id, SalesInvoice.state == "posted")
            .group_by(SalesInvoice.kind)
        ).all()
    )
    paid = session.scalar(
        select(func.coalesce(func.sum(SalesPayment.amount_total), ZERO)).where(
            SalesPayment.partner_id == partner_id, SalesPayment.state == "posted"
        )
    )
    return _money(by_kind.get("invoice")) - _money(by_kind.get("credit_note")) - _money(paid)


def overdue(session: Session, partner_id: int, on: date) -> Decimal:
    """The open amount of posted invoices due before ``on``."""
    found = session.scalar(
        select(func.coalesce(func.sum(SalesInvoice.amount_residual), ZERO)).where(
            SalesInvoice.partner_id == partner_id,
            SalesInvoice.kind == "invoice",
            SalesInvoice.state == "posted",
            SalesInvoice.amount_residual > 0,
            SalesInvoice.due_date < on,
        )
    )
    return _money(found)


def revenue(session: Session, partner_id: int, start: date, end: date) -> tuple[Decimal, Decimal]:
    """(revenue, gross profit) of posted invoices less credit notes dated start..end."""
    rows = session.execute(
        select(
            SalesInvoice.kind,
            func.coalesce(func.sum(SalesInvoice.amount_untaxed), ZERO),
            func.coalesce(func.sum(SalesInvoice.amount_cost), ZERO),
        )
        .where(
            SalesInvoice.partner_id == partner_id,
            SalesInvoice.state == "posted",
            SalesInvoice.date >= start,
            SalesInvoice.date <= end,
        )
        .group_by(SalesInvoice.kind)
    ).all()
    sales = cost = ZERO
    for kind, untaxed, cost_sum in rows:
        sign = -1 if kind == "credit_note" else 1
        sales += sign * _money(untaxed)
        cost += sign * _money(cost_sum)
    return sales, sales - cost


def last_sale(session: Session, partner_id: int) -> date | None:
    """The date of the customer's latest posted invoice."""
    return session.scalar(
        select(func.max(SalesInvoice.date)).where(
            SalesInvoice.partner_id == partner_id,
            SalesInvoice.kind == "invoice",
            SalesInvoice.state == "posted",
        )
    )


@dataclass(frozen=True)
class Summary:
    """A customer's figures on a day (see ``summary``)."""

    balance: Decimal
    overdue: Decimal
    revenue: Decimal  # this year
    profit: Decimal  # gross profit this year
    last_sale: date | None


def summary(session: Session, partner_id: int, on: date) -> Summary:
    """What ``balance``, ``overdue``, ``revenue`` (of ``on``'s year up to ``on``) and
    ``last_sale`` answer, in two queries (the partner page's figures): one pass over the
    customer's posted invoices and credit notes with a conditional sum per figure, one sum
    of its posted payments."""
    posted = SalesInvoice.state == "posted"
    invoice = SalesInvoice.kind == "invoice"
    note = SalesInvoice.kind == "credit_note"
    this_year = SalesInvoice.date.between(date(on.year, 1, 1), on)

    def total(column: Any, *where: Any) -> Any:
        return func.coalesce(func.sum(case((and_(*where), column), else_=ZERO)), ZERO)

    row = session.execute(
        select(
            total(SalesInvoice.amount_total, invoice),
            total(SalesInvoice.amount_total, note),
            total(
                SalesInvoice.amount_residual,
                invoice,
                SalesInvoice.amount_residual > 0,
                SalesInvoice.due_date < on,
            ),
            total(SalesInvoice.amount_untaxed, invoice, this_year),
            total(SalesInvoice.amount_untaxed, note, this_year),
            total(SalesInvoice.amount_cost, invoice, this_year),
            total(SalesInvoice.amount_cost, note, this_year),
            func.max(case((invoice, SalesInvoice.date))),
        ).where(SalesInvoice.partner_id == partner_id, posted)
    ).one()
    invoiced, credited, late, sold, returned, cost, cost_back, last = row
    paid = session.scalar(
        select(func.coalesce(func.sum(SalesPayment.amount_total), ZERO)).where(
            SalesPayment.partner_id == partner_id, SalesPayment.state == "posted"
        )
    )
    revenue = _money(sold) - _money(returned)
    return Summary(
        balance=_money(invoiced) - _money(credited) - _money(paid),
        overdue=_money(late),
        revenue=revenue,
        profit=revenue - (_money(cost) - _money(cost_back)),
        last_sale=last,
    )


TIMELINE_KINDS = (
    ("quote", SalesQuote),
    ("order", SalesOrder),
    ("delivery", SalesDelivery),
    ("invoice", SalesInvoice),
    ("payment", SalesPayment),
)


def documents_of(session: Session, partner_id: int, limit: int) -> list[tuple[str, Any]]:
    """The partner's newest sales documents of every kind together, newest first, at most
    ``limit``: (kind, row), a row having ``id``, ``kind`` (``credit_note`` for a credit
    note, else the kind), ``number``, ``date``, ``state``, ``currency`` and ``amount_total``.

    One query: each kind's newest ``limit`` (its partner index), merged and cut in SQL, so
    a customer with thousands of documents costs ``limit`` rows, not one object per
    document (the caller merges with other add-ons' activities)."""
    parts = []
    for kind, model in TIMELINE_KINDS:
        newest = (
            select(
                literal(kind).label("source"),
                model.id,
                (model.kind if model is SalesInvoice else literal(kind)).label("kind"),
                model.number,
                model.date,
                model.state,
                model.currency,
                model.amount_total,
            )
            .where(model.partner_id == partner_id)
            .order_by(model.date.desc(), model.id.desc())
            .limit(limit)
            .subquery()
        )
        parts.append(select(*newest.c))  # SQLite: no LIMIT inside a compound's members
    merged = union_all(*parts).subquery()
    rows = session.execute(
        select(*merged.c).order_by(merged.c.date.desc(), merged.c.id.desc()).limit(limit)
    ).all()
    return [(row.source, row) for row in rows]


@dataclass(frozen=True)
class Workload:
    """What is waiting in sales, for the dashboard."""

    open_quotes: int
    to_deliver: int
    to_invoice: int
    draft_invoices: int
    overdue_count: int
    overdue_amount: Decimal
    open_amount: Decimal
    month_revenue: Decimal


def workload(session: Session, on: date) -> Workload:
    """The company's open quotes, orders to deliver and to invoice, draft invoices, overdue
    and open receivables and this month's revenue (credit notes less): a few aggregate
    queries, whatever the number of documents."""
    open_quotes = session.scalar(
        select(func.count(SalesQuote.id)).where(SalesQuote.state.in_(("draft", "sent")))
    )
    orders = session.execute(
        select(
            func.count(SalesOrder.id).filter(SalesOrder.delivery_status != "full"),
            func.count(SalesOrder.id).filter(SalesOrder.invoice_status == "to_invoice"),
        ).where(SalesOrder.state == "confirmed")
    ).one()
    posted = (SalesInvoice.state == "posted", SalesInvoice.kind == "invoice")
    late = SalesInvoice.due_date < on
    receivables = session.execute(
        select(
            func.count(SalesInvoice.id).filter(late),
            func.coalesce(func.sum(SalesInvoice.amount_residual).filter(late), 0),
            func.coalesce(func.sum(SalesInvoice.amount_residual), 0),
        ).where(*posted, SalesInvoice.amount_residual > 0)
    ).one()
    sign = case((SalesInvoice.kind == "credit_note", -1), else_=1)
    month = session.scalar(
        select(func.coalesce(func.sum(SalesInvoice.amount_untaxed * sign), 0)).where(
            SalesInvoice.state == "posted",
            SalesInvoice.date >= on.replace(day=1),
            SalesInvoice.date <= on,
        )
    )
    drafts = session.scalar(
        select(func.count(SalesInvoice.id)).where(SalesInvoice.state == "draft")
    )
    cents = Decimal("0.01")
    return Workload(
        open_quotes=open_quotes or 0,
        to_deliver=orders[0] or 0,
        to_invoice=orders[1] or 0,
        draft_invoices=drafts or 0,
        overdue_count=receivables[0] or 0,
        overdue_amount=Decimal(receivables[1]).quantize(cents),
        open_amount=Decimal(receivables[2]).quantize(cents),
        month_revenue=Decimal(month).quantize(cents),
    )
