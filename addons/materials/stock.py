"""Stock services: every move, level, average cost and reservation changes here, in the
caller's transaction.

Rules (docs/addons/materials.md says them for users):

- a move's ``quantity`` is signed: in (> 0) or out (< 0) of one warehouse; its ``value`` is
  quantity x unit cost rounded to the cent (``core.money.round_money``);
- the moving average is per product and company: a receipt (or a positive adjustment at a
  given cost) makes it (value + received value) / (quantity + received quantity); goods
  going out leave it as it is and take their value at it; the last unit out takes what value
  is left, so the stock's value is never a few cents off when its quantity is zero;
- a transfer is two moves at the average (out of one warehouse, into the other): the
  company's quantity, value and average do not change;
- goods may not go below zero in a warehouse unless the company allows negative stock;
- the stock and cost rows of a product are read with a row lock before they change, so two
  transactions moving the same product wait for each other (PostgreSQL; SQLite serialises
  writers anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.i18n import N_
from core.models import Product
from core.money import round_money, round_price, round_quantity
from core.tenancy import company_of

from .models import (
    MOVE_KINDS,
    MaterialsCost,
    MaterialsLocation,
    MaterialsMove,
    MaterialsReservation,
    MaterialsSettings,
    MaterialsStock,
    MaterialsWarehouse,
)

ZERO = Decimal("0")


@dataclass(frozen=True)
class Origin:
    """The document (and line) a move or reservation belongs to."""

    type: str = ""
    id: int | None = None
    line_id: int | None = None


def settings_of(session: Session) -> MaterialsSettings:
    """The company's settings (defaults when it never saved any)."""
    company_id = company_of(session)
    found = session.get(MaterialsSettings, company_id)
    return found if found is not None else MaterialsSettings(company_id=company_id)


def default_warehouse(session: Session) -> MaterialsWarehouse:
    """The warehouse marked default, else the first active one; a clear error without."""
    found = session.scalars(
        select(MaterialsWarehouse)
        .where(MaterialsWarehouse.active.is_(True))
        .order_by(MaterialsWarehouse.is_default.desc(), MaterialsWarehouse.id)
        .limit(1)
    ).first()
    if found is None:
        raise ValidationError(N_("the company has no warehouse: add one first"), "warehouse_id")
    return found


def _row(session: Session, model: type, zeros: tuple[str, ...], **key: Any) -> Any:
    """The row of ``model`` with ``key`` (the company's), locked; created when missing, with
    its ``zeros`` columns at zero."""
    postgres = session.get_bind().dialect.name != "sqlite"
    query = select(model).filter_by(**key)
    if postgres:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is not None:
        return found
    found = model(company_id=company_of(session), **key, **dict.fromkeys(zeros, ZERO))
    if not postgres:  # SQLite: BEGIN IMMEDIATE, nobody else writes meanwhile
        session.add(found)
        return found
    try:  # two transactions creating the same row: the second waits, then reads the first's
        with session.begin_nested():
            session.add(found)
            session.flush()
    except IntegrityError:
        found = session.scalars(query).one()
    return found


def stock_row(session: Session, product_id: int, warehouse_id: int) -> MaterialsStock:
    zeros = ("on_hand", "reserved")
    return _row(session, MaterialsStock, zeros, product_id=product_id, warehouse_id=warehouse_id)


def cost_row(session: Session, product_id: int) -> MaterialsCost:
    return _row(session, MaterialsCost, ("quantity", "value", "average"), product_id=product_id)


def average_cost(session: Session, product_id: int) -> Decimal | None:
    """The product's moving average, or None while it was never received."""
    found = session.scalars(
        select(MaterialsCost.average).where(MaterialsCost.product_id == product_id)
    ).first()
    return found


