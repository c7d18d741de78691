"""What the company owes its vendors: open vendor invoices less the advances paid (vendor
payments' unallocated rests), and the overdue part. Sums run in SQL over the documents
themselves: there is no separate ledger to keep in step.

``balance = Σ posted invoices' amount_residual − Σ posted payments' amount_unallocated``
(negative: the vendor owes the company, an advance larger than its open invoices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select, type_coerce, union_all
from sqlalchemy.orm import Session

from core.models import Partner
from core.types import Money

from .models import ZERO, PurchasingInvoice, PurchasingOrder, PurchasingPayment

CENTS = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENTS)


@dataclass(frozen=True)
class VendorBalance:
    """A vendor's figures on a day: open invoices, advances, what is owed, overdue."""

    partner_id: int
    name: str
    currency: str
    invoiced_open: Decimal  # posted invoices' open amounts
    advances: Decimal  # posted payments' unallocated rests
    overdue: Decimal  # open amounts due before the day
    open_invoices: int

    @property
    def balance(self) -> Decimal:
        return self.invoiced_open - self.advances


def _open_part(on: date) -> Any:
    """Per vendor: open amount, overdue amount and the number of open invoices."""
    inv = PurchasingInvoice
    is_open = and_(inv.state == "posted", inv.amount_residual > 0)
    late = and_(is_open, inv.due_date < on)
    return (
        select(
            inv.partner_id.label("partner_id"),
            func.coalesce(func.sum(case((is_open, inv.amount_residual), else_=ZERO)), ZERO).label(
                "open"
            ),
            literal(ZERO, Money()).label("advance"),
            func.coalesce(func.sum(case((late, inv.amount_residual), else_=ZERO)), ZERO).label(
                "late"
            ),
            func.count(case((is_open, inv.id))).label("count"),
        )
        .where(inv.state == "posted")
        .group_by(inv.partner_id)
    )


def _advance_part() -> Any:
    pay = PurchasingPayment
    return (
        select(
            pay.partner_id.label("partner_id"),
            literal(ZERO, Money()).label("open"),
            func.coalesce(func.sum(pay.amount_unallocated), ZERO).label("advance"),
            literal(ZERO, Money()).label("late"),
            literal(0).label("count"),
        )
        .where(pay.state == "posted", pay.amount_unallocated > 0)
        .group_by(pay.partner_id)
    )


def balances(
    session: Session, on: date, partner_id: int | None = None, only_open: bool = True
) -> list[VendorBalance]:
    """Every vendor's balance on ``on`` (one query: open invoices and advances per vendor,
    summed together), largest balance first; ``partner_id``: that vendor's only (a row of
    zeros when it has nothing); ``only_open``: vendors with something open or advanced."""
    parts = [_open_part(on), _advance_part()]
    if partner_id is not None:
        parts = [p.where(p.selected_columns.partner_id == partner_id) for p in parts]
    merged = union_all(*parts).subquery()
    totals = (
        select(
            merged.c.partner_id,
            type_coerce(func.sum(merged.c.open), Money()).label("open"),
            type_coerce(func.sum(merged.c.advance), Money()).label("advance"),
            type_coerce(func.sum(merged.c.late), Money()).label("late"),
            func.sum(merged.c.count).label("count"),
        )
        .group_by(merged.c.partner_id)
        .subquery()
    )
    query = select(
        Partner.id,
        Partner.name,
        Partner.currency,
        totals.c.open,
        totals.c.advance,
        totals.c.late,
        totals.c.count,
    )
    if partner_id is not None:
        query = query.outerjoin(totals, totals.c.partner_id == Partner.id).where(
            Partner.id == partner_id
        )
    else:
        query = query.join(totals, totals.c.partner_id == Partner.id)
    found = [
        VendorBalance(
            partner_id=row[0],
            name=row[1],
            currency=row[2],
            invoiced_open=_money(row[3]),
            advances=_money(row[4]),
            overdue=_money(row[5]),
            open_invoices=int(row[6] or 0),
        )
        for row in session.execute(query)
    ]
    if only_open and partner_id is None:
        found = [b for b in found if b.invoiced_open or b.advances]
    return sorted(found, key=lambda b: (-b.balance, b.name, b.partner_id))


def vendor_balance(session: Session, partner_id: int, on: date) -> VendorBalance | None:
    """One vendor's balance on ``on`` (``None``: no such partner in the company)."""
    found = balances(session, on, partner_id=partner_id)
    return found[0] if found else None


def balance(session: Session, partner_id: int) -> Decimal:
    """What the company owes the vendor (negative: the vendor owes the company)."""
    found = vendor_balance(session, partner_id, date.today())
    return found.balance if found is not None else ZERO


def last_orders(session: Session, partner_id: int, limit: int = 5) -> list[PurchasingOrder]:
    """The vendor's newest purchase orders that are not cancelled."""
    return list(
        session.scalars(
            select(PurchasingOrder)
            .where(PurchasingOrder.partner_id == partner_id, PurchasingOrder.state != "cancelled")
            .order_by(PurchasingOrder.date.desc(), PurchasingOrder.id.desc())
            .limit(limit)
        )
    )


TIMELINE_KINDS = (
    ("order", PurchasingOrder),
    ("invoice", PurchasingInvoice),
    ("payment", PurchasingPayment),
)


def documents_of(session: Session, partner_id: int, limit: int) -> list[Any]:
    """The vendor's newest purchase orders, vendor invoices and payments together, newest
    first, at most ``limit`` (rows with ``source``, ``id``, ``number``, ``date``, ``state``,
    ``currency``, ``amount_total``): each kind's newest ``limit`` merged and cut in SQL."""
    parts = []
    for kind, model in TIMELINE_KINDS:
        newest = (
            select(
                literal(kind).label("source"),
                model.id,
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
    return list(
        session.execute(
            select(*merged.c).order_by(merged.c.date.desc(), merged.c.id.desc()).limit(limit)
        ).all()
    )
