"""Customer profitability: revenue, cost, gross profit and margin of posted customer
invoices less credit notes, by customer group, customer, product, category, month, quarter,
year, invoice or line, with an optional comparison period.

Revenue is the untaxed amount, cost the cost each line froze when it was posted (its basis,
``standard`` or an add-on's, shown on the lines). Credit notes count negative (revenue and
cost). Only documents in one currency are counted (the company's unless asked): Yaprak has
no exchange rates yet.

Speed: a posted header's ``amount_untaxed`` and ``amount_cost`` are the sums of its lines'
``net`` and ``cost_amount`` (``core.documents.compute_totals`` and ``post_invoice``; frozen
afterwards), so reports that do not look inside invoices (by customer, group, period,
invoice, with no product or category filter) sum the headers, about a fifth of the rows,
read from the covering index ``ix_sales_invoice_report`` (company, state, currency, date,
then the summed columns). Product and category need the lines: they join the lines to
those headers. Either way SQL groups by a plain column (customer, date, product, invoice)
and kind, and Python folds the groups into what was asked (customers into their groups,
days into months with ``periods.bucket_start``, products into categories): the same on
SQLite and PostgreSQL, and a few thousand groups at most. ``test_reporting_profitability``
checks on random documents that every row and the totals equal sums of the lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import distinct, func, select

from addons.sales.models import SalesInvoice, SalesInvoiceLine
from core.i18n import _
from core.i18n import lazy_gettext as _l
from core.models import Partner, PartnerGroup, Product, ProductCategory
from core.web.choices import product_categories, products

from ..framework import Chart, Column, Drill, Report, ReportContext, ReportData
from ..periods import (
    COMPARISON_LABELS,
    COMPARISONS,
    PeriodParams,
    bucket_end,
    bucket_label,
    bucket_start,
    comparison_period,
    comparison_shift,
    resolve_period,
)
from .common import (
    CUSTOMER_CHECKS,
    NO_GROUP,
    CustomerParams,
    Sums,
    change,
    check_records,
    currency_note,
    currency_of,
    customer_choices,
    customer_filters,
    drill_params,
    names,
    percent,
    period_note,
    posted,
)

ID = "reporting.profitability"
GROUPS = (
    "customer_group",
    "customer",
    "product",
    "category",
    "month",
    "quarter",
    "year",
    "invoice",
    "line",
)
GROUP_LABELS = (
    _l("Customer group"),
    _l("Customer"),
    _l("Product"),
    _l("Product category"),
    _l("Month"),
    _l("Quarter"),
    _l("Year"),
    _l("Invoice"),
    _l("Invoice line"),
)
PERIODS = ("month", "quarter", "year")
COUNTED = ("customer_group", "customer", *PERIODS)  # an invoice counts once in one row
COMPARED = ("customer_group", "customer", "product", "category", *PERIODS)
#: the plain column SQL groups by for each grouping (Python folds it further)
BASE = {
    "customer_group": "partner",
    "customer": "partner",
    "product": "product",
    "category": "product",
    "month": "day",
    "quarter": "day",
    "year": "day",
    "invoice": "invoice",
}


def invoice_url(invoice_id: int) -> str:
    return f"/sales/invoices/{invoice_id}"


class ProfitabilityParams(PeriodParams, CustomerParams):
    comparison = fields.String(
        load_default="none",
        validate=validate.OneOf(COMPARISONS, labels=COMPARISON_LABELS),
        metadata={"label": _l("Compare with")},
    )
    group_by = fields.String(
        load_default="customer",
        validate=validate.OneOf(GROUPS, labels=GROUP_LABELS),
        metadata={"label": _l("Group by")},
    )
    category_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Product category")}
    )
    product_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Product")}
    )
    invoice_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Invoice")}
    )


def check(ctx: ReportContext, params: dict[str, Any]) -> dict[str, list[str]]:
    return check_records(
        ctx.session,
        params,
        {
            **CUSTOMER_CHECKS,
            "category_id": (ProductCategory, _l("unknown product category")),
            "product_id": (Product, _l("unknown product")),
            "invoice_id": (SalesInvoice, _l("unknown invoice")),
        },
    )


# ----------------------------------------------------------------------------- queries
def _categories(session: Any, category_id: int) -> list[int]:
    """``category_id`` and the categories below it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for cid, parent in session.execute(select(ProductCategory.id, ProductCategory.parent_id)):
        children[parent].append(cid)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.append(current)
            todo.extend(children.get(current, ()))
    return found


