"""The Material Replenishment Report: what to order, per product and warehouse under a
reorder rule, and why.

For each active rule (in an active warehouse):

    projected = on hand - reserved + on order + requested

``on hand`` and ``reserved`` are ``MaterialsStock``'s; ``on order`` and ``requested`` are
what the enabled add-ons answer to ``materials_incoming`` (SQL statements, summed in the
database: their ``UNION ALL`` grouped by product, warehouse and kind, joined to the rules;
one statement for the whole report whatever the number of products). When ``projected`` is
below the rule's minimum the line proposes

    maximum - projected, raised to the vendor's minimum quantity, rounded up to the multiple

from the rule's vendor (else the product's preferred vendor: core's ``ProductVendor`` with
the lowest ``sequence``), needed by today + the rule's lead time (else the vendor's).

Proposals go to ``materials_replenish`` (purchasing makes draft requisitions of them), with
a ``MaterialsReplenishmentRun`` recording who, when, how and how many. The requisitions then
come back through ``materials_incoming`` as ``requested``: running the report again does not
propose the same shortage twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import and_, case, func, literal_column, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased

from core import hooks_for
from core.companies import cached_company
from core.i18n import N_, _
from core.models import Partner, Product, ProductVendor
from core.tenancy import company_of
from core.types import Quantity

from .models import (
    MaterialsReorderRule,
    MaterialsReplenishmentRun,
    MaterialsStock,
    MaterialsWarehouse,
)

ZERO = Decimal("0")
_PLACES = Decimal("0.001")
TRIGGERS = ("manual", "nightly")
NO_HOOK = N_("no enabled add-on makes requisitions from proposals")


@dataclass(frozen=True)
class Proposal:
    """What the report proposes to buy: ``quantity`` of ``product_id`` for
    ``warehouse_id`` from ``vendor_id`` (None: the product has no vendor), needed by
    ``needed_by``; ``run_id`` is the report run that passed it on, ``reason`` says why (the
    numbers and the rule). ``rule_id`` names the rule."""

    product_id: int
    warehouse_id: int
    vendor_id: int | None
    quantity: Decimal
    needed_by: date
    run_id: int | None
    reason: str
    rule_id: int | None = None


@dataclass(slots=True)
class Line:
    """One line of the report: a rule and its numbers (``proposed`` zero when the projected
    stock is not below the minimum)."""

    rule_id: int
    product_id: int
    product_code: str
    product_name: str
    warehouse_id: int
    warehouse_code: str
    vendor_id: int | None
    vendor_name: str
    on_hand: Decimal
    reserved: Decimal
    on_order: Decimal
    requested: Decimal
    projected: Decimal
    minimum: Decimal
    maximum: Decimal
    multiple: Decimal
    vendor_min_qty: Decimal
    lead_days: int
    lead_from: str  # "rule" | "vendor"
    proposed: Decimal
    needed_by: date | None

    @property
    def short(self) -> bool:
        return self.proposed > 0

    @property
    def reason(self) -> str:
        return explain(self)

    def cells(self) -> tuple[Any, ...]:
        """The line as the report's exports and its framework run show it: product, name,
        warehouse, vendor, the quantities, the date needed and why."""
        return (
            self.product_code,
            self.product_name,
            self.warehouse_code,
            self.vendor_name,
            self.on_hand,
            self.reserved,
            self.on_order,
            self.requested,
            self.projected,
            self.minimum,
            self.maximum,
            self.proposed,
            self.needed_by,
            self.reason,
        )

    def proposal(self, run_id: int | None = None) -> Proposal:
        assert self.needed_by is not None
        return Proposal(
            product_id=self.product_id,
            warehouse_id=self.warehouse_id,
            vendor_id=self.vendor_id,
            quantity=self.proposed,
            needed_by=self.needed_by,
            run_id=run_id,
            reason=self.reason,
            rule_id=self.rule_id,
        )


def _q(value: Decimal) -> str:
    """A quantity as people write it: no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def explain(line: Line) -> str:
    """Why the line proposes what it does (in the request's language; English elsewhere)."""
    numbers = _(
        "projected %(projected)s = on hand %(on_hand)s − reserved %(reserved)s + on order "
        "%(on_order)s + requested %(requested)s",
        projected=_q(line.projected),
        on_hand=_q(line.on_hand),
        reserved=_q(line.reserved),
        on_order=_q(line.on_order),
        requested=_q(line.requested),
    )
    if not line.short:
        return _(
            "%(numbers)s; not below the minimum %(minimum)s of rule #%(rule)s",
            numbers=numbers,
            minimum=_q(line.minimum),
            rule=line.rule_id,
        )
    steps = _(
        "%(numbers)s is below the minimum %(minimum)s of rule #%(rule)s: up to the maximum "
        "%(maximum)s is %(gap)s",
        numbers=numbers,
        minimum=_q(line.minimum),
        rule=line.rule_id,
        maximum=_q(line.maximum),
        gap=_q(line.maximum - line.projected),
    )
    if line.vendor_min_qty > line.maximum - line.projected:
        steps += _(", raised to the vendor's minimum %(min_qty)s", min_qty=_q(line.vendor_min_qty))
    if line.multiple != 1:
        steps += _(", in multiples of %(multiple)s", multiple=_q(line.multiple))
    if line.lead_from == "rule":
        lead = _("lead time %(days)s days (rule)", days=line.lead_days)
    else:
        lead = _("lead time %(days)s days (vendor)", days=line.lead_days)
    return _(
        "%(steps)s: propose %(proposed)s; %(lead)s",
        steps=steps,
        proposed=_q(line.proposed),
        lead=lead,
    )


