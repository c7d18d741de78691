"""Purchase orders made from approved requisitions (the button on the approved requisitions
report, ``POST /api/v1/purchasing/requisitions/order``, the nightly job and ``yaprak job
run order_requisitions``).

What is ordered: every line of an approved requisition that is not fully ordered yet
(``quantity - qty_ordered``), of the requisitions asked for (default: all approved ones).

- Vendor: the line's vendor, else the product's preferred vendor (core's product vendors:
  the lowest ``sequence``, that is the first), else nobody: the line is an *exception*, it is
  returned (and shown to the user), not ordered, and its requisition stays approved.
- Grouping: one order per vendor, warehouse and currency, and per each key of the company's
  ``PurchasingSettings.group_by`` (``needed_by``: the line's date, else its requisition's;
  ``requisition``: one order per requisition). Within an order the lines of the same
  product at the same price are merged into one order line (needed by the earliest date).
- Price: the vendor's price for the product in the requisition's currency (core's product
  vendors), else the requisition line's estimate; KDV rate: the product's.
- Trace: each order line keeps the requisition lines it was made from
  (``PurchasingOrderSource``, unique per requisition line).
- At most once: the requisition lines are read ``FOR UPDATE`` (PostgreSQL); a second run at
  the same time waits, then finds them ordered and makes nothing; the unique key on the
  source is the backstop.
- ``qty_ordered`` is written with an ``UPDATE`` statement: an ORM change of an approved
  requisition's line would void its approvals (see docs/core.md); a requisition whose lines
  are all ordered moves to ``ordered``.
- The orders are made ``draft`` or ``confirmed`` (numbered) per
  ``PurchasingSettings.order_state``; confirmed ones are e-mailed to vendors that have an
  e-mail address when a PDF renderer is given (the pages, the API and the nightly job give
  one: ``core.web.pdf.document_pdf_bytes``), else only confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as date_type
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from core.documents import USER_KEY, compute_totals, today, transition
from core.i18n import N_
from core.models import Partner, Product
from core.tenancy import company_of

from .models import (
    NO_QTY,
    PurchasingOrder,
    PurchasingOrderLine,
    PurchasingOrderSource,
    PurchasingRequisition,
    PurchasingRequisitionLine,
)
from .settings import group_keys, settings_of

NO_VENDOR = N_("no vendor: give the line a vendor or the product a vendor")


@dataclass(frozen=True)
class OrderingException:
    """A requisition line that could not be ordered, and why."""

    requisition_id: int
    requisition_number: str | None
    line_id: int
    product_id: int | None
    description: str
    quantity: Decimal
    reason: str


@dataclass
class OrderingResult:
    orders: list[PurchasingOrder] = field(default_factory=list)
    exceptions: list[OrderingException] = field(default_factory=list)
    lines_ordered: int = 0  # requisition lines ordered
    requisitions_ordered: list[int] = field(default_factory=list)  # moved to ``ordered``


@dataclass
class _Take:
    line: Any  # a row of the requisition line's columns
    requisition: PurchasingRequisition
    vendor_id: int
    price: Decimal
    quantity: Decimal
    needed_by: date_type | None


def _group_value(key: str, take: _Take) -> Any:
    if key == "needed_by":
        return take.needed_by
    if key == "requisition":
        return take.requisition.id
    raise ValidationError(N_("unknown grouping key (use needed_by or requisition)"), "group_by")


def candidates(session: Session, requisition_ids: list[int] | None = None) -> Any:
    """The query of approved requisition lines still to order (``FOR UPDATE`` of the lines)."""
    L, R = PurchasingRequisitionLine, PurchasingRequisition
    query = (
        select(L)
        .join(R, R.id == L.requisition_id)
        .where(R.state == "approved", L.quantity > L.qty_ordered)
        # never a line already traced to an order (the unique key's promise, read first)
        .where(~exists().where(PurchasingOrderSource.requisition_line_id == L.id))
        .order_by(L.requisition_id, L.sequence, L.id)
    )
    if requisition_ids is not None:
        query = query.where(R.id.in_(requisition_ids))
    return query


def check_requisitions(session: Session, requisition_ids: list[int]) -> None:
    """Requisitions named by the caller must be this company's and approved (a draft,
    submitted, rejected or cancelled one is refused, naming it)."""
    R = PurchasingRequisition
    found = dict(session.execute(select(R.id, R.state).where(R.id.in_(requisition_ids))).all())
    errors: dict[str, list[str]] = {}
    for index, rid in enumerate(requisition_ids):
        state = found.get(rid)
        if state is None:
            errors[str(index)] = [N_("unknown requisition")]
        elif state not in ("approved", "ordered"):
            errors[str(index)] = [N_("only an approved requisition can be ordered")]
    if errors:
        raise ValidationError({"requisition_ids": errors})


def order_requisitions(
    session: Session,
    user: Any = None,
    requisition_ids: list[int] | None = None,
    pdf: Callable[[PurchasingOrder], bytes] | None = None,
) -> OrderingResult:
    """Make purchase orders from approved requisitions (see the module docstring), in the
    caller's transaction; returns the orders made and the lines that could not be."""
    if requisition_ids is not None:
        check_requisitions(session, requisition_ids)
    settings = settings_of(session)
    keys = group_keys(settings)
    if user is not None:
        session.info[USER_KEY] = user.id
    L = PurchasingRequisitionLine
    company_id = company_of(session)
    # plain rows, not ORM objects (10,000 lines: a third of the time went to loading them)
    lines = session.execute(
        candidates(session, requisition_ids)
        .with_only_columns(
            L.id,
            L.requisition_id,
            L.product_id,
            L.vendor_id,
            L.description,
            L.quantity,
            L.qty_ordered,
            L.unit_price,
            L.needed_by,
        )
        .where(L.company_id == company_id)
        .with_for_update(of=L)
    ).all()
    result = OrderingResult()
    if not lines:
        return result
    requisitions = {
        r.id: r
        for r in session.scalars(
            select(PurchasingRequisition).where(
                PurchasingRequisition.id.in_({ln.requisition_id for ln in lines})
            )
        )
    }
    products = {
        p.id: p
        for p in session.scalars(
            select(Product)
            .where(Product.id.in_({ln.product_id for ln in lines if ln.product_id}))
            .options(selectinload(Product.vendors))
        )
    }
    takes: list[_Take] = []
    for line in lines:
        requisition = requisitions[line.requisition_id]
        product = products.get(line.product_id)
        vendor_id, price = _vendor_and_price(line, product, requisition.currency)
        if vendor_id is None:
            result.exceptions.append(
                OrderingException(
                    requisition.id,
                    requisition.number,
                    line.id,
                    line.product_id,
                    line.description,
                    line.quantity - line.qty_ordered,
                    NO_VENDOR,
                )
            )
            continue
        takes.append(
            _Take(
                line,
                requisition,
                vendor_id,
                price,
                line.quantity - line.qty_ordered,
                line.needed_by or requisition.needed_by,
            )
        )
    if not takes:
        return result
    vendor_ids = {t.vendor_id for t in takes}
    vendors = {p.id: p for p in session.scalars(select(Partner).where(Partner.id.in_(vendor_ids)))}
    groups: dict[tuple, list[_Take]] = defaultdict(list)
    for take in takes:
        key = (
            take.vendor_id,
            take.requisition.warehouse_id,
            take.requisition.currency,
            *(_group_value(k, take) for k in keys),
        )
        groups[key].append(take)
    buyer_id = user.id if user is not None else None
    on = today()
    sources: list[tuple[PurchasingOrderLine, _Take]] = []
    for key in sorted(groups, key=_sort_key):
        group = groups[key]
        vendor = vendors[key[0]]
        dates = [t.needed_by for t in group if t.needed_by is not None]
        numbers = sorted({t.requisition.number for t in group if t.requisition.number})
        order = PurchasingOrder(
            partner_id=vendor.id,
            warehouse_id=key[1],
            currency=key[2],
            date=on,
            expected_date=min(dates) if dates else None,
            payment_term_id=vendor.payment_term_id,
            buyer_id=buyer_id,
            origin="requisitions",
            note=", ".join(numbers)[:2000],
        )
        merged: dict[tuple, PurchasingOrderLine] = {}
        order_lines: list[PurchasingOrderLine] = []
        for take in group:
            product = products.get(take.line.product_id)
            merge_key = (take.line.product_id, take.price)
            order_line = merged.get(merge_key)
            if order_line is None:
                order_line = PurchasingOrderLine(
                    sequence=(len(order_lines) + 1) * 10,
                    product_id=take.line.product_id,
                    description=product.name if product is not None else take.line.description,
                    quantity=NO_QTY,
                    unit_price=take.price,
                    discount=Decimal("0"),
                    tax_rate=product.tax_rate if product is not None else 20,
                    needed_by=take.needed_by,
                )
                merged[merge_key] = order_line
                order_lines.append(order_line)
            order_line.quantity += take.quantity
            if take.needed_by is not None and (
                order_line.needed_by is None or take.needed_by < order_line.needed_by
            ):
                order_line.needed_by = take.needed_by
            sources.append((order_line, take))
        order.lines = order_lines
        compute_totals(order, order_lines)
        session.add(order)
        result.orders.append(order)
    session.flush()
    # the trace, by one INSERT statement; the unique key: a line another run took meanwhile
    # fails here (the row lock above makes that run wait instead)
    _insert_sources(session, company_id, [(ol.id, t.line.id, t.quantity) for ol, t in sources])
    _record_ordered(session, company_id, [take for _line, take in sources])
    result.lines_ordered = len(sources)
    result.requisitions_ordered = _close_requisitions(
        session, {t.requisition.id: t.requisition for t in takes}, user
    )
    if settings.order_state == "confirmed":
        from .orders import confirm_order

        for order in result.orders:
            vendor = vendors[order.partner_id]
            confirm_order(
                session,
                order,
                user,
                pdf=pdf,
                mail=pdf is not None and bool(vendor.email),
                system=user is None,
            )
    return result