def _needs_lines(params: Mapping[str, Any], base: str) -> bool:
    return (
        base == "product"
        or params.get("product_id") is not None
        or (params.get("category_id") is not None)
    )


def _filters(ctx: ReportContext, params: Mapping[str, Any], period: Any, currency: str) -> list:
    where = posted(ctx.company.id, period, currency) + customer_filters(params)
    if params.get("invoice_id") is not None:
        where.append(SalesInvoice.id == params["invoice_id"])
    return where


def _line_filters(ctx: ReportContext, params: Mapping[str, Any]) -> list:
    where = []
    if params.get("product_id") is not None:
        where.append(SalesInvoiceLine.product_id == params["product_id"])
    if params.get("category_id") is not None:
        categories = _categories(ctx.session, params["category_id"])
        products = select(Product.id).where(Product.category_id.in_(categories))
        where.append(SalesInvoiceLine.product_id.in_(products))
    return where


def sums(
    ctx: ReportContext, params: Mapping[str, Any], period: Any, currency: str, base: str
) -> dict[Any, Sums]:
    """Signed sums of the posted documents of ``period`` per ``base`` value (partner, day,
    product or invoice): from the headers, or from the lines when products matter."""
    where = _filters(ctx, params, period, currency)
    if _needs_lines(params, base):
        key = {
            "partner": SalesInvoice.partner_id,
            "day": SalesInvoice.date,
            "product": SalesInvoiceLine.product_id,
            "invoice": SalesInvoiceLine.invoice_id,
        }[base]
        query = (
            select(
                key,
                SalesInvoice.kind,
                func.count(distinct(SalesInvoiceLine.invoice_id)),
                func.sum(SalesInvoiceLine.net),
                func.sum(SalesInvoiceLine.cost_amount),
            )
            .select_from(SalesInvoiceLine)
            .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.invoice_id)
            .where(*where, *_line_filters(ctx, params))
        )
    else:
        key = {
            "partner": SalesInvoice.partner_id,
            "day": SalesInvoice.date,
            "invoice": SalesInvoice.id,
        }[base]
        query = select(
            key,
            SalesInvoice.kind,
            func.count(),
            func.sum(SalesInvoice.amount_untaxed),
            func.sum(SalesInvoice.amount_cost),
        ).where(*where)
    found: dict[Any, Sums] = defaultdict(Sums)
    grouped = query.group_by(key, SalesInvoice.kind)
    for value, kind, count, revenue, cost in ctx.session.execute(grouped):
        found[value].add(kind, count, revenue, cost)
    return found


# ----------------------------------------------------------------------------- grouping
def _fold(groups: Mapping[Any, Sums], key_of: Any) -> dict[Any, Sums]:
    folded: dict[Any, Sums] = defaultdict(Sums)
    for value, total in groups.items():
        folded[key_of(value)].merge(total)
    return folded


