"""Deliveries (distribution): change a draft (quantities, ship date, carrier, tracking),
ship it (numbered; the order's delivered quantities rise; what is left goes on a new draft
delivery), cancel a draft. Other add-ons act on a shipped delivery through core's
``after_transition`` hook (action ``ship``, document type ``sales.delivery``): materials
takes the goods out of stock there, in the same transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.documents import lock
from core.i18n import N_

from .lines import apply_header, require_state
from .models import SalesDelivery, SalesDeliveryLine
from .orders import prepare_delivery, update_status
from .workflows import service_transition

HEADER = ("date", "shipping_address", "carrier", "tracking_reference", "note")


def update_delivery(
    session: Session, delivery: SalesDelivery, data: dict[str, Any]
) -> SalesDelivery:
    """Change a draft delivery; ``lines`` (order line and quantity; a line given by its
    ``id`` only keeps its order line) replace its lines. Never more than is left to deliver
    of an order line: refused here already, not only when shipping."""
    require_state(delivery, ("draft",), N_("only a draft delivery can be changed"))
    apply_header(delivery, data, HEADER)
    if data.get("lines") is not None:
        by_id = {line.id: line for line in delivery.order.lines}
        own = {line.id: line.order_line_id for line in delivery.lines}
        new_lines = []
        errors: dict[int, dict[str, list[str]]] = {}
        wanted: dict[int, Decimal] = {}
        rows: list[tuple[int, Any]] = []
        for index, row in enumerate(data["lines"]):
            order_line_id = row.get("order_line_id")
            if order_line_id is None:
                order_line_id = own.get(row.get("id"))
            order_line = by_id.get(order_line_id)
            if order_line is None:
                errors[index] = {"order_line_id": [N_("not a line of this order")]}
                continue
            quantity = Decimal(row["quantity"])
            wanted[order_line.id] = wanted.get(order_line.id, Decimal(0)) + quantity
            rows.append((index, order_line))
            new_lines.append(
                SalesDeliveryLine(
                    order_line_id=order_line.id,
                    product_id=order_line.product_id,
                    description=order_line.description,
                    quantity=quantity,
                )
            )
        for index, order_line in rows:
            if wanted[order_line.id] > order_line.qty_to_deliver:
                errors[index] = {"quantity": [N_("more than is left to deliver of the order")]}
        if errors:
            raise ValidationError({"lines": errors})
        delivery.lines = new_lines
    session.flush()
    return delivery


def ship_delivery(
    session: Session, delivery: SalesDelivery, user: Any, backorder: bool = True
) -> SalesDelivery | None:
    """Ship the delivery: never more than is left to deliver of each order line. The order's
    delivered quantities and status follow; with ``backorder`` what is still to deliver goes
    on a new draft delivery, which is returned."""
    order = delivery.order
    lock(session, order)
    if not delivery.lines or all(line.quantity <= 0 for line in delivery.lines):
        raise ValidationError(N_("a delivery needs at least one quantity"), "lines")
    if order.state != "confirmed":
        raise ValidationError(N_("the order is not confirmed"), "order_id")
    wanted: dict[int, Decimal] = {}
    for line in delivery.lines:
        wanted[line.order_line_id] = wanted.get(line.order_line_id, Decimal(0)) + line.quantity
    errors: dict[int, dict[str, list[str]]] = {}
    for index, line in enumerate(delivery.lines):
        left = line.order_line.qty_to_deliver
        if wanted[line.order_line_id] > left:
            errors[index] = {"quantity": [N_("more than is left to deliver of the order")]}
    if errors:
        raise ValidationError({"lines": errors})
    service_transition(session, delivery, "ship", user)
    for line in delivery.lines:
        line.order_line.qty_delivered += line.quantity
    update_status(order)
    session.flush()
    return prepare_delivery(session, order) if backorder else None


def cancel_delivery(session: Session, delivery: SalesDelivery, user: Any) -> SalesDelivery:
    """Cancel a draft delivery (a shipped one stays: it happened)."""
    require_state(delivery, ("draft",), N_("only a draft delivery can be cancelled"))
    service_transition(session, delivery, "cancel", user)
    return delivery
