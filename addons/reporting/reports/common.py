"""What the sales reports share: the currency and customer parameters, checking ids against
the company, the posted documents of a period, names of the records rows are keyed by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates
from sqlalchemy import ColumnElement, select

from addons.sales.models import SalesInvoice
from core.i18n import _
from core.i18n import lazy_gettext as _l
from core.models import Partner, PartnerGroup
from core.money import is_currency, round_money

from ..framework import unknown_ids
from ..periods import Period

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
#: ``customer_group_id`` 0: the customers without a group (the "No group" row)
NO_GROUP = 0


class CustomerParams(Schema):
    """Currency and customer filters, shared by the sales reports."""

    currency = fields.String(load_default=None, allow_none=True, metadata={"label": _l("Currency")})
    customer_group_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Customer group")}
    )
    customer_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"label": _l("Customer")}
    )

    @validates("currency")
    def _iso(self, value: str | None, **_: Any) -> None:
        if value is not None and not is_currency(value.upper()):
            raise ValidationError(str(_l("not an ISO 4217 currency code")))


def check_records(
    session: Any, params: Mapping[str, Any], models: Mapping[str, tuple[type, Any]]
) -> dict[str, list[str]]:
    """Field messages for ids that are not the company's: ``models`` maps a parameter to
    its model and message. The session acts for the company, so another company's record
    is not found (``customer_group_id`` 0 means "no group" and is always fine)."""
    if params.get("customer_group_id") == NO_GROUP:
        params = {k: v for k, v in params.items() if k != "customer_group_id"}
    return unknown_ids(session, params, models)


def customer_groups(session: Any) -> list[tuple[int, str]]:
    """The form's options of ``customer_group_id``: "No group" (0), then the groups."""
    from core.web.choices import customer_groups as groups

    return [(NO_GROUP, _("No group")), *groups(session)]


def customer_choices() -> dict[str, Any]:
    """The form's options of the customer parameters (``CustomerParams``)."""
    from core.web.choices import customers

    return {"customer_group_id": customer_groups, "customer_id": customers}


CUSTOMER_CHECKS = {
    "customer_group_id": (PartnerGroup, _l("unknown customer group")),
    "customer_id": (Partner, _l("unknown customer")),
}


def currency_of(ctx: Any, params: Mapping[str, Any]) -> str:
    return (params.get("currency") or ctx.company.currency).upper()


def period_note(ctx: Any, period: Period, compared: Period | None = None) -> str:
    """The dates a run covers (and those it compares with), as the page and the files say
    them: a preset such as "this quarter" is resolved when the report runs."""
    from babel.dates import format_date

    def days(p: Period) -> str:
        first = format_date(p.start, "medium", locale=ctx.language)
        return f"{first} – {format_date(p.end, 'medium', locale=ctx.language)}"

    if compared is None:
        return _("Period: %(period)s.", period=days(period))
    return _(
        "Period: %(period)s, compared with %(compared)s.",
        period=days(period),
        compared=days(compared),
    )


def currency_note(currency: str) -> str:
    return _(
        "Invoices in %(currency)s only: documents in other currencies are left out (there"
        " are no exchange rates yet).",
        currency=currency,
    )


def posted(company_id: int, period: Period | None, currency: str) -> list[ColumnElement[bool]]:
    """Posted invoices and credit notes of the company in ``currency`` (and ``period``), in
    the order of the reporting index ``ix_sales_invoice_report``."""
    where = [
        SalesInvoice.company_id == company_id,
        SalesInvoice.state == "posted",
        SalesInvoice.currency == currency,
    ]
    if period is not None:
        where += [SalesInvoice.date >= period.start, SalesInvoice.date <= period.end]
    return where


def customer_filters(
    params: Mapping[str, Any], partner: Any = SalesInvoice.partner_id
) -> list[ColumnElement[bool]]:
    """The customer and customer-group filters on ``partner`` (a document's partner id)."""
    where: list[ColumnElement[bool]] = []
    if params.get("customer_id") is not None:
        where.append(partner == params["customer_id"])
    group = params.get("customer_group_id")
    if group is not None:
        grouped = Partner.group_id.is_(None) if group == NO_GROUP else Partner.group_id == group
        where.append(partner.in_(select(Partner.id).where(grouped)))
    return where


def names(session: Any, column: Any, ids: Iterable[Any], *extra: Any) -> dict[Any, tuple]:
    """``id -> (name, *extra)`` of the records ``ids`` (``column`` is the model's id),
    read 500 at a time."""
    model = column.class_
    found: dict[Any, tuple] = {}
    wanted = [i for i in set(ids) if i is not None]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(column, model.name, *extra).where(column.in_(chunk))
        for row in session.execute(query):
            found[row[0]] = tuple(row[1:])
    return found


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percent of ``whole``, half-up to 2 places (``core.money.round_money``,
    the one rounding rule); ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return round_money(part * HUNDRED / whole)


def change(now: Decimal, before: Decimal) -> Decimal | None:
    """The change from ``before`` to ``now`` in percent of ``before`` (``None`` from 0)."""
    if not before:
        return None
    return percent(now - before, abs(before))


@dataclass
class Sums:
    """Signed sums of posted documents: credit notes count negative."""

    invoices: int = 0
    credit_notes: int = 0
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO

    def add(
        self,
        kind: str,
        count: int,
        revenue: Any,
        cost: Any = None,
        tax: Any = None,
        total: Any = None,
    ) -> None:
        sign = -1 if kind == "credit_note" else 1
        if kind == "credit_note":
            self.credit_notes += count
        else:
            self.invoices += count
        self.revenue += sign * (revenue or ZERO)
        self.cost += sign * (cost or ZERO)
        self.tax += sign * (tax or ZERO)
        self.total += sign * (total or ZERO)

    def merge(self, other: Sums) -> None:
        self.invoices += other.invoices
        self.credit_notes += other.credit_notes
        self.revenue += other.revenue
        self.cost += other.cost
        self.tax += other.tax
        self.total += other.total

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.cost


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def drill_params(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """Raw parameters of a drill-down: ``base`` with ``changes``, dates as ISO strings
    (what a query string or JSON body carries), empty values left out."""
    merged = {**base, **changes}
    return {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in merged.items() if v is not None
    }
