"""Vendor invoices (alış faturası) and the three-way match: order, receipts, invoice.

- ``invoice_order`` makes a draft from a confirmed order: one line per order line with
  something received and not invoiced yet (all of it, or the quantities chosen), at the
  order line's net price (``order_price`` keeps that price to match against).
- ``create_invoice`` makes a draft **without an order** (services, expenses): free lines,
  nothing to match, so it posts as soon as it is submitted.
- ``update_invoice`` changes a draft: the vendor's number, date, due date, payment term,
  note, and the lines' quantities and unit prices (the vendor's invoiced prices).
- ``submit_invoice`` (``purchasing.accountant``) checks the match, numbers it and sends it
  through core's approval engine on ``price_excess``:

  * per order line, the quantity invoiced may not exceed what was received less what is
    invoiced already (posted invoices, and others submitted and waiting for approval):
    refused under the line's quantity;
  * ``price_excess`` = the sum over lines of (invoice net unit price − order net price) ×
    quantity, for the lines whose price is over the order's by more than the company's
    ``price_tolerance`` percent. Zero: the chain is empty and the invoice is posted at
    once; more: it waits for ``purchasing.approver`` (``core.workflow.decide``: approve, or
    reject with a reason; never the one who entered it).

- ``on_posted`` runs when the invoice reaches ``posted`` (whoever approved it: the
  ``after_transition`` hook calls it): the order lines' ``qty_invoiced`` rise, the order's
  ``invoice_status`` follows (and the order is ``done`` when received and invoiced in
  full), ``amount_residual`` = the total, ``payment_state`` ``not_paid``, the due date from
  the payment term when none was typed.
- ``cancel_invoice`` cancels a draft or a rejected invoice; ``reopen_invoice`` takes a
  rejected one back to draft.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.documents import compute_totals, lock, service_transition, today
from core.i18n import N_
from core.models import Partner, PaymentTerm, Product
from core.money import round_money, round_price

from .models import (
    NO_QTY,
    ZERO,
    PurchasingInvoice,
    PurchasingInvoiceLine,
    PurchasingOrder,
)
from .receipts import refresh_order
from .tolerances import over_price, tolerances

HEADER = ("date", "vendor_number", "payment_term_id", "due_date", "note")
OVER_RECEIVED = N_("more than was received and not invoiced yet")
NOT_CONFIRMED = N_("the order is not confirmed")


def due_date(term: PaymentTerm | None, on: date) -> date:
    """When an invoice dated ``on`` falls due: the term's ``days`` later, moved to that
    month's last day when it says "end of month"; on the day itself without a term (the
    rule of sales' invoices)."""
    if term is None:
        return on
    due = on + timedelta(days=term.days)
    if term.end_of_month:
        due = due.replace(day=monthrange(due.year, due.month)[1])
    return due


def net_price(line: Any) -> Decimal:
    """A line's unit price after its discount."""
    return round_price(line.unit_price * (Decimal(100) - (line.discount or 0)) / 100)


# ----------------------------------------------------------------------------- drafts
def invoice_order(
    session: Session,
    order: PurchasingOrder,
    quantities: dict[int, Decimal] | None = None,
    on: date | None = None,
) -> PurchasingInvoice:
    """A draft vendor invoice of ``order``: what is received and not invoiced yet, at the
    order's net prices; ``quantities`` (order line id -> quantity) invoices less."""
    lock(session, order)
    if order.state not in ("confirmed", "done"):
        raise ValidationError(NOT_CONFIRMED, "order_id")
    errors: dict[str, list[str]] = {}
    known = {line.id for line in order.lines}
    for line_id in quantities or {}:
        if line_id not in known:
            errors[str(line_id)] = [N_("not a line of this order")]
    lines = []
    for line in order.lines:
        left = line.qty_to_invoice
        if quantities is None:
            wanted = left
        elif line.id in quantities:
            wanted = Decimal(quantities[line.id])
            if wanted <= 0:
                errors[str(line.id)] = [N_("must be more than zero")]
                continue
        else:
            continue
        if wanted <= 0:
            continue
        if wanted > left:
            errors[str(line.id)] = [OVER_RECEIVED]
            continue
        lines.append(
            PurchasingInvoiceLine(
                sequence=line.sequence,
                order_line_id=line.id,
                product_id=line.product_id,
                description=line.description,
                quantity=wanted,
                unit_price=line.net_unit_price,
                discount=ZERO,
                tax_rate=line.tax_rate,
                order_price=line.net_unit_price,
            )
        )
    if errors:
        raise ValidationError({"quantities": errors})
    if not lines:
        raise ValidationError(N_("nothing to invoice: receive first"), "order_id")
    invoice = PurchasingInvoice(
        order_id=order.id,
        partner_id=order.partner_id,
        currency=order.currency,
        payment_term_id=order.payment_term_id,
        date=on or today(),
        lines=lines,
    )
    compute_totals(invoice, lines)
    session.add(invoice)
    session.flush()
    return invoice


