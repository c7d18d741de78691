"""materials: the pages. Warehouses (with their locations), stock levels, the moves ledger,
a page to post a move by hand, and inventory counts: core's ``ListView`` and ``FormView`` on
the services the API and scripts call (``warehouses``, ``stock``, ``counts``).

The Material Replenishment Report and the reorder rules have pages of their own
(``replenishment_views``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, url_for
from marshmallow import Schema, ValidationError
from sqlalchemy import select, type_coerce
from sqlalchemy.orm import joinedload

from core.documents import USER_KEY
from core.i18n import N_, _, translate_message
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Product, ProductCategory
from core.money import PRICE_PLACES, QUANTITY_PLACES
from core.types import ExactDecimal
from core.web import choices
from core.web.context import current_company, db_session, require_role
from core.web.forms import RECORDS, FormView, LinesSpec
from core.web.lists import ListView

from . import counts, warehouses
from .models import (
    MaterialsCost,
    MaterialsCount,
    MaterialsLocation,
    MaterialsMove,
    MaterialsStock,
    MaterialsWarehouse,
)
from .schemas import COUNT_STATES, KINDS, CountSchema, MoveSchema, WarehouseSchema
from .stock import move, transfer

bp = Blueprint("pages", __name__)

USER, MANAGER = "materials.user", "materials.manager"
DRAFT = _l("(draft)")
# where moves come from (the origin column and filter); other add-ons' kinds show as stored
ORIGINS = {
    "": _l("Manual"),
    "sales.delivery": _l("Delivery"),
    "materials.count": _l("Inventory count"),
    "purchasing.receipt": _l("Purchase receipt"),
}


def url(endpoint: str, **values: Any) -> str:
    return url_for(f"materials.pages.{endpoint}", **values)


def _currency(_row: Any = None) -> str:
    company = current_company()
    return company.currency if company is not None else "TRY"


# -- choices for selects and filters --------------------------------------------------------
_products = choices.goods


_warehouses = warehouses.choices


def _all_warehouses(session: Any) -> dict[str, str]:
    rows = session.execute(
        select(MaterialsWarehouse.id, MaterialsWarehouse.code, MaterialsWarehouse.name).order_by(
            MaterialsWarehouse.code
        )
    )
    return {str(r[0]): f"{r[1]} {r[2]}" for r in rows}


def _locations(session: Any) -> list[tuple[int, str]]:
    rows = session.execute(
        select(MaterialsLocation.id, MaterialsWarehouse.code, MaterialsLocation.code)
        .join(MaterialsWarehouse, MaterialsWarehouse.id == MaterialsLocation.warehouse_id)
        .where(MaterialsLocation.active.is_(True))
        .order_by(MaterialsWarehouse.code, MaterialsLocation.code)
    )
    return [(r[0], f"{r[1]} / {r[2]}") for r in rows]


def _categories(session: Any) -> dict[str, str]:
    rows = session.execute(
        select(ProductCategory.id, ProductCategory.name).order_by(ProductCategory.name)
    )
    return {str(r[0]): r[1] for r in rows}


CHOICES = {
    "product_id": _products,
    "warehouse_id": _warehouses,
    "to_warehouse_id": _warehouses,
    "location_id": _locations,
}


def _product_filter(expr: Any) -> Filter:
    return Filter(
        "product_id",
        _l("Product"),
        expr,
        choices=lambda s: {str(k): v for k, v in _products(s)},
    )


def _warehouse_filter(expr: Any) -> Filter:
    return Filter(
        "warehouse_id",
        _l("Warehouse"),
        expr,
        choices=_all_warehouses,
        watches=[MaterialsWarehouse],
    )


def _named(call: Callable[[], Any]) -> Any:
    """``call()``, its ``ValidationError`` keyed by field (the services name the field as
    ``ValidationError(message, field)``: pages and the API show it under that field)."""
    try:
        return call()
    except ValidationError as exc:
        raise ValidationError(exc.normalized_messages()) from exc


def _loader(schema: type[Schema], service: Callable[..., Any]) -> Callable[..., Any]:
    def create(session: Any, payload: dict[str, Any]) -> Any:
        return _named(lambda: service(session, schema().load(payload)))

    return create


def _updater(schema: type[Schema], service: Callable[..., Any]) -> Callable[..., Any]:
    def update(session: Any, record: Any, payload: dict[str, Any]) -> Any:
        partial = tuple(schema._declared_fields)
        return _named(lambda: service(session, record, schema().load(payload, partial=partial)))

    return update


# -- warehouses -------------------------------------------------------------------------------
warehouse_form = FormView(
    record_type="materials.warehouse",
    model=MaterialsWarehouse,
    schema=WarehouseSchema,
    title=_l("Warehouse"),
    create=_loader(WarehouseSchema, warehouses.create_warehouse),
    update=_updater(WarehouseSchema, warehouses.update_warehouse),
    fields=["code", "name", "address", "is_default", "active"],
    lines=LinesSpec(attribute="locations", fields=["code", "name", "active"]),
    list_url=lambda: url("warehouses"),
    read_role=USER,
    write_role=MANAGER,
    label=lambda w: f"{w.code} {w.name}",
)
warehouses_list = ListView(
    ListSpec(
        "materials.warehouses",
        MaterialsWarehouse,
        columns=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column("address", _l("Address"), visible=False),
            Column("is_default", _l("Default"), kind="bool"),
            Column("active", _l("Active"), kind="bool", groupable=True),
        ],
        filters=[Filter("active", _l("Active"), MaterialsWarehouse.active, kind="bool")],
        search=[MaterialsWarehouse.code, MaterialsWarehouse.name],
        default_sort="code",
    ),
    title=_l("Warehouses"),
    form=warehouse_form,
    new_url=lambda: url("warehouse_new"),
    read_role=USER,
)


# -- stock levels -----------------------------------------------------------------------------
def _levels_base(_session: Any) -> Any:
    return (
        select(MaterialsStock)
        .join(Product, Product.id == MaterialsStock.product_id)
        .join(MaterialsWarehouse, MaterialsWarehouse.id == MaterialsStock.warehouse_id)
        .outerjoin(MaterialsCost, MaterialsCost.product_id == MaterialsStock.product_id)
    )


_AVAILABLE = MaterialsStock.on_hand - MaterialsStock.reserved
# on hand x average in SQL: on SQLite both are scaled integers (3 and 4 places), so the
# product has 7 places; typed so (core.types), every row and the total come back exact
# (within SQLite's 64-bit integers: about 900 billion TL of stock value in all)
_VALUE = type_coerce(
    MaterialsStock.on_hand * MaterialsCost.average, ExactDecimal(QUANTITY_PLACES + PRICE_PLACES, 30)
)


def _level_url(level: MaterialsStock) -> str:
    return url("moves", **{"f.product_id": level.product_id, "f.warehouse_id": level.warehouse_id})


levels_list = ListView(
    ListSpec(
        "materials.levels",
        MaterialsStock,
        columns=[
            Column(
                "product",
                _l("Product"),
                expr=Product.code,
                value=lambda s: f"{s.product.code} {s.product.name}",
            ),
            Column(
                "warehouse_id",
                _l("Warehouse"),
                value=lambda s: s.warehouse.code,
                sortable=False,
                groupable=True,
            ),
            Column("on_hand", _l("On hand"), kind="number", summable=True),
            Column("reserved", _l("Reserved"), kind="number", summable=True),
            Column(
                "available",
                _l("Available"),
                expr=_AVAILABLE,
                kind="number",
                summable=True,
                sum_expr=_AVAILABLE,
                nullable=False,
            ),
            Column(
                "average_cost",
                _l("Average cost"),
                expr=MaterialsCost.average,
                kind="money",
                currency=_currency,
                nullable=True,
            ),
            Column(
                "stock_value",
                _l("Stock value"),
                expr=_VALUE,
                kind="money",
                currency=_currency,
                summable=True,
                sum_expr=_VALUE,
                nullable=True,
            ),
        ],
        filters=[
            _product_filter(MaterialsStock.product_id),
            _warehouse_filter(MaterialsStock.warehouse_id),
            Filter(
                "category",
                _l("Category"),
                Product.category_id,
                choices=_categories,
                watches=[ProductCategory],
            ),
            Filter("in_stock", _l("In stock"), MaterialsStock.on_hand != 0, kind="bool"),
        ],
        search=[Product.search_key],
        default_sort="product",
        base=_levels_base,
        load=[
            joinedload(MaterialsStock.product),
            joinedload(MaterialsStock.warehouse),
            joinedload(MaterialsStock.cost),
        ],
    ),
    title=_l("Stock levels"),
    row_url=_level_url,
    read_role=USER,
    label=lambda s: f"{s.product.code} / {s.warehouse.code}",
)


# -- moves ------------------------------------------------------------------------------------
def _user_id(session: Any) -> int | None:
    found = session.info.get(USER_KEY)
    return found if isinstance(found, int) else None


def post_move(session: Any, data: dict[str, Any]) -> MaterialsMove:
    """A move by hand (the manual move page, ``POST /api/v1/materials/moves``): a receipt
    at its unit cost, an issue, a transfer to another warehouse (two moves; the one into
    the destination is returned) or an adjustment (signed). One transaction: the caller's."""
    kind, quantity = data["kind"], data["quantity"]
    common = {
        "on": data.get("date"),
        "reference": data.get("reference") or "",
        "user_id": _user_id(session),
    }
    if kind == "transfer":
        target = data.get("to_warehouse_id")
        if target == data["warehouse_id"]:
            raise ValidationError(
                {"to_warehouse_id": [N_("choose another warehouse to move the goods to")]}
            )
        found = session.get(MaterialsWarehouse, target)
        if found is None or not found.active:
            raise ValidationError({"to_warehouse_id": [N_("no such warehouse")]})
        _out, into = transfer(
            session, data["product_id"], data["warehouse_id"], target, quantity, **common
        )
        return into
    signed = -quantity if kind == "issue" else quantity
    return move(
        session,
        kind,
        data["product_id"],
        data["warehouse_id"],
        signed,
        unit_cost=data.get("unit_cost") if signed > 0 else None,
        location_id=data.get("location_id"),
        **common,
    )