def _sort_key(key: tuple) -> tuple:
    return tuple((v is None, str(v)) for v in key)


def _vendor_and_price(
    line: Any, product: Product | None, currency: str
) -> tuple[int | None, Decimal]:
    """The vendor to order ``line`` from and at what price (see the module docstring)."""
    offers = [o for o in (product.vendors if product is not None else []) if o.currency == currency]
    vendor_id = line.vendor_id
    if vendor_id is None:
        first = min(offers, key=lambda o: (o.sequence, o.id or 0), default=None)
        if first is None:
            any_offer = min(
                product.vendors if product is not None else [],
                key=lambda o: (o.sequence, o.id or 0),
                default=None,
            )
            vendor_id = any_offer.partner_id if any_offer is not None else None
        else:
            vendor_id = first.partner_id
    own = next((o for o in offers if o.partner_id == vendor_id), None)
    return vendor_id, (own.price if own is not None else line.unit_price)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_sources(session: Session, company_id: int, rows: list[tuple[int, int, Any]]) -> None:
    """The ``PurchasingOrderSource`` rows ``(order line, requisition line, quantity)``. On
    PostgreSQL one statement over three arrays (an executemany is a round trip per row:
    10,000 of them took 5 s), elsewhere an executemany."""
    if _postgres(session):
        from core.tenancy import company_sql

        company_sql(
            session,
            "INSERT INTO purchasing_order_source"
            " (company_id, order_line_id, requisition_line_id, quantity)"
            " SELECT :company_id, o, r, q FROM unnest("
            "CAST(:order_lines AS integer[]), CAST(:req_lines AS integer[]),"
            " CAST(:quantities AS numeric[])) AS t(o, r, q)",
            company_id,
            order_lines=[r[0] for r in rows],
            req_lines=[r[1] for r in rows],
            quantities=[r[2] for r in rows],
        )
        return
    session.execute(
        insert(PurchasingOrderSource.__table__),
        [
            {
                "company_id": company_id,
                "order_line_id": order_line_id,
                "requisition_line_id": line_id,
                "quantity": quantity,
            }
            for order_line_id, line_id, quantity in rows
        ],
    )