def propose(
    maximum: Decimal, projected: Decimal, vendor_min_qty: Decimal, multiple: Decimal
) -> Decimal:
    """maximum - projected, raised to the vendor's minimum, rounded up to ``multiple``."""
    quantity = max(maximum - projected, vendor_min_qty or ZERO)
    if quantity <= 0:
        return ZERO
    if multiple and multiple > 0:
        quantity = (quantity / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
    return quantity.quantize(_PLACES)  # 3 places already: the exponent only


# ------------------------------------------------------------------------------ the query
class _ReportQuantity(Quantity):
    """``Quantity`` for the report's result columns, converting each distinct stored value
    once per query (minimums, multiples and stock levels repeat across 100,000 rules, and
    converting each one costs more than the query on SQLite)."""

    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        driver = self.impl_instance.result_processor(dialect, coltype)
        exact = self.process_result_value
        seen: dict[Any, Decimal | None] = {}

        def process(value: Any) -> Decimal | None:
            if value is None:
                return None
            try:
                return seen[value]
            except KeyError:
                found = seen[value] = exact(driver(value) if driver else value, dialect)
                return found

        return process


def _relay(session: Session) -> Any:
    return hooks_for(cached_company(session, company_of(session)))


def incoming_statements(session: Session) -> list[Any]:
    """What the enabled add-ons answer to ``materials_incoming`` (flattened)."""
    found: list[Any] = []
    for answer in _relay(session).materials_incoming(session=session):
        found.extend(answer or [])
    return found


def can_replenish(session: Session) -> bool:
    """Whether an enabled add-on does something with proposals (``materials_replenish``)."""
    return bool(_relay(session).materials_replenish.get_hookimpls())


def _incoming(statements: list[Any]) -> Any:
    """The statements' UNION ALL, summed per product and warehouse: ``on_order`` and
    ``requested`` (a subquery), or None without statements."""
    if not statements:
        return None
    parts = [
        select(s.c.product_id, s.c.warehouse_id, s.c.quantity, s.c.kind)
        for s in (st.subquery() for st in statements)
    ]
    every = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("materials_incoming")
    zero = literal_column("0")

    def summed(kind: str) -> Any:
        picked = case((every.c.kind == kind, every.c.quantity), else_=zero)
        return type_coerce(func.sum(picked), _ReportQuantity()).label(kind)

    return (
        select(
            every.c.product_id,
            every.c.warehouse_id,
            summed("on_order"),
            summed("requested"),
        )
        .group_by(every.c.product_id, every.c.warehouse_id)
        .subquery("materials_incoming_sum")
    )


def _query(
    session: Session,
    warehouse_id: int | None,
    vendor_id: int | None,
    category_id: int | None,
    rule_ids: Iterable[int] | None,
    only_short: bool,
) -> Any:
    company_id = company_of(session)
    rule, product, warehouse = MaterialsReorderRule, Product, MaterialsWarehouse
    stock = MaterialsStock
    zero = literal_column("0")
    incoming = _incoming(incoming_statements(session))
    preferred = (
        select(ProductVendor.partner_id)
        .where(ProductVendor.product_id == rule.product_id)
        .order_by(ProductVendor.sequence, ProductVendor.id)
        .limit(1)
        .correlate(rule)
        .scalar_subquery()
    )
    on_order = incoming.c.on_order if incoming is not None else zero
    requested = incoming.c.requested if incoming is not None else zero
    on_hand = func.coalesce(stock.on_hand, zero)
    reserved = func.coalesce(stock.reserved, zero)
    projected = on_hand - reserved + func.coalesce(on_order, zero) + func.coalesce(requested, zero)
    inner = (
        select(
            rule.id.label("rule_id"),
            rule.product_id,
            rule.warehouse_id,
            type_coerce(rule.minimum, _ReportQuantity()).label("minimum"),
            type_coerce(rule.maximum, _ReportQuantity()).label("maximum"),
            type_coerce(rule.multiple, _ReportQuantity()).label("multiple"),
            rule.lead_days,
            func.coalesce(rule.vendor_id, preferred).label("vendor_id"),
            product.code.label("product_code"),
            product.name.label("product_name"),
            warehouse.code.label("warehouse_code"),
            type_coerce(on_hand, _ReportQuantity()).label("on_hand"),
            type_coerce(reserved, _ReportQuantity()).label("reserved"),
            type_coerce(func.coalesce(on_order, zero), _ReportQuantity()).label("on_order"),
            type_coerce(func.coalesce(requested, zero), _ReportQuantity()).label("requested"),
            type_coerce(projected, _ReportQuantity()).label("projected"),
        )
        .join(product, product.id == rule.product_id)
        .join(warehouse, warehouse.id == rule.warehouse_id)
        .outerjoin(
            stock,
            and_(
                stock.company_id == company_id,
                stock.product_id == rule.product_id,
                stock.warehouse_id == rule.warehouse_id,
            ),
        )
        .where(
            rule.company_id == company_id,
            rule.active.is_(True),
            warehouse.active.is_(True),
            product.type == "goods",
        )
    )
    if incoming is not None:
        inner = inner.outerjoin(
            incoming,
            and_(
                incoming.c.product_id == rule.product_id,
                incoming.c.warehouse_id == rule.warehouse_id,
            ),
        )
    if warehouse_id is not None:
        inner = inner.where(rule.warehouse_id == warehouse_id)
    if category_id is not None:
        inner = inner.where(product.category_id == category_id)
    if rule_ids is not None:
        inner = inner.where(rule.id.in_(list(rule_ids)))
    if only_short:
        inner = inner.where(projected < rule.minimum)
    # materialised: the vendor below is worked out once per line (a subquery merged into
    # the outer query would look up the preferred vendor again for every join)
    lines = inner.cte("materials_lines").prefix_with("MATERIALIZED")
    vendor_row = aliased(ProductVendor)
    query = (
        select(
            lines,
            type_coerce(func.coalesce(vendor_row.min_qty, zero), _ReportQuantity()).label(
                "vendor_min_qty"
            ),
            vendor_row.lead_days.label("vendor_lead_days"),
            Partner.name.label("vendor_name"),
        )
        .outerjoin(
            vendor_row,
            and_(
                vendor_row.product_id == lines.c.product_id,
                vendor_row.partner_id == lines.c.vendor_id,
            ),
        )
        .outerjoin(Partner, Partner.id == lines.c.vendor_id)
        .order_by(lines.c.product_code, lines.c.warehouse_code, lines.c.rule_id)
    )
    if vendor_id is not None:
        query = query.where(lines.c.vendor_id == vendor_id)
    return query


def report(
    session: Session,
    warehouse_id: int | None = None,
    vendor_id: int | None = None,
    category_id: int | None = None,
    today: date | None = None,
    only_short: bool = True,
    rule_ids: Iterable[int] | None = None,
) -> list[Line]:
    """The report's lines (only those proposing something unless ``only_short`` is False),
    by product code and warehouse; filtered by warehouse, vendor and product category."""
    today = today or date.today()
    query = _query(session, warehouse_id, vendor_id, category_id, rule_ids, only_short)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # the plan's estimated cost (100,000 rules) makes PostgreSQL compile it with JIT,
        # which took longer than running it (4 of 5 s at 100,000 rules); this transaction only
        connection.exec_driver_sql("SET LOCAL jit = off")
    found = []
    # Core execution (the statement filters the company itself): the ORM's row handling
    # would cost more than the query on 100,000 rules
    for row in connection.execute(query).all():
        (
            rule_id,
            product_id,
            warehouse_id,
            minimum,
            maximum,
            multiple,
            rule_lead_days,
            line_vendor_id,
            product_code,
            product_name,
            warehouse_code,
            on_hand,
            reserved,
            on_order,
            requested,
            projected,
            vendor_min_qty,
            vendor_lead_days,
            vendor_name,
        ) = row
        if rule_lead_days is not None:
            lead_days, lead_from = rule_lead_days, "rule"
        else:
            lead_days, lead_from = vendor_lead_days or 0, "vendor"
        if projected < minimum:
            proposed = propose(maximum, projected, vendor_min_qty, multiple)
            needed_by = today + timedelta(days=lead_days)
        else:
            proposed, needed_by = ZERO, None
        found.append(
            Line(
                rule_id,
                product_id,
                product_code,
                product_name,
                warehouse_id,
                warehouse_code,
                line_vendor_id,
                vendor_name or "",
                on_hand,
                reserved,
                on_order,
                requested,
                projected,
                minimum,
                maximum,
                multiple,
                vendor_min_qty,
                lead_days,
                lead_from,
                proposed,
                needed_by,
            )
        )
    return found


# ---------------------------------------------------------------------- acting on lines
def replenish(
    session: Session,
    lines: list[Line],
    user: Any = None,
    trigger: str = "manual",
) -> tuple[MaterialsReplenishmentRun, Any]:
    """Hand the lines' proposals to ``materials_replenish`` (purchasing makes requisitions
    of them) with a run record; returns the run and what the hook answered. Refused
    (``ValidationError``) when no enabled add-on implements the hook or no line proposes
    anything; nothing is written then."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}")
    if not can_replenish(session):
        raise ValidationError(NO_HOOK, "rule_ids")
    short = [line for line in lines if line.short]
    if not short:
        raise ValidationError(N_("choose at least one line that proposes something"), "rule_ids")
    run = MaterialsReplenishmentRun(
        user_id=getattr(user, "id", None), trigger=trigger, lines=len(short)
    )
    session.add(run)
    session.flush()
    proposals = [line.proposal(run.id) for line in short]
    answer = _relay(session).materials_replenish(session=session, proposals=proposals, user=user)
    return run, answer


def replenish_rules(
    session: Session, rule_ids: list[int], user: Any = None, trigger: str = "manual"
) -> tuple[MaterialsReplenishmentRun, Any]:
    """The chosen rules' lines, computed again now (never the numbers a page showed), handed
    on as ``replenish`` does. A rule id that is not the company's or proposes nothing now is
    refused, naming it."""
    wanted = list(dict.fromkeys(rule_ids))
    lines = report(session, rule_ids=wanted, only_short=False)
    by_id = {line.rule_id: line for line in lines}
    errors = {}
    for rule_id in wanted:
        line = by_id.get(rule_id)
        if line is None:
            errors[str(rule_id)] = [N_("no such reorder rule")]
        elif not line.short:
            errors[str(rule_id)] = [N_("the rule proposes nothing now")]
    if errors:
        raise ValidationError({"rule_ids": errors})
    return replenish(session, [by_id[i] for i in wanted], user, trigger)


def nightly(session: Session, today: date | None = None) -> MaterialsReplenishmentRun | None:
    """The nightly run for the session's company: when its settings ask for it and an
    enabled add-on takes proposals, every line proposing something is handed on."""
    from .stock import settings_of

    if not settings_of(session).nightly_requisitions or not can_replenish(session):
        return None
    lines = report(session, today=today)
    if not lines:
        return None
    run, _answer = replenish(session, lines, None, "nightly")
    return run