def _origin_label(m: MaterialsMove) -> str:
    return str(ORIGINS.get(m.origin_type, m.origin_type))


def origin_url(m: MaterialsMove) -> str | None:
    """The page of the document that made the move, when its kind has one here."""
    form = RECORDS.get(m.origin_type)
    if form is None or m.origin_id is None:
        return None
    try:
        return url_for(form.endpoint, record_id=m.origin_id)
    except Exception:
        return None


def _move_url(m: MaterialsMove) -> str:
    return origin_url(m) or url("move", record_id=m.id)


move_form = FormView(
    record_type="materials.move",
    model=MaterialsMove,
    schema=MoveSchema,
    title=_l("Stock move"),
    create=_loader(MoveSchema, post_move),
    fields=[
        "kind",
        "product_id",
        "warehouse_id",
        "to_warehouse_id",
        "location_id",
        "quantity",
        "unit_cost",
        "value",
        "date",
        "reference",
    ],
    choices=CHOICES,
    list_url=lambda: url("moves"),
    read_role=USER,
    write_role=USER,
    label=lambda m: f"{KINDS.get(m.kind, m.kind)} {m.reference or m.id}",
    defaults=lambda: {"kind": "receipt", "date": date.today().isoformat()},
    links={"origin_type": lambda m: (_origin_label(m), origin_url(m)) if origin_url(m) else None},
)


