"""Vendor payments: create a draft, change it while draft, post it (allocated to the vendor
invoices named, or to the vendor's oldest open invoices by due date; what is left is an
advance to the vendor, ``amount_unallocated``), cancel it (allocations undone). The
mechanism is core's (``core.settlement``), shared with sales' customer payments: each
invoice's paid and open amounts follow from its allocations, and the invoices are locked
before their open amounts are read (two payments at once never pay one invoice twice).

Every service works in the caller's transaction and checks everything before it writes: bad
input raises ``marshmallow.ValidationError`` naming the field (allocations by their index),
a refused step ``core.documents.TransitionRefused``."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.documents import today
from core.i18n import N_
from core.models import Partner
from core.settlement import Settlement

from .models import PurchasingAllocation, PurchasingInvoice, PurchasingPayment

HEADER = ("date", "method", "reference", "note")
ALREADY = N_("the vendor payment is posted already")


def _refusal(invoice: PurchasingInvoice | None, payment: PurchasingPayment) -> str | None:
    if invoice is None or invoice.partner_id != payment.partner_id:
        return N_("unknown invoice of this vendor")
    if invoice.state == "cancelled":
        return N_("the invoice is cancelled")
    if invoice.state != "posted":
        return N_("the invoice is not posted")
    return None


#: Vendor payments set against vendor invoices (``core.settlement``).
SETTLEMENT = Settlement(
    invoice=PurchasingInvoice,
    payment=PurchasingPayment,
    allocation=PurchasingAllocation,
    refuse=_refusal,
    over_payment=N_("more than is left of the vendor payment"),
)


def vendor_of(session: Session, partner_id: Any, field: str = "partner_id") -> Partner:
    """The company's active vendor ``partner_id`` (another company's is unknown)."""
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None or not partner.is_vendor:
        raise ValidationError(N_("unknown vendor"), field)
    if not partner.active:
        raise ValidationError(N_("the vendor is archived"), field)
    return partner


def _header(payment: PurchasingPayment, data: dict[str, Any]) -> None:
    for name in HEADER:
        if name not in data:
            continue
        value = data[name]
        if name == "date" and value is None:
            value = today()
        setattr(payment, name, value.strip() if isinstance(value, str) else value)


def create_payment(session: Session, data: dict[str, Any]) -> PurchasingPayment:
    """A draft payment from loaded ``VendorPaymentSchema`` data."""
    vendor = vendor_of(session, data.get("partner_id"))
    payment = PurchasingPayment(
        partner_id=vendor.id,
        currency=vendor.currency,
        amount_total=data["amount"],
        amount_untaxed=data["amount"],
    )
    _header(payment, {"date": None, **data})
    session.add(payment)
    session.flush()
    return payment


def update_payment(
    session: Session, payment: PurchasingPayment, data: dict[str, Any]
) -> PurchasingPayment:
    """Change a draft payment (vendor, date, amount, method, reference, note)."""
    if payment.state != "draft":
        raise ValidationError(ALREADY, "state")
    if "partner_id" in data:
        vendor = vendor_of(session, data["partner_id"])
        payment.partner_id, payment.currency = vendor.id, vendor.currency
    if "amount" in data:
        payment.amount_total = payment.amount_untaxed = data["amount"]
    _header(payment, data)
    session.flush()
    return payment


def post_payment(
    session: Session,
    payment: PurchasingPayment,
    user: Any,
    allocations: list[dict[str, Any]] | None = None,
) -> PurchasingPayment:
    """Post the payment (``purchasing.accountant``; numbered) and set it against the
    vendor's posted invoices: ``allocations`` (``invoice_id``, ``amount``), or else the
    oldest due first. Never more than an invoice's open amount or than is left of the
    payment; another vendor's, a draft or a cancelled invoice is refused."""
    return SETTLEMENT.post(session, payment, user, allocations, already=ALREADY)


def cancel_payment(session: Session, payment: PurchasingPayment, user: Any) -> PurchasingPayment:
    """Cancel the payment; a posted one gives its allocations back to the invoices."""
    return SETTLEMENT.cancel(session, payment, user)


def open_invoices(session: Session, partner_id: int) -> list[PurchasingInvoice]:
    """The vendor's posted invoices with an open amount, oldest due first."""
    return SETTLEMENT.open_invoices(session, partner_id)


def allocations_of(session: Session, payment: PurchasingPayment) -> list[PurchasingAllocation]:
    """What ``payment`` paid: its allocations, in the order they were made."""
    return SETTLEMENT.allocations_of(session, payment)