def _goods(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise ValidationError(N_("no such product"), "product_id")
    if product.type != "goods":
        raise ValidationError(N_("a service is not kept in stock"), "product_id")
    return product


def _warehouse(session: Session, warehouse_id: int) -> MaterialsWarehouse:
    warehouse = session.get(MaterialsWarehouse, warehouse_id)
    if warehouse is None:
        raise ValidationError(N_("no such warehouse"), "warehouse_id")
    if not warehouse.active:
        raise ValidationError(N_("the warehouse is archived"), "warehouse_id")
    return warehouse


def _location(session: Session, location_id: int | None, warehouse_id: int) -> int | None:
    if location_id is None:
        return None
    location = session.get(MaterialsLocation, location_id)
    if location is None or location.warehouse_id != warehouse_id:
        raise ValidationError(N_("the location is not in this warehouse"), "location_id")
    return location.id


def move(
    session: Session,
    kind: str,
    product_id: int,
    warehouse_id: int,
    quantity: Decimal,
    unit_cost: Decimal | None = None,
    on: date | None = None,
    location_id: int | None = None,
    origin: Origin = Origin(),
    reference: str = "",
    user_id: int | None = None,
) -> MaterialsMove:
    """Post one move of ``quantity`` (signed) and keep the level and average with it.

    ``unit_cost`` is the cost of goods coming in (a receipt at its order price); without it,
    and always for goods going out, the product's average is used."""
    if kind not in MOVE_KINDS:
        raise ValidationError(N_("unknown kind of move"), "kind")
    quantity = round_quantity(quantity)
    if quantity == 0:
        raise ValidationError(N_("the quantity must not be zero"), "quantity")
    if kind == "receipt" and quantity < 0:
        raise ValidationError(N_("a receipt brings goods in: the quantity must be positive"))
    if kind == "issue" and quantity > 0:
        raise ValidationError(N_("an issue takes goods out: the quantity must be negative"))
    _goods(session, product_id)
    _warehouse(session, warehouse_id)
    location = _location(session, location_id, warehouse_id)
    stock = stock_row(session, product_id, warehouse_id)
    cost = cost_row(session, product_id)
    if quantity < 0 and stock.on_hand + quantity < 0 and not settings_of(session).negative_stock:
        raise ValidationError(N_("not enough stock in the warehouse"), "quantity")
    if kind == "transfer":
        unit_cost, value = cost.average, round_money(quantity * cost.average)
    elif quantity > 0:
        unit_cost = round_price(unit_cost if unit_cost is not None else cost.average)
        if unit_cost < 0:
            raise ValidationError(N_("a cost cannot be negative"), "unit_cost")
        value = round_money(quantity * unit_cost)
        _receive_value(cost, quantity, value, unit_cost)
    else:
        unit_cost = cost.average
        last = cost.quantity + quantity == 0
        value = -cost.value if last else round_money(quantity * unit_cost)
        cost.quantity += quantity
        cost.value += value
    stock.on_hand += quantity
    record = MaterialsMove(
        date=on or date.today(),
        kind=kind,
        product_id=product_id,
        warehouse_id=warehouse_id,
        location_id=location,
        quantity=quantity,
        unit_cost=unit_cost,
        value=value,
        origin_type=origin.type,
        origin_id=origin.id,
        origin_line_id=origin.line_id,
        reference=reference[:100],
        user_id=user_id,
    )
    session.add(record)
    return record


def _receive_value(cost: MaterialsCost, quantity: Decimal, value: Decimal, unit: Decimal) -> None:
    if cost.quantity <= 0:  # nothing (or less than nothing) valued before: start again
        cost.quantity += quantity
        cost.value = round_money(cost.quantity * unit) if cost.quantity > 0 else ZERO
        cost.average = unit
        return
    cost.quantity += quantity
    cost.value += value
    cost.average = round_price(cost.value / cost.quantity)


def transfer(
    session: Session,
    product_id: int,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: Decimal,
    on: date | None = None,
    reference: str = "",
    user_id: int | None = None,
) -> tuple[MaterialsMove, MaterialsMove]:
    """Move ``quantity`` (> 0) from one warehouse to another: two moves at the average."""
    quantity = round_quantity(quantity)
    if quantity <= 0:
        raise ValidationError(N_("the quantity must be positive"), "quantity")
    if from_warehouse_id == to_warehouse_id:
        raise ValidationError(N_("choose another warehouse to move the goods to"), "to_warehouse")
    common = {"on": on, "reference": reference, "user_id": user_id}
    out = move(session, "transfer", product_id, from_warehouse_id, -quantity, **common)
    into = move(session, "transfer", product_id, to_warehouse_id, quantity, **common)
    return out, into


# ----------------------------------------------------------------------------- reservations
def reserve(
    session: Session,
    origin: Origin,
    product_id: int,
    warehouse_id: int,
    quantity: Decimal,
    needed_on: date,
) -> MaterialsReservation:
    """Promise ``quantity`` to a document line (the line's earlier promise is replaced)."""
    release(session, origin)
    stock = stock_row(session, product_id, warehouse_id)
    stock.reserved += quantity
    record = MaterialsReservation(
        product_id=product_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        needed_on=needed_on,
        origin_type=origin.type,
        origin_id=origin.id,
        origin_line_id=origin.line_id,
    )
    session.add(record)
    return record


def release(session: Session, origin: Origin, quantity: Decimal | None = None) -> Decimal:
    """Take back ``quantity`` (all without it) of a line's promise; returns what was taken
    back. With ``origin.line_id`` None, every line of the document ``origin.id``."""
    query = select(MaterialsReservation).where(MaterialsReservation.origin_type == origin.type)
    if origin.line_id is not None:
        query = query.where(MaterialsReservation.origin_line_id == origin.line_id)
    else:
        query = query.where(MaterialsReservation.origin_id == origin.id)
    released = ZERO
    for record in session.scalars(query).all():
        taken = record.quantity if quantity is None else min(record.quantity, quantity)
        stock = stock_row(session, record.product_id, record.warehouse_id)
        stock.reserved -= taken
        record.quantity -= taken
        released += taken
        if record.quantity <= 0:
            session.delete(record)
    return released