def _origin_types(session: Any) -> dict[str, Any]:
    found = session.scalars(select(MaterialsMove.origin_type).distinct())
    return {kind: ORIGINS.get(kind, kind) for kind in found}


def _moves_base(_session: Any) -> Any:
    return (
        select(MaterialsMove)
        .join(Product, Product.id == MaterialsMove.product_id)
        .join(MaterialsWarehouse, MaterialsWarehouse.id == MaterialsMove.warehouse_id)
    )


moves_list = ListView(
    ListSpec(
        "materials.moves",
        MaterialsMove,
        columns=[
            Column("date", _l("Date"), kind="date"),
            Column("kind", _l("Kind"), kind="choice", choices=KINDS, groupable=True),
            Column("reference", _l("Reference")),
            Column(
                "product",
                _l("Product"),
                expr=Product.code,
                value=lambda m: f"{m.product.code} {m.product.name}",
            ),
            Column(
                "warehouse_id",
                _l("Warehouse"),
                value=lambda m: m.warehouse.code,
                sortable=False,
                groupable=True,
            ),
            Column("quantity", _l("Quantity"), kind="number", summable=True),
            Column("unit_cost", _l("Unit cost"), kind="money", currency=_currency),
            Column("value", _l("Value"), kind="money", currency=_currency, summable=True),
            Column(
                "origin_type",
                _l("Origin"),
                kind="choice",
                choices=ORIGINS,
                groupable=True,
            ),
        ],
        filters=[
            Filter("kind", _l("Kind"), MaterialsMove.kind, choices=KINDS),
            _product_filter(MaterialsMove.product_id),
            _warehouse_filter(MaterialsMove.warehouse_id),
            Filter("date", _l("Date"), MaterialsMove.date, kind="date"),
            Filter("origin_type", _l("Origin"), MaterialsMove.origin_type, choices=_origin_types),
        ],
        search=[MaterialsMove.reference, Product.search_key],
        default_sort="-date",
        base=_moves_base,
        load=[joinedload(MaterialsMove.product), joinedload(MaterialsMove.warehouse)],
    ),
    title=_l("Stock moves"),
    row_url=_move_url,
    new_url=lambda: url("move_new"),
    read_role=USER,
    label=move_form.label,
)


