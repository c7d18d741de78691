"""Customer invoices and credit notes: from an order's delivered (or, for services, ordered)
quantities or by hand, changed while draft, posted (numbered, due date from the payment
term, each line's cost frozen, immutable afterwards), cancelled while draft. A credit note
reverses part or all of a posted invoice: revenue and cost together, and what it is worth
is set against the invoice's open amount (the rest is the customer's credit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.documents import compute_totals, lock, today
from core.i18n import N_
from core.models import PaymentTerm, Product
from core.money import round_money
from core.tenancy import company_of

from .lines import (
    apply_header,
    check_links,
    due_date,
    new_header,
    partner_of,
    replace_lines,
    require_state,
)
from .models import NO_QTY, ZERO, SalesInvoice, SalesInvoiceLine, SalesOrder
from .orders import update_status
from .workflows import service_transition

HEADER = ("date", "salesperson_id", "payment_term_id", "note", "due_date")
COPIED = ("product_id", "description", "unit_price", "discount", "tax_rate")


def create_invoice(session: Session, data: dict[str, Any]) -> SalesInvoice:
    """A draft invoice typed by hand (not from an order)."""
    partner = partner_of(session, data.get("partner_id"))
    check_links(session, data)
    invoice = SalesInvoice(
        kind="invoice",
        partner_id=partner.id,
        currency=partner.currency,
        payment_term_id=partner.payment_term_id,
    )
    apply_header(invoice, new_header(data), HEADER)
    replace_lines(session, invoice, "lines", SalesInvoiceLine, data.get("lines") or [])
    session.add(invoice)
    session.flush()
    return invoice


def update_invoice(session: Session, invoice: SalesInvoice, data: dict[str, Any]) -> SalesInvoice:
    """Change a draft invoice typed by hand; invoices from orders change only their header
    (their lines follow the order: make a new one instead)."""
    require_state(invoice, ("draft",), N_("a posted invoice cannot be changed"))
    if "partner_id" in data and invoice.order_id is None:
        invoice.partner_id = partner_of(session, data["partner_id"]).id
    check_links(session, data)
    apply_header(invoice, data, HEADER)
    if "lines" in data:
        if invoice.order_id is not None or invoice.kind == "credit_note":
            raise ValidationError(
                N_("the lines of an invoice made from an order follow the order"), "lines"
            )
        replace_lines(session, invoice, "lines", SalesInvoiceLine, data["lines"])
    session.flush()
    return invoice


def invoice_order(
    session: Session,
    order: SalesOrder,
    quantities: dict[int, Decimal] | None = None,
    on: date | None = None,
) -> SalesInvoice:
    """A draft invoice of what the order has to invoice: delivered and not invoiced (for
    services: ordered and not invoiced), dated ``on`` (default today). ``quantities`` (order
    line id -> quantity) invoices less; never more than is left to invoice."""
    lock(session, order)
    if order.state != "confirmed":
        raise ValidationError(N_("the order is not confirmed"), "order_id")
    invoice = SalesInvoice(
        kind="invoice",
        order_id=order.id,
        partner_id=order.partner_id,
        currency=order.currency,
        salesperson_id=order.salesperson_id,
        payment_term_id=order.payment_term_id,
        note=f"{order.number} / {order.client_reference}" if order.client_reference else "",
        date=on or today(),
    )
    picked = _pick(
        [(line, line.qty_to_invoice) for line in order.lines],
        quantities,
        N_("more than is left to invoice of the order line"),
    )
    lines = [
        SalesInvoiceLine(
            sequence=line.sequence,
            order_line_id=line.id,
            quantity=wanted,
            **{name: getattr(line, name) for name in COPIED},
        )
        for line, wanted in picked
    ]
    if not lines:
        raise ValidationError(N_("nothing to invoice: deliver first"), "order_id")
    invoice.lines = lines
    compute_totals(invoice, lines)
    session.add(invoice)
    session.flush()
    return invoice


def credit_note(
    session: Session,
    invoice: SalesInvoice,
    quantities: dict[int, Decimal] | None = None,
    on: date | None = None,
) -> SalesInvoice:
    """A draft credit note dated ``on`` (default today) reversing ``quantities`` (invoice
    line id -> quantity) of a posted invoice, all of it by default, at the invoice's prices
    and frozen costs."""
    if invoice.kind != "invoice" or invoice.state != "posted":
        raise ValidationError(N_("only a posted invoice can be credited"), "origin_id")
    note = SalesInvoice(
        kind="credit_note",
        origin_id=invoice.id,
        order_id=invoice.order_id,
        partner_id=invoice.partner_id,
        currency=invoice.currency,
        salesperson_id=invoice.salesperson_id,
        date=on or today(),
    )
    picked = _pick(
        creditable(session, invoice),
        quantities,
        N_("more than was invoiced and not credited yet"),
    )
    lines = [
        SalesInvoiceLine(
            sequence=line.sequence,
            order_line_id=line.order_line_id,
            origin_line_id=line.id,
            quantity=wanted,
            cost_unit=line.cost_unit,
            cost_basis=line.cost_basis,
            **{name: getattr(line, name) for name in COPIED},
        )
        for line, wanted in picked
    ]
    if not lines:
        raise ValidationError(N_("everything was credited already"), "origin_id")
    note.lines = lines
    compute_totals(note, lines)
    session.add(note)
    session.flush()
    return note


def creditable(session: Session, invoice: SalesInvoice) -> list[tuple[SalesInvoiceLine, Decimal]]:
    """Each line of ``invoice`` with the quantity not yet on a credit note (cancelled notes
    do not count): what ``credit_note`` may still reverse."""
    credited = _credited(session, invoice)
    return [(line, line.quantity - credited.get(line.id, NO_QTY)) for line in invoice.lines]


def _pick(
    candidates: list[tuple[Any, Decimal]], quantities: dict[int, Decimal] | None, too_much: str
) -> list[tuple[Any, Decimal]]:
    """(line, quantity) to take from each (line, quantity left): all that is left, or the
    ``quantities`` asked per line id, never more than is left (named per line id)."""
    picked = []
    errors: dict[str, list[str]] = {}
    known = {line.id for line, _left in candidates}
    for line_id in quantities or {}:
        if line_id not in known:
            errors[str(line_id)] = [N_("not a line of this document")]
    for line, left in candidates:
        wanted = left if quantities is None else quantities.get(line.id, NO_QTY)
        if wanted <= 0:
            continue
        if wanted > left:
            errors[str(line.id)] = [too_much]
            continue
        picked.append((line, wanted))
    if errors:
        raise ValidationError({"quantities": errors})
    return picked


def _credited(session: Session, invoice: SalesInvoice) -> dict[int, Decimal]:
    """Quantities of each line of ``invoice`` on credit notes that are not cancelled."""
    from sqlalchemy import func, select

    rows = session.execute(
        select(SalesInvoiceLine.origin_line_id, func.sum(SalesInvoiceLine.quantity))
        .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.invoice_id)
        .where(
            SalesInvoice.origin_id == invoice.id,
            SalesInvoice.state != "cancelled",
            SalesInvoiceLine.origin_line_id.is_not(None),
        )
        .group_by(SalesInvoiceLine.origin_line_id)
    )
    return {line_id: Decimal(total).quantize(Decimal("0.001")) for line_id, total in rows}


def post_invoice(session: Session, invoice: SalesInvoice, user: Any) -> SalesInvoice:
    """Post: numbered, due date set, costs frozen, order quantities and open amounts
    updated. An empty invoice, or one invoicing more than the order has left, is refused."""
    from .payments import apply_credit_note

    order = invoice.order
    if order is not None:
        lock(session, order)
    lock(session, invoice)
    require_state(invoice, ("draft",), N_("the invoice is posted already"))
    if not invoice.lines or invoice.amount_total <= 0:
        raise ValidationError(N_("an invoice needs at least one line with an amount"), "lines")
    errors: dict[int, dict[str, list[str]]] = {}
    for index, line in enumerate(invoice.lines):
        order_line = line.order_line
        if order_line is None or invoice.kind == "credit_note":
            continue
        if line.quantity > order_line.qty_to_invoice:
            errors[index] = {"quantity": [N_("more than is left to invoice of the order line")]}
    if errors:
        raise ValidationError({"lines": errors})
    compute_totals(invoice, invoice.lines)
    if invoice.kind == "invoice":
        _freeze_costs(session, invoice)
    else:
        for line in invoice.lines:  # the credited line's frozen cost, reversed as it was
            line.cost_amount = round_money(line.cost_unit * line.quantity)
    invoice.amount_cost = sum((line.cost_amount for line in invoice.lines), ZERO)
    if invoice.due_date is None:
        term_id = invoice.payment_term_id
        with session.no_autoflush:  # one flush for the whole step, not one per read
            term = session.get(PaymentTerm, term_id) if term_id is not None else None
        invoice.due_date = due_date(term, invoice.date)
    # the order's quantities and the open amount before the step, so that add-ons acting on
    # it (after_transition) see the invoice and its order as they will stay; nothing is
    # allocated to a draft (payments and credit notes take posted invoices only)
    if order is not None:
        for line in invoice.lines:
            if line.order_line is not None:
                line.order_line.qty_invoiced += line.quantity * invoice.sign
        update_status(order)
    invoice.amount_paid = ZERO
    invoice.amount_residual = invoice.amount_total
    invoice.payment_state = "not_paid"
    service_transition(session, invoice, "post", user)
    if invoice.kind == "credit_note":
        apply_credit_note(session, invoice)
    session.flush()
    return invoice


def _freeze_costs(session: Session, invoice: SalesInvoice) -> None:
    """Each line's unit cost from the first add-on that answers ``sales_line_cost`` (the
    moving average of materials), else the product's cost price (``standard``)."""
    from core import hooks_for
    from core.companies import cached_company

    relay = hooks_for(cached_company(session, company_of(session)))
    for line in invoice.lines:
        if line.product_id is None:
            line.cost_unit, line.cost_basis = Decimal("0.0000"), "none"
        else:
            answer = None
            hook = getattr(relay, "sales_line_cost", None)
            if hook is not None:
                answer = hook(
                    session=session,
                    product_id=line.product_id,
                    quantity=line.quantity,
                    on=invoice.date,
                )
            if answer is not None:
                line.cost_unit, line.cost_basis = Decimal(answer[0]), str(answer[1])[:40]
            else:
                product = line.product or session.get(Product, line.product_id)
                line.cost_unit, line.cost_basis = product.cost_price, "standard"
        line.cost_amount = round_money(line.cost_unit * line.quantity)


def cancel_invoice(session: Session, invoice: SalesInvoice, user: Any) -> SalesInvoice:
    """Cancel a draft (a posted invoice is reversed with a credit note instead)."""
    require_state(
        invoice, ("draft",), N_("a posted invoice cannot be cancelled: make a credit note")
    )
    service_transition(session, invoice, "cancel", user)
    return invoice