def _grouped(
    ctx: ReportContext, group_by: str, groups: dict[Any, Sums], compared: dict[Any, Sums]
) -> tuple[dict[Any, Sums], dict[Any, Sums], dict[Any, str]]:
    """The base sums folded into ``group_by``'s rows, and each row's label."""
    session = ctx.session
    if group_by in PERIODS:
        fold = lambda day: bucket_start(day, group_by)  # noqa: E731
        current, before = _fold(groups, fold), _fold(compared, fold)
        return current, before, {k: bucket_label(k, group_by) for k in {*current, *before}}
    if group_by == "customer_group":
        partners = names(session, Partner.id, {*groups, *compared}, Partner.group_id)
        fold = lambda pid: partners.get(pid, ("", None))[1] or NO_GROUP  # noqa: E731
        current, before = _fold(groups, fold), _fold(compared, fold)
        labels = {k: v[0] for k, v in names(session, PartnerGroup.id, {*current, *before}).items()}
        labels[NO_GROUP] = _("No group")
        return current, before, labels
    if group_by == "category":
        products = names(session, Product.id, {*groups, *compared}, Product.category_id)
        fold = lambda pid: products.get(pid, ("", None))[1] or 0  # noqa: E731
        current, before = _fold(groups, fold), _fold(compared, fold)
        labels = {
            k: v[0] for k, v in names(session, ProductCategory.id, {*current, *before}).items()
        }
        labels[0] = _("No category")
        return current, before, labels
    if group_by == "product":
        found = names(session, Product.id, {*groups, *compared}, Product.code)
        labels = {k: f"{code} {name}" for k, (name, code) in found.items()}
        labels[None] = _("No product")
        return groups, compared, labels
    found = names(session, Partner.id, {*groups, *compared})  # customer
    return groups, compared, {k: v[0] for k, v in found.items()}


# ----------------------------------------------------------------------------- columns
def _columns(group_by: str, compare: bool) -> list[Column]:
    line = group_by == "line"
    columns = [
        Column("key", _l("Id"), "date" if group_by in PERIODS else "integer", hidden=True),
        Column("label", _label(group_by)),
    ]
    if group_by in ("invoice", "line"):
        columns.append(Column("invoice_id", _l("Invoice id"), "integer", hidden=True))
        if line:  # by invoice, the row's label is the invoice's number already
            columns.append(Column("number", _l("Number")))
        columns += [
            Column("date", _l("Date"), "date"),
            Column("customer", _l("Customer")),
            Column("kind", _l("Kind")),
        ]
    if line:
        columns.append(Column("quantity", _l("Quantity"), "quantity"))
    if group_by in COUNTED:
        columns += [
            Column("invoices", _l("Invoices"), "integer", total=True),
            Column("credit_notes", _l("Credit notes"), "integer", total=True),
        ]
    columns += [
        Column("revenue", _l("Net amount") if line else _l("Revenue"), "money", total=True),
    ]
    if line:
        columns.append(Column("cost_unit", _l("Unit cost"), "price"))
    columns += [
        Column("cost", _l("Cost amount") if line else _l("Cost"), "money", total=True),
    ]
    if line:
        columns.append(Column("cost_basis", _l("Cost basis")))
    columns += [
        Column("gross_profit", _l("Gross profit"), "money", total=True),
        Column(
            "margin",
            _l("Margin %"),
            "percent",
            total_of=lambda t: percent(t["gross_profit"], t["revenue"]),
        ),
    ]
    if compare:
        columns += [
            Column("revenue_compared", _l("Revenue (compared)"), "money", total=True),
            Column("gross_profit_compared", _l("Gross profit (compared)"), "money", total=True),
            Column(
                "revenue_change",
                _l("Revenue change %"),
                "percent",
                total_of=lambda t: change(t["revenue"], t["revenue_compared"]),
            ),
            Column(
                "gross_profit_change",
                _l("Gross profit change %"),
                "percent",
                total_of=lambda t: change(t["gross_profit"], t["gross_profit_compared"]),
            ),
        ]
    return columns


def _label(group_by: str) -> Any:
    return {
        "customer_group": _l("Customer group"),
        "customer": _l("Customer"),
        "product": _l("Product"),
        "category": _l("Product category"),
        "month": _l("Month"),
        "quarter": _l("Quarter"),
        "year": _l("Year"),
        "invoice": _l("Invoice"),
        "line": _l("Product"),
    }[group_by]


#: what the stored cost bases mean (``sales_line_cost`` answers: materials' ``average``)
COST_BASES = {
    "standard": _l("standard cost"),
    "average": _l("moving average"),
    "none": _l("no cost"),
}


def cost_basis_label(basis: str) -> str:
    """A line's cost basis in words; a basis of another add-on as it is stored."""
    return str(COST_BASES[basis]) if basis in COST_BASES else basis