def _record_ordered(session: Session, company_id: int, takes: list[_Take]) -> None:
    """``qty_ordered`` of the requisition lines, by ``UPDATE`` statements (not the ORM: that
    would void the approved requisitions' approvals); loaded lines are expired. Every line
    is ordered whole (what was left of it), so its ``qty_ordered`` becomes its quantity: one
    statement (PostgreSQL: over an array), not one per line."""
    table = PurchasingRequisitionLine.__table__
    ids = sorted({t.line.id for t in takes})
    if _postgres(session):
        from core.tenancy import company_sql

        company_sql(
            session,
            "UPDATE purchasing_requisition_line SET qty_ordered = quantity"
            " WHERE company_id = :company_id AND id = ANY(CAST(:ids AS integer[]))",
            company_id,
            ids=ids,
        )
    else:
        for start in range(0, len(ids), 5000):
            session.execute(
                update(table)
                .where(table.c.id.in_(ids[start : start + 5000]), table.c.company_id == company_id)
                .values(qty_ordered=table.c.quantity)
            )
    wanted = set(ids)
    for key, loaded in list(session.identity_map.items()):
        if key[0] is PurchasingRequisitionLine and key[1][0] in wanted:
            session.expire(loaded, ["qty_ordered"])  # read again when next used


def _close_requisitions(
    session: Session, requisitions: dict[int, PurchasingRequisition], user: Any
) -> list[int]:
    """Requisitions whose every line is ordered now move to ``ordered``."""
    L = PurchasingRequisitionLine
    open_ids = set(
        session.scalars(
            select(L.requisition_id)
            .where(L.requisition_id.in_(list(requisitions)), L.quantity > L.qty_ordered)
            .distinct()
        )
    )
    done = []
    for rid, requisition in sorted(requisitions.items()):
        if rid in open_ids:
            continue
        transition(session, requisition, "order", user, system=user is None)
        done.append(rid)
    return done


def open_lines_count(session: Session) -> int:
    """How many approved requisition lines wait to be ordered."""
    L, R = PurchasingRequisitionLine, PurchasingRequisition
    return (
        session.scalar(
            select(func.count(L.id))
            .join(R, R.id == L.requisition_id)
            .where(R.state == "approved", L.quantity > L.qty_ordered)
        )
        or 0
    )
