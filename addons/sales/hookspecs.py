"""Hooks the sales add-on publishes for the add-ons that extend it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core import hookspec


@hookspec(firstresult=True)
def sales_line_cost(
    session: Any, product_id: int, quantity: Decimal, on: date
) -> tuple[Decimal, str] | None:
    """Return ``(unit cost, basis)`` for ``quantity`` of product ``product_id`` invoiced
    on ``on``, e.g. ``(Decimal("12.5000"), "average")`` from a stock valuation; ``None``
    to leave it to others. ``session`` is the invoice's (read your tables through it: it acts
    for the invoice's company). First answer wins; without one the product's cost price is
    used (basis ``standard``). Called when an invoice is posted: the cost is frozen on the
    line, so a later cost change never changes a past margin."""