def _kind_label(kind: str) -> str:
    return _("Credit note") if kind == "credit_note" else _("Invoice")


def _figures(total: Sums) -> dict[str, Any]:
    return {
        "invoices": total.invoices,
        "credit_notes": total.credit_notes,
        "revenue": total.revenue,
        "cost": total.cost,
        "gross_profit": total.profit,
        "margin": percent(total.profit, total.revenue),
    }


# ----------------------------------------------------------------------------- rows
def run(ctx: ReportContext, params: dict[str, Any]) -> ReportData:
    period = resolve_period(params, ctx.today)
    currency = currency_of(ctx, params)
    group_by = params["group_by"]
    notes = [currency_note(currency)]
    compared_period = comparison_period(period, params["comparison"])
    if compared_period is not None and group_by not in COMPARED:
        notes.append(_("Invoices and lines are not compared with another period."))
        compared_period = None
    notes.insert(0, period_note(ctx, period, compared_period))
    columns = _columns(group_by, compared_period is not None)
    chart = Chart("line" if group_by in PERIODS else "bar", "label", ("revenue", "gross_profit"))
    if group_by == "line":
        rows: Any = _line_rows(ctx, params, period, currency, columns)
    elif group_by == "invoice":
        rows = _invoice_rows(ctx, params, period, currency, columns)
    else:
        rows = _group_rows(ctx, params, period, compared_period, currency, columns)
    return ReportData(columns, rows, currency=currency, notes=notes, chart=chart)


def _group_rows(
    ctx: ReportContext,
    params: dict[str, Any],
    period: Any,
    compared_period: Any,
    currency: str,
    columns: list[Column],
) -> list[list[Any]]:
    group_by = params["group_by"]
    base = BASE[group_by]
    groups = sums(ctx, params, period, currency, base)
    compared: dict[Any, Sums] = {}
    if compared_period is not None:
        compared = sums(ctx, params, compared_period, currency, base)
        if base == "day":  # each day of the comparison lands in the bucket it compares with
            shift = comparison_shift(period, compared_period, params["comparison"])
            compared = _fold(compared, shift)
    current, before, labels = _grouped(ctx, group_by, groups, compared)
    rows = []
    for key in {*current, *before}:
        total = current.get(key, Sums())
        row = {"key": key, "label": labels.get(key, ""), **_figures(total)}
        if compared_period is not None:
            other = before.get(key, Sums())
            row |= {
                "revenue_compared": other.revenue,
                "gross_profit_compared": other.profit,
                "revenue_change": change(total.revenue, other.revenue),
                "gross_profit_change": change(total.profit, other.profit),
            }
        rows.append(row)
    if group_by in PERIODS:
        rows.sort(key=lambda r: r["key"])
    else:
        rows.sort(key=lambda r: (-r["revenue"], r["label"]))
    return [[row[c.key] for c in columns] for row in rows]


def _invoice_rows(
    ctx: ReportContext, params: dict[str, Any], period: Any, currency: str, columns: list[Column]
) -> list[list[Any]]:
    groups = sums(ctx, params, period, currency, "invoice")
    headers: dict[int, Any] = {}
    wanted = list(groups)
    for start in range(0, len(wanted), 500):
        query = (
            select(
                SalesInvoice.id,
                SalesInvoice.number,
                SalesInvoice.date,
                SalesInvoice.kind,
                Partner.name,
            )
            .join(Partner, Partner.id == SalesInvoice.partner_id)
            .where(SalesInvoice.id.in_(wanted[start : start + 500]))
        )
        headers.update((row.id, row) for row in ctx.session.execute(query))
    rows = []
    for invoice_id, total in groups.items():
        head = headers[invoice_id]
        rows.append(
            {
                "key": invoice_id,
                "label": head.number or "",
                "invoice_id": invoice_id,
                "number": head.number or "",
                "date": head.date,
                "customer": head.name,
                "kind": _kind_label(head.kind),
                **_figures(total),
            }
        )
    rows.sort(key=lambda r: (r["date"], r["number"]))
    return [[row[c.key] for c in columns] for row in rows]


