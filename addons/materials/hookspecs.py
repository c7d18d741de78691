"""Hooks the materials add-on publishes for the add-ons that extend it (purchasing).

The Material Replenishment Report counts, besides stock on hand and reserved demand, what
other add-ons know is coming: the quantities on order and requested. Each answer is a SQL
query, not a list, so the report adds them up in the database in one statement however many
products there are (100,000 products answer in one query, not 100,000 calls).
"""

from __future__ import annotations

from typing import Any

from core import hookspec


@hookspec
def materials_incoming(session: Any) -> list[Any]:
    """Return SQLAlchemy ``Select`` statements of what is coming into stock, each with the
    columns ``product_id``, ``warehouse_id``, ``quantity`` (``Quantity`` type), ``kind``
    (``"on_order"``: ordered or approved to order; ``"requested"``: asked for, not yet
    approved) and ``due`` (the date it is expected, or NULL). Rows of the company of
    ``session`` only (write the filter yourself: these run as Core statements). The report
    sums them per product and warehouse: purchasing answers with its open purchase order
    lines (what is not received yet) and its requisition lines."""


@hookspec(firstresult=True)
def materials_replenish(session: Any, proposals: list[Any], user: Any) -> list[Any] | None:
    """Do something with the report's ``proposals`` (``addons.materials.replenishment.
    Proposal``: product, warehouse, vendor, quantity, needed-by date, the report run's id and
    why): purchasing turns them into draft requisitions, in ``session``'s transaction, and
    returns them. ``None`` when no enabled add-on does anything with proposals: then the
    report shows no button for it. First answer wins."""
