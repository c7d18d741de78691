"""materials: the add-on's face to the kernel (roles, and its part in sales' documents)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core import hookimpl
from core.auth import Role
from core.db import session_of
from core.i18n import _

from .workflows import WORKFLOWS

# the sales documents materials takes part in (by their document type: no import of sales)
SALES_ORDER = "sales.order"
SALES_DELIVERY = "sales.delivery"
COUNT = "materials.count"
USER, MANAGER = "materials.user", "materials.manager"


@hookimpl
def roles() -> list[Role]:
    return [
        Role("materials.user", "Storekeeper: stock, moves and counts", implies=("user",)),
        Role(
            "materials.manager",
            "Materials manager: warehouses, reorder rules and settings",
            implies=("materials.user",),
        ),
    ]


@hookimpl
def after_transition(document: Any, action: str, user: Any) -> None:
    """A confirmed sales order reserves its goods; a cancelled one gives them back; a
    shipped delivery takes its goods out of stock (and out of the order's reservation)."""
    kind = getattr(document, "__document_type__", "")
    if kind == SALES_ORDER and action == "confirm":
        _reserve_order(document)
    elif kind == SALES_ORDER and action == "cancel":
        from .stock import Origin, release

        release(session_of(document), Origin(SALES_ORDER, document.id))
    elif kind == SALES_DELIVERY and action == "ship":
        _issue_delivery(document, user)
    elif kind == COUNT and action == "post":
        from .counts import apply_count

        apply_count(session_of(document), document, user)


@hookimpl
def before_transition(document: Any, action: str, user: Any) -> None:
    """A count without lines is not posted (nothing would be counted)."""
    from core.documents import Veto

    is_count = getattr(document, "__document_type__", "") == COUNT
    if is_count and action == "post" and not document.lines:
        raise Veto(_("a count needs at least one line"))


@hookimpl
def workflows() -> list[dict[str, Any]]:
    return WORKFLOWS


def _goods(session: Any, product_ids: set[int | None]) -> set[int]:
    """Which of ``product_ids`` are kept in stock (goods; services are not)."""
    from sqlalchemy import select

    from core.models import Product

    wanted = {i for i in product_ids if i is not None}
    if not wanted:
        return set()
    query = select(Product.id).where(Product.id.in_(wanted), Product.type == "goods")
    return set(session.scalars(query))


def _reserve_order(order: Any) -> None:
    from .stock import Origin, default_warehouse, reserve

    session = session_of(order)
    kept = _goods(session, {ln.product_id for ln in order.lines})
    goods = [ln for ln in order.lines if ln.product_id in kept]
    if not goods:
        return
    warehouse = default_warehouse(session)
    needed_on = getattr(order, "commitment_date", None) or order.date
    for line in goods:
        due = line.quantity - line.qty_delivered
        if due > 0:
            origin = Origin(SALES_ORDER, order.id, line.id)
            reserve(session, origin, line.product_id, warehouse.id, due, needed_on)


def _issue_delivery(delivery: Any, user: Any) -> None:
    from sqlalchemy import select

    from .models import MaterialsReservation
    from .stock import Origin, default_warehouse, move, release

    session = session_of(delivery)
    kept = _goods(session, {ln.product_id for ln in delivery.lines})
    lines = [ln for ln in delivery.lines if ln.quantity > 0 and ln.product_id in kept]
    if not lines:
        return
    reserved_in = dict(
        session.execute(
            select(MaterialsReservation.origin_line_id, MaterialsReservation.warehouse_id).where(
                MaterialsReservation.origin_type == SALES_ORDER,
                MaterialsReservation.origin_id == delivery.order_id,
            )
        ).all()
    )
    fallback = None
    for line in lines:
        warehouse_id = reserved_in.get(line.order_line_id)
        if warehouse_id is None:
            fallback = fallback or default_warehouse(session)
            warehouse_id = fallback.id
        move(
            session,
            "issue",
            line.product_id,
            warehouse_id,
            -line.quantity,
            on=delivery.date,
            origin=Origin(SALES_DELIVERY, delivery.id, line.id),
            reference=delivery.number or "",
            user_id=user.id if user is not None else None,
        )
        release(session, Origin(SALES_ORDER, delivery.order_id, line.order_line_id), line.quantity)


@hookimpl(optionalhook=True)
def sales_line_cost(
    session: Any, product_id: int, quantity: Decimal, on: date
) -> tuple[Decimal, str] | None:
    """The product's moving average (basis ``average``) once it was received; else None
    (sales then takes the product's cost price)."""
    from .stock import average_cost

    average = average_cost(session, product_id)
    if average is None or average == 0:
        return None
    return average, "average"


@hookimpl
def on_enable(company: Any) -> None:
    """A company starts with one warehouse (the default), as it has one stock room at least;
    nothing when it has one already."""
    from sqlalchemy import select

    from .models import MaterialsWarehouse

    session = session_of(company)
    if session.scalar(select(MaterialsWarehouse.id).limit(1)) is None:
        session.add(MaterialsWarehouse(code="ANA", name="Ana depo", is_default=True))


# ----------------------------------------------------------------------------- the web
@hookimpl
def addon_blueprints() -> list[Any]:
    from .replenishment_views import bp as replenishment
    from .views import bp

    return [bp, replenishment]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import api
    from .replenishment_api import api as replenishment

    return [api, replenishment]


@hookimpl
def menu_items(company: Any, user: Any) -> list[Any]:
    """The Stock menu, for storekeepers (warehouses for everyone who reads stock)."""
    from core.ui import MenuItem

    entries = [
        (_("Stock levels"), "/materials/levels"),
        (_("Stock moves"), "/materials/moves"),
        (_("New stock move"), "/materials/moves/new"),
        (_("Inventory counts"), "/materials/counts"),
        (_("Warehouses"), "/materials/warehouses"),
        (_("Replenishment"), "/materials/replenishment"),
        (_("Reorder rules"), "/materials/rules"),
    ]
    return [
        MenuItem(label, url, sequence=50 + n, group=_("Stock"), roles=(USER,))
        for n, (label, url) in enumerate(entries)
    ]


@hookimpl
def document_actions(document: Any, user: Any) -> list[Any]:
    from .views import document_actions as actions

    return actions(document, user)


@hookimpl
def pdf_context(document: Any) -> dict[str, Any]:
    """The count sheet prints the warehouse (``extra.materials.warehouse``)."""
    from .models import MaterialsCount

    if not isinstance(document, MaterialsCount):
        return {}
    warehouse = document.warehouse
    return {"warehouse": f"{warehouse.code} {warehouse.name}"}


# ----------------------------------------------------------------------------- settings
SETTINGS = ("negative_stock", "nightly_requisitions")


def _setting_getter(name: str) -> Any:
    def read(company: Any) -> bool:
        from .stock import settings_of

        session = session_of(company)
        if session is None:
            return False
        return bool(getattr(settings_of(session), name))

    return read


@hookimpl
def extend_schema(schema_name: str, company: Any) -> dict[str, Any]:
    """The company's materials settings on its page and in ``/api/v1/core/company``:
    ``materials_negative_stock`` (goods may go below zero) and
    ``materials_nightly_requisitions`` (the replenishment report runs every night)."""
    if schema_name != "core.company":
        return {}
    from marshmallow import fields

    from core.i18n import lazy_gettext as _l
    from core.schemas import Extension

    labels = {
        "negative_stock": _l("Allow negative stock"),
        "nightly_requisitions": _l("Nightly requisitions from the replenishment report"),
    }
    return {
        f"materials_{name}": Extension(
            fields.Boolean(), _setting_getter(name), metadata={"label": labels[name]}
        )
        for name in SETTINGS
    }


@hookimpl
def document_saved(document: Any, data: dict[str, Any]) -> None:
    from core.models import Company

    if not isinstance(document, Company):
        return
    sent = {name: data[f"materials_{name}"] for name in SETTINGS if f"materials_{name}" in data}
    if not sent:
        return
    from .models import MaterialsSettings

    session = session_of(document)
    row = session.get(MaterialsSettings, document.id)
    if row is None:
        row = MaterialsSettings(company_id=document.id, negative_stock=False)
        row.nightly_requisitions = False
        session.add(row)
    for name, value in sent.items():
        setattr(row, name, bool(value))
    session.flush()


# ----------------------------------------------------------------------------- demo, CLI
@hookimpl
def demo_data(company: Any, size: str) -> None:
    """Two warehouses and a year of receipts for the demo company's goods."""
    from .demo import build

    build(company, size)


@hookimpl
def cli_commands() -> list[Any]:
    from .cli import check

    return [check]


# ---------------------------------------------------------------- replenishment (issue 6)
def nightly_requisitions_job(company: Any) -> None:
    """Nightly: when the company's settings ask for it and an enabled add-on takes
    proposals (purchasing), every line of the replenishment report proposing something is
    handed on (a run with the trigger ``nightly``)."""
    from .replenishment import nightly

    session = session_of(company)
    nightly(session)
    session.commit()


@hookimpl
def periodic_tasks() -> list[Any]:
    from core.jobs import PeriodicTask

    return [PeriodicTask("nightly_requisitions", nightly_requisitions_job, minute="30", hour="2")]


@hookimpl(optionalhook=True)
def reporting_reports() -> list[Any]:
    """The Material Replenishment Report, on reporting's framework (``reports``)."""
    from .reports import REPLENISHMENT

    return [REPLENISHMENT]
