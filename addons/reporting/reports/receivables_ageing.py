"""Open receivables with ageing, per customer, as of a date (today by default).

An invoice is open as of a day when it was posted on or before it and its total is more
than what payments and credit notes had settled by then: the allocations dated on or
before the day (``SalesAllocation.date``; a cancelled payment's allocations are deleted,
so it counts as never made). Its open amount goes to one bucket by days past the due date
(the invoice date when it has none): not yet due (due on the day or later), 1-30 ("0-30"),
31-60, 61-90, over 90. As Odoo's and ERPNext's ageing reports keep what the customer paid
in advance apart, the customer's credit as of the day (posted payments not allocated in
full, posted credit notes with something left) is a column of its own, and the balance is
the open amount less that credit.

Only documents in one currency count (the company's unless asked). Candidates are found
from the stored open amounts: what is open today, or had an allocation after the day; the
others were settled on or before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import fields
from sqlalchemy import func, or_, select

from addons.sales.models import SalesAllocation, SalesInvoice, SalesPayment
from core.i18n import lazy_gettext as _l
from core.models import Partner

from ..framework import Chart, Column, Drill, Report, ReportContext, ReportData
from .common import (
    CUSTOMER_CHECKS,
    ZERO,
    CustomerParams,
    check_records,
    currency_note,
    currency_of,
    customer_choices,
    customer_filters,
    names,
)

BUCKETS = ("not_due", "days_30", "days_60", "days_90", "older")


class AgeingParams(CustomerParams):
    as_of = fields.Date(load_default=None, allow_none=True, metadata={"label": _l("As of")})


def check(ctx: ReportContext, params: dict[str, Any]) -> dict[str, list[str]]:
    return check_records(ctx.session, params, CUSTOMER_CHECKS)


def bucket(days_overdue: int) -> str:
    """The ageing bucket of an amount ``days_overdue`` days past its due date."""
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "days_30"
    if days_overdue <= 60:
        return "days_60"
    if days_overdue <= 90:
        return "days_90"
    return "older"


def _settled(session: Any, column: Any, as_of: date, ids: list[int]) -> dict[int, Decimal]:
    """What allocations dated on or before ``as_of`` settled of each document ``ids``."""
    found: dict[int, Decimal] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(column, func.sum(SalesAllocation.amount))
            .where(column.in_(ids[start : start + 500]), SalesAllocation.date <= as_of)
            .group_by(column)
        )
        found.update((key, amount) for key, amount in session.execute(query))
    return found


def _after(column: Any, as_of: date) -> Any:
    return select(column).where(SalesAllocation.date > as_of, column.is_not(None))


def _open_documents(
    ctx: ReportContext, params: Mapping[str, Any], kind: str, as_of: date, currency: str
) -> list[tuple[int, date, Decimal]]:
    """``(partner, due date, open amount)`` of the invoices (or credit notes) open as of
    ``as_of``."""
    column = SalesAllocation.invoice_id if kind == "invoice" else SalesAllocation.credit_note_id
    query = select(
        SalesInvoice.id,
        SalesInvoice.partner_id,
        func.coalesce(SalesInvoice.due_date, SalesInvoice.date),
        SalesInvoice.amount_total,
    ).where(
        SalesInvoice.company_id == ctx.company.id,
        SalesInvoice.state == "posted",
        SalesInvoice.kind == kind,
        SalesInvoice.currency == currency,
        SalesInvoice.date <= as_of,
        or_(SalesInvoice.amount_residual > 0, SalesInvoice.id.in_(_after(column, as_of))),
        *customer_filters(params),
    )
    found = ctx.session.execute(query).all()
    settled = _settled(ctx.session, column, as_of, [row[0] for row in found])
    result = []
    for doc_id, partner_id, due, total in found:
        left = total - settled.get(doc_id, ZERO)
        if left > 0:
            result.append((partner_id, due, left))
    return result


def _unallocated_payments(
    ctx: ReportContext, params: Mapping[str, Any], as_of: date, currency: str
) -> list[tuple[int, Decimal]]:
    """``(partner, amount)`` of the posted payments not allocated in full as of ``as_of``."""
    column = SalesAllocation.payment_id
    query = select(SalesPayment.id, SalesPayment.partner_id, SalesPayment.amount_total).where(
        SalesPayment.company_id == ctx.company.id,
        SalesPayment.state == "posted",
        SalesPayment.currency == currency,
        SalesPayment.date <= as_of,
        or_(SalesPayment.amount_unallocated > 0, SalesPayment.id.in_(_after(column, as_of))),
        *customer_filters(params, SalesPayment.partner_id),
    )
    found = ctx.session.execute(query).all()
    settled = _settled(ctx.session, column, as_of, [row[0] for row in found])
    result = []
    for payment_id, partner_id, total in found:
        left = total - settled.get(payment_id, ZERO)
        if left > 0:
            result.append((partner_id, left))
    return result


COLUMNS = [
    Column("key", _l("Id"), "integer", hidden=True),
    Column("label", _l("Customer")),
    Column("not_due", _l("Not yet due"), "money", total=True),
    Column("days_30", _l("0-30 days"), "money", total=True),
    Column("days_60", _l("31-60 days"), "money", total=True),
    Column("days_90", _l("61-90 days"), "money", total=True),
    Column("older", _l("Over 90 days"), "money", total=True),
    Column("total", _l("Open"), "money", total=True),
    Column("credit", _l("Unallocated credit"), "money", total=True),
    Column("balance", _l("Balance"), "money", total=True),
]


def run(ctx: ReportContext, params: dict[str, Any]) -> ReportData:
    as_of = params.get("as_of") or ctx.today
    currency = currency_of(ctx, params)
    amounts: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys((*BUCKETS, "total", "credit"), ZERO)
    )
    for partner_id, due, left in _open_documents(ctx, params, "invoice", as_of, currency):
        row = amounts[partner_id]
        row[bucket((as_of - due).days)] += left
        row["total"] += left
    credits = _open_documents(ctx, params, "credit_note", as_of, currency)
    credits += [
        (partner_id, None, left)
        for partner_id, left in _unallocated_payments(ctx, params, as_of, currency)
    ]
    for partner_id, _due, left in credits:
        amounts[partner_id]["credit"] += left
    labels = names(ctx.session, Partner.id, amounts)
    rows = [
        [
            partner_id,
            labels.get(partner_id, ("",))[0],
            *(row[b] for b in BUCKETS),
            row["total"],
            row["credit"],
            row["total"] - row["credit"],
        ]
        for partner_id, row in amounts.items()
    ]
    rows.sort(key=lambda r: (-r[-1], r[1]))
    return ReportData(COLUMNS, rows, currency=currency, notes=[currency_note(currency)])


def drill(ctx: ReportContext, params: dict[str, Any], row: Mapping[str, Any]) -> Drill | None:
    """A customer's row opens the customer's page (its open invoices and payments)."""
    return Drill(url=f"/partners/{row['key']}") if row.get("key") is not None else None


REPORT = Report(
    id="reporting.receivables_ageing",
    title=_l("Receivables ageing"),
    description=_l(
        "Open customer invoices as of a date by days past due, with the customers' credit."
    ),
    group=_l("Sales"),
    roles=("sales.user",),
    params=AgeingParams,
    run=run,
    chart=Chart("bar", "label", BUCKETS),
    drill=drill,
    check=check,
    choices=customer_choices(),
)
