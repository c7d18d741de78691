"""Warehouses and their locations: create, change, archive; one warehouse is the default
(where sales reserves and issues goods when nothing else says where)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.i18n import N_

from .models import MaterialsLocation, MaterialsMove, MaterialsStock, MaterialsWarehouse

HEADER = ("code", "name", "address", "is_default", "active")


def _code_taken(session: Session, code: str, warehouse_id: int | None) -> bool:
    query = select(MaterialsWarehouse.id).where(MaterialsWarehouse.code == code)
    if warehouse_id is not None:
        query = query.where(MaterialsWarehouse.id != warehouse_id)
    return session.scalars(query).first() is not None


def _has_stock(session: Session, warehouse_id: int) -> bool:
    query = select(func.count()).where(
        MaterialsStock.warehouse_id == warehouse_id, MaterialsStock.on_hand != 0
    )
    return bool(session.scalar(query))


def _apply(session: Session, warehouse: MaterialsWarehouse, data: dict[str, Any]) -> None:
    if "code" in data and _code_taken(session, data["code"], warehouse.id):
        raise ValidationError(N_("another warehouse has this code"), "code")
    for name in HEADER:
        if name in data:
            setattr(warehouse, name, data[name])
    if not warehouse.active:
        if warehouse.is_default:
            raise ValidationError(N_("the default warehouse cannot be archived"), "active")
        if warehouse.id is not None and _has_stock(session, warehouse.id):
            raise ValidationError(
                N_("the warehouse still holds stock: move it out first"), "active"
            )
    if data.get("locations") is not None:
        _locations(session, warehouse, data["locations"])


def _locations(session: Session, warehouse: MaterialsWarehouse, rows: list[dict]) -> None:
    """Replace the locations by ``rows`` (a row with the ``id`` of an existing location
    changes it; a location left out is archived when moves name it, else deleted)."""
    own = {loc.id: loc for loc in warehouse.locations}
    seen: dict[str, int] = {}
    errors: dict[int, dict[str, list[str]]] = {}
    kept: list[MaterialsLocation] = []
    for index, row in enumerate(rows):
        code = row["code"]
        if code in seen:
            errors[index] = {"code": [N_("two locations with one code")]}
            continue
        seen[code] = index
        location = own.pop(row.get("id"), None) if row.get("id") is not None else None
        if location is None:
            location = MaterialsLocation(company_id=warehouse.company_id)
        location.code = code
        location.name = row.get("name") or ""
        location.active = row.get("active", True)
        kept.append(location)
    if errors:
        raise ValidationError({"locations": errors})
    for location in own.values():  # left out: archived if used, else removed
        used = session.scalar(select(func.count()).where(MaterialsMove.location_id == location.id))
        if used:
            location.active = False
            kept.append(location)
    warehouse.locations = kept


def _one_default(session: Session, warehouse: MaterialsWarehouse) -> None:
    if warehouse.is_default:
        session.execute(
            update(MaterialsWarehouse)
            .where(MaterialsWarehouse.id != warehouse.id, MaterialsWarehouse.is_default)
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )


def create_warehouse(session: Session, data: dict[str, Any]) -> MaterialsWarehouse:
    from core.tenancy import company_of

    warehouse = MaterialsWarehouse(company_id=company_of(session), address="", active=True)
    first = session.scalars(select(MaterialsWarehouse.id).limit(1)).first() is None
    _apply(session, warehouse, data)
    if first:  # the company's first warehouse is its default
        warehouse.is_default, warehouse.active = True, True
    session.add(warehouse)
    session.flush()
    _one_default(session, warehouse)
    return warehouse


def update_warehouse(
    session: Session, warehouse: MaterialsWarehouse, data: dict[str, Any]
) -> MaterialsWarehouse:
    was_default = warehouse.is_default
    _apply(session, warehouse, data)
    if was_default and not warehouse.is_default:
        raise ValidationError(N_("make another warehouse the default instead"), "is_default")
    session.flush()
    _one_default(session, warehouse)
    return warehouse


def choices(session: Any) -> list[tuple[int, str]]:
    """Active warehouses for a select, ``CODE name``, the default one first."""
    rows = session.execute(
        select(MaterialsWarehouse.id, MaterialsWarehouse.code, MaterialsWarehouse.name)
        .where(MaterialsWarehouse.active.is_(True))
        .order_by(MaterialsWarehouse.is_default.desc(), MaterialsWarehouse.code)
    )
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]
