"""The company's receipt and price tolerances (``PurchasingSettings``; the defaults, 0 %,
when the company never saved any). Receipts and vendor invoices read them here."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from .settings import settings_of

HUNDRED = Decimal(100)


def tolerances(session: Session) -> tuple[Decimal, Decimal]:
    """``(receipt_tolerance, price_tolerance)`` in percent (``settings.settings_of``)."""
    found = settings_of(session)
    return Decimal(found.receipt_tolerance or 0), Decimal(found.price_tolerance or 0)


def receipt_limit(quantity: Decimal, tolerance: Decimal) -> Decimal:
    """The most that may be received of an ordered ``quantity``: ``tolerance`` percent more."""
    from decimal import ROUND_DOWN

    return (quantity * (HUNDRED + tolerance) / HUNDRED).quantize(
        Decimal("0.001"), rounding=ROUND_DOWN
    )


def over_price(price: Decimal, order_price: Decimal, tolerance: Decimal) -> bool:
    """Is the invoiced ``price`` over the order's by more than ``tolerance`` percent?"""
    return (price - order_price) * HUNDRED > order_price * tolerance
