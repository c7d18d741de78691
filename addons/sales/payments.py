"""Received payments: create, post (allocated to the invoices named, or to the customer's
oldest open invoices; what is left is the customer's credit), cancel (allocations undone),
and the customer's credit (payments' rests, credit notes' left-overs) used on later invoices.
Each invoice's paid and open amounts follow from its allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.documents import lock, today
from core.i18n import N_
from core.settlement import Settlement

from .lines import apply_header, partner_of, require_state
from .models import SalesAllocation, SalesInvoice, SalesPayment

HEADER = ("date", "method", "reference", "note")


def create_payment(session: Session, data: dict[str, Any]) -> SalesPayment:
    """A draft payment from loaded ``PaymentSchema`` data; ``allocations`` are kept on the
    payment until it is posted (checked again then)."""
    partner = partner_of(session, data.get("partner_id"))
    payment = SalesPayment(
        partner_id=partner.id, currency=partner.currency, amount_total=data["amount"]
    )
    payment.amount_untaxed = data["amount"]
    apply_header(payment, {"date": None, **data}, HEADER)
    session.add(payment)
    session.flush()
    return payment


def update_payment(session: Session, payment: SalesPayment, data: dict[str, Any]) -> SalesPayment:
    """Change a draft payment (customer, date, amount, method, reference, note)."""
    require_state(payment, ("draft",), N_("the payment is posted already"))
    if "partner_id" in data:
        partner = partner_of(session, data["partner_id"])
        payment.partner_id, payment.currency = partner.id, partner.currency
    if "amount" in data:
        payment.amount_total = payment.amount_untaxed = data["amount"]
    apply_header(payment, data, HEADER)
    session.flush()
    return payment


def _refusal(invoice: SalesInvoice | None, payment: SalesPayment) -> str | None:
    if invoice is None or invoice.partner_id != payment.partner_id:
        return N_("unknown invoice of this customer")
    if invoice.kind != "invoice":
        return N_("a credit note is not paid")
    if invoice.state == "cancelled":
        return N_("the invoice is cancelled")
    if invoice.state != "posted":
        return N_("the invoice is not posted")
    return None


#: Customer payments set against customer invoices (``core.settlement``).
SETTLEMENT = Settlement(
    invoice=SalesInvoice,
    payment=SalesPayment,
    allocation=SalesAllocation,
    payable=(SalesInvoice.kind == "invoice",),
    refuse=_refusal,
    over_payment=N_("more than is left of the payment"),  # sales' own words (a "tahsilat")
)
ALREADY = N_("the payment is posted already")


def post_payment(
    session: Session,
    payment: SalesPayment,
    user: Any,
    allocations: list[dict[str, Any]] | None = None,
) -> SalesPayment:
    """Post the payment and set it against invoices: ``allocations`` (invoice id and
    amount), or else the customer's open invoices, oldest due first. Never more than an
    invoice's open amount, never more than the payment; a cancelled or another customer's
    invoice is refused."""
    return SETTLEMENT.post(session, payment, user, allocations, already=ALREADY)


def allocations_of(session: Session, payment: SalesPayment) -> list[SalesAllocation]:
    """What ``payment`` paid: its allocations to invoices, in the order they were made."""
    return SETTLEMENT.allocations_of(session, payment)


def open_invoices(session: Session, partner_id: int) -> list[SalesInvoice]:
    """The customer's posted invoices with an open amount, oldest due first."""
    return SETTLEMENT.open_invoices(session, partner_id)


def cancel_payment(session: Session, payment: SalesPayment, user: Any) -> SalesPayment:
    """Cancel the payment; a posted one gives its allocations back to the invoices."""
    return SETTLEMENT.cancel(session, payment, user)


def apply_credit_note(session: Session, note: SalesInvoice) -> None:
    """A posted credit note is set against its invoice's open amount; what is more (the
    invoice was paid already) stays open on the note: the customer's credit."""
    origin = note.origin
    if origin is None:
        return
    lock(session, origin)
    amount = min(note.amount_total, origin.amount_residual)
    if amount > 0:
        session.add(
            SalesAllocation(
                invoice_id=origin.id, credit_note_id=note.id, amount=amount, date=note.date
            )
        )
        session.flush()
        recompute(session, origin)
    recompute(session, note)


