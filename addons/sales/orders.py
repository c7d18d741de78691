"""Sales orders: create (directly or from a quote), change while draft, confirm (numbered;
a delivery is prepared for the goods), cancel while nothing was delivered or invoiced, and
the delivery and invoice status kept from the lines' quantities."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.documents import lock
from core.i18n import N_

from .lines import apply_header, check_links, new_header, partner_of, replace_lines, require_state
from .models import NO_QTY, SalesDelivery, SalesDeliveryLine, SalesOrder, SalesOrderLine
from .workflows import service_transition

HEADER = (
    "date",
    "salesperson_id",
    "payment_term_id",
    "note",
    "client_reference",
    "commitment_date",
    "shipping_address",
)


def default_shipping_address(partner: Any) -> str:
    """The partner's default shipping address, else its default billing address."""
    addresses = sorted(
        partner.addresses, key=lambda a: (a.kind != "shipping", not a.is_default, a.id or 0)
    )
    if not addresses:
        return ""
    a = addresses[0]
    return "\n".join(
        part
        for part in (a.street, " ".join(p for p in (a.postal_code, a.district) if p), a.city)
        if part
    )


def create_order(session: Session, data: dict[str, Any]) -> SalesOrder:
    """A draft order from loaded ``OrderSchema`` data."""
    partner = partner_of(session, data.get("partner_id"))
    check_links(session, data)
    order = SalesOrder(
        partner=partner,  # held by the order: its deliveries and invoices need no lookup
        currency=partner.currency,
        payment_term_id=partner.payment_term_id,
    )
    apply_header(order, new_header(data), HEADER)
    if not order.shipping_address:  # none typed: the customer's
        order.shipping_address = default_shipping_address(partner)
    replace_lines(session, order, "lines", SalesOrderLine, data.get("lines") or [])
    session.add(order)
    session.flush()
    return order


def update_order(session: Session, order: SalesOrder, data: dict[str, Any]) -> SalesOrder:
    """Change a draft order (a confirmed one is changed by cancelling it first)."""
    require_state(order, ("draft",), N_("only a draft order can be changed"))
    if "partner_id" in data:
        order.partner_id = partner_of(session, data["partner_id"]).id
    check_links(session, data)
    apply_header(order, data, HEADER)
    if "lines" in data:
        replace_lines(session, order, "lines", SalesOrderLine, data["lines"])
    session.flush()
    return order


def confirm_order(session: Session, order: SalesOrder, user: Any) -> SalesDelivery | None:
    """Confirm the order (it gets its number) and prepare a delivery of its goods; returns
    that draft delivery (None when the order has only services). Confirming twice is
    refused by the workflow: there is never a second order or delivery."""
    lock(session, order)
    if not order.lines:
        raise ValidationError(N_("an order needs at least one line"), "lines")
    service_transition(session, order, "confirm", user)
    update_status(order)
    return prepare_delivery(session, order)


def prepare_delivery(session: Session, order: SalesOrder) -> SalesDelivery | None:
    """A draft delivery of everything still to deliver (None if nothing is)."""
    due = [line for line in order.lines if line.qty_to_deliver > 0]
    if not due:
        return None
    delivery = SalesDelivery(
        order_id=order.id,
        partner_id=order.partner_id,
        currency=order.currency,
        date=order.commitment_date or order.date,
        shipping_address=order.shipping_address,
    )
    delivery.lines = [
        SalesDeliveryLine(
            order_line_id=line.id,
            product_id=line.product_id,
            description=line.description,
            quantity=line.qty_to_deliver,
        )
        for line in due
    ]
    session.add(delivery)
    session.flush()
    return delivery


def cancellable(order: SalesOrder) -> bool:
    """Nothing of the order was delivered or invoiced (what ``cancel_order`` asks)."""
    return not any(line.qty_delivered > 0 or line.qty_invoiced > 0 for line in order.lines)


def cancel_order(session: Session, order: SalesOrder, user: Any) -> SalesOrder:
    """Cancel an order of which nothing was delivered or invoiced; its draft deliveries are
    cancelled with it."""
    from sqlalchemy import select

    lock(session, order)
    if not cancellable(order):
        raise ValidationError(
            N_("part of the order was delivered or invoiced: it cannot be cancelled"), "state"
        )
    service_transition(session, order, "cancel", user)
    drafts = session.scalars(
        select(SalesDelivery).where(
            SalesDelivery.order_id == order.id, SalesDelivery.state == "draft"
        )
    )
    for delivery in drafts:
        service_transition(session, delivery, "cancel", user, system=user is None)
    return order


def reopen_order(session: Session, order: SalesOrder, user: Any) -> SalesOrder:
    """A cancelled order back to draft (its cancelled deliveries stay as they are; confirming
    it again prepares a new one)."""
    service_transition(session, order, "reopen", user)
    update_status(order)
    return order


def update_status(order: SalesOrder) -> None:
    """``delivery_status``: nothing | partial | full (no goods: full); ``invoice_status``:
    nothing | to_invoice (something delivered and not invoiced) | partial | invoiced."""
    goods = [line for line in order.lines if not line.is_service]
    delivered = [line.qty_delivered for line in goods]
    if not goods or all(line.qty_delivered >= line.quantity for line in goods):
        order.delivery_status = "full"
    elif any(q > NO_QTY for q in delivered):
        order.delivery_status = "partial"
    else:
        order.delivery_status = "nothing"
    if all(line.qty_invoiced >= line.quantity for line in order.lines):
        order.invoice_status = "invoiced"
    elif any(line.qty_to_invoice > 0 for line in order.lines) and order.state == "confirmed":
        order.invoice_status = "to_invoice"
    elif any(line.qty_invoiced > 0 for line in order.lines):
        order.invoice_status = "partial"
    else:
        order.invoice_status = "nothing"