def _vendor(session: Session, partner_id: Any) -> Partner:
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None:
        raise ValidationError(N_("unknown vendor"), "partner_id")
    if not partner.active:
        raise ValidationError(N_("the vendor is archived"), "partner_id")
    return partner


def _check_term(session: Session, data: dict[str, Any]) -> None:
    term_id = data.get("payment_term_id")
    if term_id is not None and session.get(PaymentTerm, term_id) is None:
        raise ValidationError(N_("unknown payment term"), "payment_term_id")


def _apply_header(invoice: PurchasingInvoice, data: dict[str, Any]) -> None:
    for name in HEADER:
        if name not in data:
            continue
        value = data[name]
        if name == "date" and value is None:
            value = today()
        setattr(invoice, name, value.strip() if isinstance(value, str) else value)


def create_invoice(session: Session, data: dict[str, Any]) -> PurchasingInvoice:
    """A draft vendor invoice without an order (services, expenses): vendor and free lines."""
    errors: dict[str, Any] = {}
    partner = None
    try:
        partner = _vendor(session, data.get("partner_id"))
        _check_term(session, data)
    except ValidationError as exc:
        errors.update(exc.normalized_messages())
    invoice = PurchasingInvoice(currency=partner.currency if partner else "TRY")
    try:
        lines = _free_lines(session, data.get("lines") or [])
    except ValidationError as exc:
        errors.update(exc.normalized_messages())
    if errors:
        raise ValidationError(errors)
    assert partner is not None
    invoice.partner_id = partner.id
    invoice.payment_term_id = partner.payment_term_id
    _apply_header(invoice, {"date": None, **{k: v for k, v in data.items() if v is not None}})
    invoice.lines = lines
    compute_totals(invoice, lines)
    session.add(invoice)
    session.flush()
    return invoice


