"""Sales by period: what was invoiced per day, week, month, quarter or year (posted
invoices and credit notes, credit notes negative): counts, net revenue, KDV and total.
SQL sums the headers per date and kind (the reporting index); Python folds the days into
periods (``periods.bucket_start``). A row drills to customer profitability of its period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import func, select

from addons.sales.models import SalesInvoice
from core.i18n import lazy_gettext as _l
from core.models import User
from core.models.user import Membership
from core.web.choices import members

from ..framework import MAX_ID, Chart, Column, Drill, Report, ReportContext, ReportData
from ..periods import (
    GRANULARITIES,
    GRANULARITY_LABELS,
    PeriodParams,
    bucket_end,
    bucket_label,
    bucket_start,
    resolve_period,
)
from . import profitability
from .common import (
    CUSTOMER_CHECKS,
    CustomerParams,
    Sums,
    check_records,
    currency_note,
    currency_of,
    customer_choices,
    customer_filters,
    drill_params,
    period_note,
    posted,
)


class SalesByPeriodParams(PeriodParams, CustomerParams):
    granularity = fields.String(
        load_default="month",
        validate=validate.OneOf(GRANULARITIES, labels=GRANULARITY_LABELS),
        metadata={"label": _l("Per")},
    )
    salesperson_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Salesperson")}
    )


def check(ctx: ReportContext, params: dict[str, Any]) -> dict[str, list[str]]:
    errors = check_records(ctx.session, params, CUSTOMER_CHECKS)
    person = params.get("salesperson_id")
    if person is not None and not 0 < person <= MAX_ID:
        errors["salesperson_id"] = [str(_l("unknown salesperson"))]
    elif person is not None:
        member = ctx.session.scalar(
            select(Membership.user_id).where(
                Membership.user_id == person, Membership.company_id == ctx.company.id
            )
        )
        if member is None or ctx.session.get(User, person) is None:
            errors["salesperson_id"] = [str(_l("unknown salesperson"))]
    return errors


COLUMNS = [
    Column("key", _l("Start"), "date", hidden=True),
    Column("label", _l("Period")),
    Column("invoices", _l("Invoices"), "integer", total=True),
    Column("credit_notes", _l("Credit notes"), "integer", total=True),
    Column("revenue", _l("Net revenue"), "money", total=True),
    Column("tax", _l("KDV"), "money", total=True),
    Column("total", _l("Total"), "money", total=True),
]


def run(ctx: ReportContext, params: dict[str, Any]) -> ReportData:
    period = resolve_period(params, ctx.today)
    currency = currency_of(ctx, params)
    where = posted(ctx.company.id, period, currency) + customer_filters(params)
    if params.get("salesperson_id") is not None:
        where.append(SalesInvoice.salesperson_id == params["salesperson_id"])
    query = (
        select(
            SalesInvoice.date,
            SalesInvoice.kind,
            func.count(),
            func.sum(SalesInvoice.amount_untaxed),
            func.sum(SalesInvoice.amount_tax),
            func.sum(SalesInvoice.amount_total),
        )
        .where(*where)
        .group_by(SalesInvoice.date, SalesInvoice.kind)
    )
    granularity = params["granularity"]
    buckets: dict[Any, Sums] = defaultdict(Sums)
    for day, kind, count, untaxed, tax, total in ctx.session.execute(query):
        buckets[bucket_start(day, granularity)].add(kind, count, untaxed, tax=tax, total=total)
    rows = [
        [
            start,
            bucket_label(start, granularity),
            s.invoices,
            s.credit_notes,
            s.revenue,
            s.tax,
            s.total,
        ]
        for start, s in sorted(buckets.items())
    ]
    notes = [period_note(ctx, period), currency_note(currency)]
    return ReportData(COLUMNS, rows, currency=currency, notes=notes)


def drill(ctx: ReportContext, params: dict[str, Any], row: Mapping[str, Any]) -> Drill | None:
    """A period's row: customer profitability by customer over that period (within the
    report's range), with the same customer filters."""
    period = resolve_period(params, ctx.today)
    start, granularity = row["key"], params["granularity"]
    wanted = drill_params(
        {k: params.get(k) for k in ("customer_group_id", "customer_id")},
        group_by="customer",
        currency=currency_of(ctx, params),
        date_from=max(start, period.start),
        date_to=min(bucket_end(start, granularity), period.end),
    )
    return Drill(report=profitability.ID, params=wanted)


REPORT = Report(
    id="reporting.sales_by_period",
    title=_l("Sales by period"),
    description=_l("Posted invoices less credit notes per day, week, month, quarter or year."),
    group=_l("Sales"),
    roles=("sales.user",),
    params=SalesByPeriodParams,
    run=run,
    chart=Chart("line", "label", ("revenue",)),
    drill=drill,
    check=check,
    choices={**customer_choices(), "salesperson_id": members},
)
