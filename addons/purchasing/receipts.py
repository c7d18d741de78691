"""Receipts: goods received from a vendor against a confirmed purchase order.

- ``receive_order`` makes a draft receipt of what is left to receive (all of it, or the
  quantities chosen per order line); several receipts per order, the backorder is simply
  what the order still has to receive.
- ``update_receipt`` changes a draft (reference, date, note, lines and quantities).
- ``post_receipt`` (``purchasing.receiver``) numbers it, makes one materials receipt move
  per line of goods at the order line's net price (on-hand and moving average in the same
  transaction), raises the order lines' ``qty_received`` and the order's
  ``receipt_status``. The order is locked first: two people receiving it at once wait for
  each other and the second sees what the first received.
- ``cancel_receipt`` cancels a draft (a posted receipt stays: it happened).

Never more than ordered, unless within the company's ``receipt_tolerance`` percent
(``tolerances.py``); quantities must be more than zero. Lines of services (or without a
product) are received too (that is what lets them be invoiced) but move no stock.

The order's statuses: ``receipt_status`` is ``nothing``, ``partial`` or ``full`` (every
line received at least as ordered); ``invoice_status`` the same for what is invoiced
(``full``: every line invoiced as much as it was ordered and received). An order whose
receipts and invoices are both ``full`` is marked ``done`` (``refresh_order``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.documents import lock, service_transition, today
from core.i18n import N_
from core.models import Product

from .models import NO_QTY, PurchasingOrder, PurchasingReceipt, PurchasingReceiptLine
from .tolerances import receipt_limit, tolerances

HEADER = ("date", "vendor_reference", "note")
TOO_MUCH = N_("more than ordered, beyond the receipt tolerance")
POSITIVE = N_("must be more than zero")
NOT_CONFIRMED = N_("the order is not confirmed")


# ----------------------------------------------------------------------------- the order
def refresh_order(session: Session, order: PurchasingOrder, user: Any = None) -> None:
    """The order's ``receipt_status`` and ``invoice_status`` from its lines; a confirmed
    order received and invoiced in full becomes ``done`` (a system step: the receiver or
    accountant who finished it need not be a buyer)."""
    lines = order.lines
    order.receipt_status = _status(
        [line.qty_received for line in lines], [line.quantity for line in lines]
    )
    order.invoice_status = _status(
        [line.qty_invoiced for line in lines],
        [max(line.quantity, line.qty_received) for line in lines],
    )
    if (
        order.state == "confirmed"
        and lines
        and order.receipt_status == "full"
        and order.invoice_status == "full"
    ):
        service_transition(session, order, "done", None, system=True)


def _status(done: list[Decimal], wanted: list[Decimal]) -> str:
    if not done or all(d <= 0 for d in done):
        return "nothing"
    if all(d >= w for d, w in zip(done, wanted, strict=True)):
        return "full"
    return "partial"


def _left(order_line: Any, tolerance: Decimal) -> Decimal:
    """What may still be received of ``order_line``: up to the tolerance over its quantity."""
    return max(receipt_limit(order_line.quantity, tolerance) - order_line.qty_received, NO_QTY)


def _require_confirmed(order: PurchasingOrder) -> None:
    if order.state != "confirmed":
        raise ValidationError(NOT_CONFIRMED, "order_id")


# ----------------------------------------------------------------------------- services
def receive_order(
    session: Session,
    order: PurchasingOrder,
    quantities: dict[int, Decimal] | None = None,
    on: date | None = None,
) -> PurchasingReceipt:
    """A draft receipt of ``order``: everything left to receive, or ``quantities`` (order
    line id -> quantity; more than ordered only within the receipt tolerance)."""
    lock(session, order)
    _require_confirmed(order)
    receipt_tolerance, _price = tolerances(session)
    errors: dict[str, list[str]] = {}
    known = {line.id: line for line in order.lines}
    for line_id in quantities or {}:
        if line_id not in known:
            errors[str(line_id)] = [N_("not a line of this order")]
    lines = []
    for line in order.lines:
        if quantities is None:
            wanted = line.qty_to_receive
            if wanted <= 0:
                continue
        else:
            if line.id not in quantities:
                continue
            wanted = Decimal(quantities[line.id])
            if wanted <= 0:
                errors[str(line.id)] = [POSITIVE]
                continue
            if wanted > _left(line, receipt_tolerance):
                errors[str(line.id)] = [TOO_MUCH]
                continue
        lines.append(_line(line, wanted))
    if errors:
        raise ValidationError({"quantities": errors})
    if not lines:
        raise ValidationError(N_("nothing left to receive on this order"), "order_id")
    receipt = PurchasingReceipt(
        order_id=order.id,
        partner_id=order.partner_id,
        currency=order.currency,
        warehouse_id=order.warehouse_id,
        date=on or today(),
        lines=lines,
    )
    session.add(receipt)
    session.flush()
    return receipt


def _line(order_line: Any, quantity: Decimal) -> PurchasingReceiptLine:
    return PurchasingReceiptLine(
        order_line_id=order_line.id,
        product_id=order_line.product_id,
        quantity=quantity,
        unit_cost=order_line.net_unit_price,
    )


def update_receipt(
    session: Session, receipt: PurchasingReceipt, data: dict[str, Any]
) -> PurchasingReceipt:
    """Change a draft receipt: its header, and with ``lines`` (rows of ``order_line_id`` or
    the ``id`` of one of its lines, and ``quantity``) its lines; checked as posting checks."""
    _require_draft(receipt, N_("only a draft receipt can be changed"))
    for name in HEADER:
        if name in data:
            value = data[name]
            if name == "date" and value is None:
                value = today()
            setattr(receipt, name, value.strip() if isinstance(value, str) else value)
    if data.get("lines") is not None:
        order = receipt.order
        by_id = {line.id: line for line in order.lines}
        own = {line.id: line.order_line_id for line in receipt.lines}
        errors: dict[int, dict[str, list[str]]] = {}
        new_lines = []
        for index, row in enumerate(data["lines"]):
            order_line_id = row.get("order_line_id") or own.get(row.get("id"))
            order_line = by_id.get(order_line_id)
            if order_line is None:
                errors[index] = {"order_line_id": [N_("not a line of this order")]}
                continue
            quantity = Decimal(row["quantity"])
            if quantity <= 0:
                errors[index] = {"quantity": [POSITIVE]}
                continue
            new_lines.append(_line(order_line, quantity))
        if errors:
            raise ValidationError({"lines": errors})
        _check(session, new_lines, by_id)
        receipt.lines = new_lines
    session.flush()
    return receipt


def _check(session: Session, lines: list[PurchasingReceiptLine], by_id: dict[int, Any]) -> None:
    """Refuse, under each line, what would take an order line beyond its tolerance."""
    receipt_tolerance, _price = tolerances(session)
    wanted: dict[int, Decimal] = {}
    for line in lines:
        wanted[line.order_line_id] = wanted.get(line.order_line_id, NO_QTY) + line.quantity
    errors: dict[int, dict[str, list[str]]] = {}
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            errors[index] = {"quantity": [POSITIVE]}
        elif wanted[line.order_line_id] > _left(by_id[line.order_line_id], receipt_tolerance):
            errors[index] = {"quantity": [TOO_MUCH]}
    if errors:
        raise ValidationError({"lines": errors})


def post_receipt(session: Session, receipt: PurchasingReceipt, user: Any) -> PurchasingReceipt:
    """Receive the goods (see the module's docstring); all of it or nothing."""
    from addons.materials.stock import Origin, move

    order = receipt.order
    lock(session, order)  # first: the second of two receivers waits here, then sees it all
    lock(session, receipt)
    _require_draft(receipt, N_("the receipt is posted already"))
    _require_confirmed(order)
    if not receipt.lines:
        raise ValidationError(N_("a receipt needs at least one quantity"), "lines")
    _check(session, receipt.lines, {line.id: line for line in order.lines})
    service_transition(session, receipt, "post", user)
    user_id = user.id if user is not None else None
    for line in receipt.lines:
        order_line = line.order_line
        line.unit_cost = order_line.net_unit_price
        product = session.get(Product, line.product_id) if line.product_id else None
        if product is not None and product.type == "goods":
            stock_move = move(
                session,
                "receipt",
                product.id,
                receipt.warehouse_id,
                line.quantity,
                unit_cost=line.unit_cost,
                on=receipt.date,
                origin=Origin(receipt.__document_type__, receipt.id, line.id),
                reference=receipt.number or "",
                user_id=user_id,
            )
            session.flush()
            line.move_id = stock_move.id
        order_line.qty_received += line.quantity
    refresh_order(session, order, user)
    session.flush()
    return receipt


def cancel_receipt(session: Session, receipt: PurchasingReceipt, user: Any) -> PurchasingReceipt:
    """Cancel a draft receipt."""
    _require_draft(receipt, N_("only a draft receipt can be cancelled"))
    service_transition(session, receipt, "cancel", user)
    return receipt


def _require_draft(receipt: PurchasingReceipt, message: str) -> None:
    if receipt.state != "draft":
        raise ValidationError(message, "state")