def _free_lines(session: Session, rows: list[dict[str, Any]]) -> list[PurchasingInvoiceLine]:
    """Lines typed by hand: a product (this company's) or a description, and a price."""
    wanted = {row["product_id"] for row in rows if row.get("product_id") is not None}
    products = (
        {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}
        if wanted
        else {}
    )
    errors: dict[int, dict[str, list[str]]] = {}
    lines = []
    for index, row in enumerate(rows):
        product = None
        if row.get("product_id") is not None:
            product = products.get(row["product_id"])
            if product is None:
                errors[index] = {"product_id": [N_("unknown product")]}
                continue
        description = (row.get("description") or "").strip() or (product.name if product else "")
        if not description:
            errors[index] = {"description": [N_("give a product or a description")]}
            continue
        price = row.get("unit_price")
        if price is None:
            price = product.cost_price if product is not None else None
        if price is None:
            errors[index] = {"unit_price": [N_("give a price for a line without a product")]}
            continue
        lines.append(
            PurchasingInvoiceLine(
                sequence=(index + 1) * 10,
                product_id=product.id if product else None,
                description=description,
                quantity=row["quantity"],
                unit_price=price,
                discount=row.get("discount") or ZERO,
                tax_rate=(
                    row["tax_rate"]
                    if row.get("tax_rate") is not None
                    else (product.tax_rate if product is not None else 20)
                ),
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def update_invoice(
    session: Session, invoice: PurchasingInvoice, data: dict[str, Any]
) -> PurchasingInvoice:
    """Change a draft. On an invoice from an order, ``lines`` rows name one of its lines
    (``id``) or an order line (``order_line_id``) and give the quantity and the vendor's
    unit price (and discount, KDV rate); lines left out are dropped. On an invoice without
    an order the lines are free."""
    if invoice.state != "draft":
        raise ValidationError(N_("only a draft invoice can be changed"), "state")
    _check_term(session, data)
    if "partner_id" in data and data["partner_id"] is not None and invoice.order_id is None:
        invoice.partner_id = _vendor(session, data["partner_id"]).id
    lines = None
    if data.get("lines") is not None:
        if invoice.order_id is None:
            lines = _free_lines(session, data["lines"])
        else:
            lines = _order_lines(invoice, data["lines"])
    _apply_header(invoice, data)
    if lines is not None:
        invoice.lines = lines
        compute_totals(invoice, lines)
    session.flush()
    return invoice


def _order_lines(
    invoice: PurchasingInvoice, rows: list[dict[str, Any]]
) -> list[PurchasingInvoiceLine]:
    order_lines = {line.id: line for line in invoice.order.lines}
    own = {line.id: line for line in invoice.lines}
    errors: dict[int, dict[str, list[str]]] = {}
    lines = []
    for index, row in enumerate(rows):
        line = own.get(row.get("id")) if row.get("id") is not None else None
        order_line_id = row.get("order_line_id") or (line.order_line_id if line else None)
        order_line = order_lines.get(order_line_id)
        if order_line is None:
            errors[index] = {"order_line_id": [N_("not a line of this order")]}
            continue
        if line is None:
            line = PurchasingInvoiceLine(
                order_line_id=order_line.id,
                product_id=order_line.product_id,
                description=order_line.description,
                order_price=order_line.net_unit_price,
                tax_rate=order_line.tax_rate,
                discount=ZERO,
            )
        line.sequence = order_line.sequence
        line.quantity = row["quantity"]
        if row.get("unit_price") is not None:
            line.unit_price = row["unit_price"]
        elif line.unit_price is None:
            line.unit_price = order_line.net_unit_price
        if row.get("discount") is not None:
            line.discount = row["discount"]
        if row.get("tax_rate") is not None:
            line.tax_rate = row["tax_rate"]
        if (row.get("description") or "").strip():
            line.description = row["description"].strip()
        lines.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    return lines


# ----------------------------------------------------------------------------- the match
def _waiting(session: Session, invoice: PurchasingInvoice) -> dict[int, Decimal]:
    """Per order line, what other invoices of the order submitted and waiting for approval
    invoice (they will count once posted: the match reserves it for them)."""
    rows = session.execute(
        select(PurchasingInvoiceLine.order_line_id, func.sum(PurchasingInvoiceLine.quantity))
        .join(PurchasingInvoice, PurchasingInvoice.id == PurchasingInvoiceLine.invoice_id)
        .where(
            PurchasingInvoice.order_id == invoice.order_id,
            PurchasingInvoice.id != invoice.id,
            PurchasingInvoice.state == "submitted",
            PurchasingInvoiceLine.order_line_id.is_not(None),
        )
        .group_by(PurchasingInvoiceLine.order_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


def match(session: Session, invoice: PurchasingInvoice) -> Decimal:
    """Check the quantities against the receipts (``ValidationError`` under each line) and
    return the price excess beyond the company's tolerance."""
    _receipt, price_tolerance = tolerances(session)
    waiting = _waiting(session, invoice) if invoice.order_id is not None else {}
    wanted: dict[int, Decimal] = {}
    for line in invoice.lines:
        if line.order_line_id is not None:
            wanted[line.order_line_id] = wanted.get(line.order_line_id, NO_QTY) + line.quantity
    errors: dict[int, dict[str, list[str]]] = {}
    excess = ZERO
    for index, line in enumerate(invoice.lines):
        if line.quantity <= 0:
            errors[index] = {"quantity": [N_("must be more than zero")]}
            continue
        order_line = line.order_line
        if order_line is None:
            continue
        left = order_line.qty_to_invoice - waiting.get(order_line.id, NO_QTY)
        if wanted[order_line.id] > left:
            errors[index] = {"quantity": [OVER_RECEIVED]}
            continue
        order_price = order_line.net_unit_price
        line.order_price = order_price
        price = net_price(line)
        if over_price(price, order_price, price_tolerance):
            excess += round_money((price - order_price) * line.quantity)
    if errors:
        raise ValidationError({"lines": errors})
    return excess


def submit_invoice(session: Session, invoice: PurchasingInvoice, user: Any) -> PurchasingInvoice:
    """Check, number and send the invoice: posted at once when its prices are within the
    tolerance, else waiting for ``purchasing.approver``."""
    order = invoice.order
    if order is not None:
        lock(session, order)  # two invoices of one order at once: the second sees the first
    lock(session, invoice)
    if invoice.state != "draft":
        raise ValidationError(N_("only a draft invoice can be posted"), "state")
    if order is not None and order.state not in ("confirmed", "done"):
        raise ValidationError(NOT_CONFIRMED, "order_id")
    errors: dict[str, list[str]] = {}
    if not invoice.vendor_number.strip():
        errors["vendor_number"] = [N_("enter the vendor's invoice number")]
    elif _duplicate(session, invoice):
        errors["vendor_number"] = [N_("this vendor's invoice is entered already")]
    if not invoice.lines:
        errors["lines"] = [N_("an invoice needs at least one line with an amount")]
    if errors:
        raise ValidationError(errors)
    invoice.price_excess = match(session, invoice)
    compute_totals(invoice, invoice.lines)
    if invoice.amount_total <= 0:
        raise ValidationError(N_("an invoice needs at least one line with an amount"), "lines")
    session.flush()
    service_transition(session, invoice, "submit", user)
    session.flush()
    return invoice


def _duplicate(session: Session, invoice: PurchasingInvoice) -> bool:
    """Another invoice of the vendor with the same number, not cancelled or rejected."""
    found = session.scalar(
        select(PurchasingInvoice.id)
        .where(
            PurchasingInvoice.partner_id == invoice.partner_id,
            PurchasingInvoice.vendor_number == invoice.vendor_number.strip(),
            PurchasingInvoice.id != invoice.id,
            PurchasingInvoice.state.in_(("submitted", "posted")),
        )
        .limit(1)
    )
    return found is not None


def on_posted(session: Session, invoice: PurchasingInvoice) -> None:
    """The invoice reached ``posted``: what it invoiced counts on the order, and it is owed
    (called from the ``after_transition`` hook, in the posting transaction)."""
    order = invoice.order
    if order is not None:
        lock(session, order)
        for line in invoice.lines:
            if line.order_line is not None:
                line.order_line.qty_invoiced += line.quantity
        refresh_order(session, order)
    if invoice.due_date is None:
        term = (
            session.get(PaymentTerm, invoice.payment_term_id)
            if invoice.payment_term_id is not None
            else None
        )
        invoice.due_date = due_date(term, invoice.date)
    invoice.amount_paid = ZERO
    invoice.amount_residual = invoice.amount_total
    invoice.payment_state = "not_paid"


def decide(
    session: Session, invoice: PurchasingInvoice, user: Any, action: str, comment: str = ""
) -> PurchasingInvoice:
    """``approve`` or ``reject`` (a reason is needed) an invoice waiting for approval
    (core's engine: the role, no self-approval, one decision per step, the audit trail)."""
    from core.workflow import decide as record

    decisions = {"approve": "approved", "reject": "rejected"}
    if action not in decisions:
        raise ValidationError(N_("choose approve or reject"), "decision")
    record(session, invoice, user, decisions[action], comment or "")
    session.flush()
    return invoice


def cancel_invoice(session: Session, invoice: PurchasingInvoice, user: Any) -> PurchasingInvoice:
    """Cancel a draft or rejected invoice (a posted one stays)."""
    if invoice.state not in ("draft", "rejected"):
        raise ValidationError(N_("only a draft or rejected invoice can be cancelled"), "state")
    service_transition(session, invoice, "cancel", user)
    return invoice


def reopen_invoice(session: Session, invoice: PurchasingInvoice, user: Any) -> PurchasingInvoice:
    """A rejected invoice back to draft, to correct and submit again."""
    if invoice.state != "rejected":
        raise ValidationError(N_("only a rejected invoice can go back to draft"), "state")
    service_transition(session, invoice, "reopen", user)
    return invoice