def _line_rows(
    ctx: ReportContext, params: dict[str, Any], period: Any, currency: str, columns: list[Column]
) -> Iterator[list[Any]]:
    """Every line, streamed (a year of lines may be a million)."""
    line, head = SalesInvoiceLine, SalesInvoice
    query = (
        select(
            line.id,
            line.invoice_id,
            head.number,
            head.date,
            head.kind,
            Partner.name.label("customer"),
            Product.code,
            Product.name.label("product"),
            line.description,
            line.quantity,
            line.net,
            line.cost_unit,
            line.cost_amount,
            line.cost_basis,
        )
        .select_from(line)
        .join(head, head.id == line.invoice_id)
        .join(Partner, Partner.id == head.partner_id)
        .outerjoin(Product, Product.id == line.product_id)
        .where(*_filters(ctx, params, period, currency), *_line_filters(ctx, params))
        .order_by(head.date, head.number, line.sequence, line.id)
        .execution_options(yield_per=2000)
    )
    for r in ctx.session.execute(query):
        sign = -1 if r.kind == "credit_note" else 1
        revenue, cost = sign * r.net, sign * r.cost_amount
        row = {
            "key": r.id,
            "label": f"{r.code} {r.product}" if r.code else r.description,
            "invoice_id": r.invoice_id,
            "number": r.number or "",
            "date": r.date,
            "customer": r.customer,
            "kind": _kind_label(r.kind),
            "quantity": sign * r.quantity,
            "revenue": revenue,
            "cost_unit": r.cost_unit,
            "cost": cost,
            "cost_basis": cost_basis_label(r.cost_basis),
            "gross_profit": revenue - cost,
            "margin": percent(revenue - cost, revenue),
        }
        yield [row[c.key] for c in columns]


# ----------------------------------------------------------------------------- drill-down
def drill(ctx: ReportContext, params: dict[str, Any], row: Mapping[str, Any]) -> Drill | None:
    """group -> customers -> invoices -> lines; product -> customers, category -> products,
    a period -> its customers; an invoice or a line also opens the invoice's page."""
    period = resolve_period(params, ctx.today)
    base = {
        name: params.get(name)
        for name in ("comparison", "customer_group_id", "customer_id", "category_id")
    }
    base |= {"product_id": params.get("product_id"), "invoice_id": params.get("invoice_id")}
    base |= {"date_from": period.start, "date_to": period.end}
    base["currency"] = currency_of(ctx, params)
    group_by, key = params["group_by"], row.get("key")

    def to(group: str, **changes: Any) -> Drill:
        return Drill(report=ID, params=drill_params(base, group_by=group, **changes))

    if group_by == "customer_group":
        return to("customer", customer_group_id=key if key is not None else NO_GROUP)
    if group_by == "customer":
        return to("invoice", customer_id=key, comparison=None)  # invoices are not compared
    if group_by == "invoice":
        target = to("line", invoice_id=key, comparison=None)
        return Drill(report=target.report, params=target.params, url=invoice_url(key))
    if group_by == "line":
        return Drill(url=invoice_url(row["invoice_id"]))
    if group_by == "product":
        return to("customer", product_id=key) if key is not None else None
    if group_by == "category":
        return to("product", category_id=key) if key else None
    if group_by in PERIODS and key is not None:
        end = min(bucket_end(key, group_by), period.end)
        return to("customer", date_from=max(key, period.start), date_to=end)
    return None


REPORT = Report(
    id=ID,
    title=_l("Customer profitability"),
    description=_l(
        "Revenue, cost, gross profit and margin of posted invoices less credit notes, from the"
        " cost frozen on each line at posting."
    ),
    group=_l("Sales"),
    roles=("sales.manager", "sales.accountant"),
    params=ProfitabilityParams,
    run=run,
    chart=Chart("bar", "label", ("revenue", "gross_profit")),
    drill=drill,
    check=check,
    choices={
        **customer_choices(),
        "category_id": product_categories,
        "product_id": products,
    },
)
