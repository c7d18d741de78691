"""The approved requisitions report on reporting's framework.

The lines of approved requisitions not ordered yet, with their vendor, product, warehouse,
date needed and estimated amount: the same lines as the approved requisitions page (where
they become purchase orders), here run from the reports page, the API, exported, kept as
presets and e-mailed on a schedule. Only the optional ``reporting_reports`` hook imports
this module, so purchasing works without reporting.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import func, select

from addons.materials.models import MaterialsWarehouse
from addons.materials.warehouses import choices as warehouse_choices
from addons.reporting.framework import Chart, Column, Drill, Report, ReportData, unknown_ids
from core.i18n import lazy_gettext as _l
from core.models import Partner, Product
from core.web.choices import products, vendors

from .models import PurchasingRequisition, PurchasingRequisitionLine

L, R = PurchasingRequisitionLine, PurchasingRequisition


class ApprovedParams(Schema):
    vendor_id = fields.Integer(allow_none=True, load_default=None, metadata={"label": _l("Vendor")})
    product_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Product")}
    )
    warehouse_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Warehouse")}
    )
    needed_by = fields.Date(
        allow_none=True, load_default=None, metadata={"label": _l("Needed by (at the latest)")}
    )
    no_vendor = fields.Boolean(load_default=False, metadata={"label": _l("Without vendor")})


COLUMNS = [
    Column("requisition_id", "requisition", "integer", hidden=True),
    Column("vendor", _l("Vendor")),
    Column("product", _l("Product")),
    Column("needed_by", _l("Needed by"), "date"),
    Column("requisition", _l("Requisition")),
    Column("warehouse", _l("Warehouse")),
    Column("quantity", _l("Quantity"), "quantity"),
    Column("to_order", _l("To order"), "quantity", total=True),
    Column("unit_price", _l("Estimated unit price"), "price"),
    Column("net", _l("Estimated amount"), "money", total=True),
]


def _check(ctx: Any, params: dict[str, Any]) -> dict[str, list[str]]:
    return unknown_ids(
        ctx.session,
        params,
        {
            "vendor_id": (Partner, _l("unknown vendor")),
            "product_id": (Product, _l("unknown product")),
            "warehouse_id": (MaterialsWarehouse, _l("unknown warehouse")),
        },
    )


def _run(ctx: Any, params: dict[str, Any]) -> ReportData:
    needed_by = func.coalesce(L.needed_by, R.needed_by)
    query = (
        select(
            R.id,
            Partner.name,
            Product.code,
            Product.name,
            L.description,
            needed_by,
            R.number,
            MaterialsWarehouse.name,
            L.quantity,
            L.qty_ordered,
            L.unit_price,
            L.net,
        )
        .join(R, R.id == L.requisition_id)
        .join(MaterialsWarehouse, MaterialsWarehouse.id == R.warehouse_id)
        .outerjoin(Partner, Partner.id == L.vendor_id)
        .outerjoin(Product, Product.id == L.product_id)
        .where(R.state == "approved", L.quantity > L.qty_ordered)
        .order_by(needed_by, R.number, L.sequence, L.id)
    )
    if params["vendor_id"] is not None:
        query = query.where(L.vendor_id == params["vendor_id"])
    if params["no_vendor"]:
        query = query.where(L.vendor_id.is_(None))
    if params["product_id"] is not None:
        query = query.where(L.product_id == params["product_id"])
    if params["warehouse_id"] is not None:
        query = query.where(R.warehouse_id == params["warehouse_id"])
    if params["needed_by"] is not None:
        query = query.where(needed_by <= params["needed_by"])
    rows = (
        (
            req_id,
            vendor or "",
            f"{code} {name}" if code else description,
            needed,
            number or "",
            warehouse,
            quantity,
            quantity - ordered,
            unit_price,
            net,
        )
        for (
            req_id,
            vendor,
            code,
            name,
            description,
            needed,
            number,
            warehouse,
            quantity,
            ordered,
            unit_price,
            net,
        ) in ctx.session.execute(query)
    )
    return ReportData(COLUMNS, rows, currency=ctx.company.currency)


def _drill(ctx: Any, params: dict[str, Any], row: Any) -> Drill:
    return Drill(url=f"/purchasing/requisitions/{row['requisition_id']}")


APPROVED_REQUISITIONS = Report(
    id="purchasing.approved_requisitions",
    title=_l("Approved requisitions"),
    description=_l(
        "Lines of approved requisitions not ordered yet: what to buy, from whom, by when,"
        " and the estimated amount."
    ),
    group=_l("Purchasing"),
    params=ApprovedParams,
    run=_run,
    check=_check,
    drill=_drill,
    roles=("purchasing.user",),
    choices={"vendor_id": vendors, "product_id": products, "warehouse_id": warehouse_choices},
    chart=Chart("bar", "vendor", ("net",)),
)
