"""Inventory counts: a draft lists what was found per product in one warehouse; posting it
(the workflow's ``post``, through ``core.documents.transition``) records each line's on-hand
quantity at that moment and makes one ``adjustment`` move per line that differs, all in the
transition's transaction: a refused move (a product gone, a warehouse archived) undoes the
whole posting. A count is posted once: its state is then ``done``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.models import Product
from core.money import round_quantity

from .models import MaterialsCount, MaterialsCountLine, MaterialsStock, MaterialsWarehouse
from .stock import Origin, move, stock_row

COUNT = "materials.count"


def _require_draft(count: MaterialsCount) -> None:
    if count.state != "draft":
        raise ValidationError(N_("only a draft count can be changed"))


def _warehouse(session: Session, warehouse_id: int) -> None:
    found = session.get(MaterialsWarehouse, warehouse_id)
    if found is None:
        raise ValidationError(N_("no such warehouse"), "warehouse_id")
    if not found.active:
        raise ValidationError(N_("the warehouse is archived"), "warehouse_id")


def _lines(session: Session, rows: list[dict[str, Any]]) -> list[MaterialsCountLine]:
    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[int] = set()
    wanted = {row["product_id"] for row in rows}
    goods = set(
        session.scalars(select(Product.id).where(Product.id.in_(wanted), Product.type == "goods"))
    )
    lines = []
    for index, row in enumerate(rows):
        product_id = row["product_id"]
        if product_id not in goods:
            errors[index] = {"product_id": [N_("not a product kept in stock")]}
        elif product_id in seen:
            errors[index] = {"product_id": [N_("the product is counted on another line")]}
        seen.add(product_id)
        lines.append(
            MaterialsCountLine(product_id=product_id, counted=round_quantity(row["counted"]))
        )
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def create_count(session: Session, data: dict[str, Any]) -> MaterialsCount:
    _warehouse(session, data["warehouse_id"])
    count = MaterialsCount(
        warehouse_id=data["warehouse_id"],
        date=data.get("date") or date.today(),
        note=data.get("note") or "",
    )
    count.lines = _lines(session, data.get("lines") or [])
    session.add(count)
    session.flush()
    return count


def update_count(session: Session, count: MaterialsCount, data: dict[str, Any]) -> MaterialsCount:
    _require_draft(count)
    if data.get("warehouse_id") is not None and data["warehouse_id"] != count.warehouse_id:
        _warehouse(session, data["warehouse_id"])
        count.warehouse_id = data["warehouse_id"]
    if data.get("date") is not None:
        count.date = data["date"]
    if "note" in data:
        count.note = data["note"] or ""
    if data.get("lines") is not None:
        count.lines = _lines(session, data["lines"])
    session.flush()
    return count


def fill(session: Session, count: MaterialsCount) -> int:
    """Add a line for every product with stock in the count's warehouse that the count
    does not list yet, counted at its on-hand quantity; returns how many were added."""
    _require_draft(count)
    listed = {line.product_id for line in count.lines}
    rows = session.execute(
        select(MaterialsStock.product_id, MaterialsStock.on_hand)
        .join(Product, Product.id == MaterialsStock.product_id)
        .where(MaterialsStock.warehouse_id == count.warehouse_id, MaterialsStock.on_hand != 0)
        .order_by(Product.code)
    ).all()
    added = 0
    for product_id, on_hand in rows:
        if product_id not in listed:
            count.lines.append(MaterialsCountLine(product_id=product_id, counted=on_hand))
            added += 1
    session.flush()
    return added


def apply_count(session: Session, count: MaterialsCount, user: Any) -> list[Any]:
    """Record the on-hand quantities and make the adjustments (``hooks.after_transition``
    calls it when the count is posted). A positive difference comes in at the product's
    current average cost, a negative one goes out at the average."""
    if not count.lines:
        raise ValidationError(N_("a count needs at least one line"), "lines")
    moves = []
    for line in count.lines:
        on_hand = stock_row(session, line.product_id, count.warehouse_id).on_hand
        line.on_hand = on_hand
        difference = line.counted - on_hand
        if difference == 0:
            continue
        moves.append(
            move(
                session,
                "adjustment",
                line.product_id,
                count.warehouse_id,
                difference,
                on=count.date,
                origin=Origin(COUNT, count.id, line.id),
                reference=count.number or "",
                user_id=user.id if user is not None else None,
            )
        )
    session.flush()
    return moves


def difference_total(count: MaterialsCount) -> Decimal:
    return sum((line.difference or Decimal(0) for line in count.lines), Decimal(0))