def customer_credits(session: Session, partner_id: int) -> list[SalesPayment | SalesInvoice]:
    """The customer's credit, oldest first: posted payments with an unallocated rest and
    posted credit notes with something left."""
    paid = session.scalars(
        select(SalesPayment).where(
            SalesPayment.partner_id == partner_id,
            SalesPayment.state == "posted",
            SalesPayment.amount_unallocated > 0,
        )
    )
    notes = session.scalars(
        select(SalesInvoice).where(
            SalesInvoice.partner_id == partner_id,
            SalesInvoice.kind == "credit_note",
            SalesInvoice.state == "posted",
            SalesInvoice.amount_residual > 0,
        )
    )
    found: list[SalesPayment | SalesInvoice] = [*paid, *notes]
    return sorted(found, key=lambda c: (c.date, c.created_at, c.id))


def credit_left(source: SalesPayment | SalesInvoice) -> Decimal:
    """What is left of a payment or a credit note to set against invoices."""
    if isinstance(source, SalesPayment):
        return source.amount_unallocated
    return source.amount_residual


def use_credit(
    session: Session,
    invoice: SalesInvoice,
    credits: list[dict[str, Any]] | None = None,
) -> SalesInvoice:
    """Set the customer's credit against ``invoice``'s open amount, as Odoo's "outstanding
    credits": ``credits`` names each source (``payment_id`` or ``credit_note_id``) and the
    ``amount`` taken from it; without, the oldest credit first until the invoice is paid.
    Never more than is left of a source or open on the invoice."""
    lock(session, invoice)
    if invoice.kind != "invoice" or invoice.state != "posted":
        raise ValidationError(N_("the invoice is not posted"), "invoice_id")
    open_amount = invoice.amount_residual
    if open_amount <= 0:
        raise ValidationError(N_("the invoice is paid"), "invoice_id")
    plan: list[tuple[SalesPayment | SalesInvoice, Decimal]] = []
    if credits is None:
        for source in customer_credits(session, invoice.partner_id):
            if open_amount <= 0:
                break
            amount = min(open_amount, credit_left(source))
            plan.append((source, amount))
            open_amount -= amount
    else:
        errors: dict[int, dict[str, list[str]]] = {}
        for index, row in enumerate(credits):
            source, field = _credit_source(session, row)
            problem = None
            if source is None or source.partner_id != invoice.partner_id:
                problem = N_("unknown credit of this customer")
            elif source.state != "posted":
                problem = N_("not posted")
            elif row["amount"] > credit_left(source):
                problem = N_("more than is left of this credit")
            elif row["amount"] > open_amount:
                problem = N_("more than the invoice's open amount")
            if problem is not None:
                errors[index] = {field: [problem]}
                continue
            plan.append((source, row["amount"]))
            open_amount -= row["amount"]
        if errors:
            raise ValidationError({"credits": errors})
    if not plan:
        raise ValidationError(N_("the customer has no credit left"), "credits")
    for source, amount in plan:
        lock(session, source)
        is_payment = isinstance(source, SalesPayment)
        session.add(
            SalesAllocation(
                invoice_id=invoice.id,
                payment_id=source.id if is_payment else None,
                credit_note_id=None if is_payment else source.id,
                amount=amount,
                date=today(),
            )
        )
        if is_payment:
            source.amount_unallocated -= amount
    session.flush()
    recompute(session, invoice)
    for source, _amount in plan:
        if isinstance(source, SalesInvoice):
            recompute(session, source)
    session.flush()
    return invoice


def _credit_source(
    session: Session, row: dict[str, Any]
) -> tuple[SalesPayment | SalesInvoice | None, str]:
    if row.get("payment_id") is not None:
        return session.get(SalesPayment, row["payment_id"]), "payment_id"
    if row.get("credit_note_id") is None:
        return None, "credit_note_id"
    note = session.get(SalesInvoice, row["credit_note_id"])
    return (note if note is not None and note.kind == "credit_note" else None), "credit_note_id"


def recompute(session: Session, invoice: SalesInvoice) -> None:
    """Paid and open amounts and the payment state of an invoice (for a credit note: how
    much of it is used, and what is left as credit)."""
    column = (
        SalesAllocation.invoice_id if invoice.kind == "invoice" else SalesAllocation.credit_note_id
    )
    SETTLEMENT.recompute(session, invoice, column)