# -- inventory counts -------------------------------------------------------------------------
def _count_label(count: MaterialsCount) -> str:
    return f"{_('Inventory count')} {count.number or DRAFT}"


count_form = FormView(
    record_type="materials.count",
    model=MaterialsCount,
    schema=CountSchema,
    title=_l("Inventory count"),
    create=_loader(CountSchema, counts.create_count),
    update=_updater(CountSchema, counts.update_count),
    fields=["number", "state", "warehouse_id", "date", "note"],
    choices=CHOICES,
    lines=LinesSpec(fields=["product_id", "counted", "on_hand", "difference"]),
    list_url=lambda: url("counts"),
    read_role=USER,
    write_role=USER,
    label=_count_label,
    editable=lambda c: c.state == "draft",
    defaults=lambda: {"date": date.today().isoformat()},
)
counts_list = ListView(
    ListSpec(
        "materials.counts",
        MaterialsCount,
        columns=[
            Column("number", _l("Number"), nullable=True),
            Column(
                "warehouse_id",
                _l("Warehouse"),
                value=lambda c: c.warehouse.code,
                sortable=False,
                groupable=True,
            ),
            Column("date", _l("Date"), kind="date"),
            Column("state", _l("State"), kind="state", choices=COUNT_STATES, groupable=True),
        ],
        filters=[
            Filter("state", _l("State"), MaterialsCount.state, choices=COUNT_STATES),
            _warehouse_filter(MaterialsCount.warehouse_id),
            Filter("date", _l("Date"), MaterialsCount.date, kind="date"),
        ],
        search=[MaterialsCount.number],
        default_sort="-date",
        load=[joinedload(MaterialsCount.warehouse)],
    ),
    title=_l("Inventory counts"),
    form=count_form,
    new_url=lambda: url("count_new"),
    read_role=USER,
)


@bp.post("/counts/<int:record_id>/fill")
def count_fill(record_id: int) -> Any:
    """Add a line for every product with stock in the count's warehouse."""
    count = count_form.load(record_id)
    require_role(USER)
    session = db_session()
    try:
        added = counts.fill(session, count)
    except ValidationError as exc:
        session.rollback()
        flash(_messages(exc), "danger")
        return redirect(count_form.url(count))
    session.commit()
    flash(_("%(n)s lines added.", n=added), "success")
    return redirect(count_form.url(count))


def _messages(exc: ValidationError) -> str:
    messages = exc.messages
    if isinstance(messages, dict):
        messages = [m for value in messages.values() for m in value]
    return "; ".join(translate_message(m) for m in messages)


def document_actions(document: Any, user: Any) -> list[Any]:
    """A draft count's "Fill with current stock"."""
    from core.ui import DocumentAction

    if not isinstance(document, MaterialsCount):
        return []
    found = []  # the PDF (the count sheet) is core's button
    if document.state == "draft":
        found.append(
            DocumentAction(
                "materials_count_fill",
                _("Fill with current stock"),
                url("count_fill", record_id=document.id),
                sequence=10,
            )
        )
    return found


for _list, _form, _rule in (
    (warehouses_list, warehouse_form, "/warehouses"),
    (moves_list, move_form, "/moves"),
    (counts_list, count_form, "/counts"),
):
    _list.register(bp, _rule)
    _form.register(bp, _rule)
levels_list.register(bp, "/levels")


@bp.get("/")
def index() -> Any:
    return redirect(url("levels"))
