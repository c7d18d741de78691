"""The Material Replenishment Report on reporting's framework.

Registered (``hooks.reporting_reports``) for the companies that enable reporting too: the
same lines as the replenishment page (``replenishment.report``), run from the reports page,
the API, exported, kept as presets and e-mailed on a schedule. The page stays where
proposals become requisitions; this module imports reporting, so only the optional hook
imports it (materials works without reporting).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from addons.reporting.framework import Chart, Column, Drill, Report, ReportData, unknown_ids
from core.i18n import lazy_gettext as _l
from core.models import Partner, ProductCategory
from core.web.choices import product_categories, vendors

from . import replenishment
from .models import MaterialsWarehouse
from .warehouses import choices as warehouse_choices


class ReplenishmentParams(Schema):
    warehouse_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Warehouse")}
    )
    vendor_id = fields.Integer(allow_none=True, load_default=None, metadata={"label": _l("Vendor")})
    category_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Product category")}
    )
    all = fields.Boolean(load_default=False, metadata={"label": _l("Every rule")})


COLUMNS = [
    Column("rule_id", "rule", "integer", hidden=True),
    Column("product", _l("Product")),
    Column("name", _l("Name")),
    Column("warehouse", _l("Warehouse")),
    Column("vendor", _l("Vendor")),
    Column("on_hand", _l("On hand"), "quantity"),
    Column("reserved", _l("Reserved"), "quantity"),
    Column("on_order", _l("On order"), "quantity"),
    Column("requested", _l("Requested"), "quantity"),
    Column("projected", _l("Projected"), "quantity"),
    Column("minimum", _l("Minimum"), "quantity"),
    Column("maximum", _l("Maximum"), "quantity"),
    Column("proposed", _l("Proposed"), "quantity", total=True),
    Column("needed_by", _l("Needed by"), "date"),
    Column("reason", _l("Why")),
]


def _check(ctx: Any, params: dict[str, Any]) -> dict[str, list[str]]:
    return unknown_ids(
        ctx.session,
        params,
        {
            "warehouse_id": (MaterialsWarehouse, _l("unknown warehouse")),
            "vendor_id": (Partner, _l("unknown vendor")),
            "category_id": (ProductCategory, _l("unknown category")),
        },
    )


def _run(ctx: Any, params: dict[str, Any]) -> ReportData:
    lines = replenishment.report(
        ctx.session,
        warehouse_id=params["warehouse_id"],
        vendor_id=params["vendor_id"],
        category_id=params["category_id"],
        today=ctx.today,
        only_short=not params["all"],
    )
    rows = ((ln.rule_id, *ln.cells()) for ln in lines)
    return ReportData(COLUMNS, rows)


def _drill(ctx: Any, params: dict[str, Any], row: Any) -> Drill:
    return Drill(url=f"/materials/rules/{row['rule_id']}")


REPLENISHMENT = Report(
    id="materials.replenishment",
    title=_l("Material Replenishment Report"),
    description=_l(
        "What each reorder rule proposes to buy: stock on hand, reserved, on order and"
        " requested against the rule's minimum and maximum."
    ),
    group=_l("Stock"),
    params=ReplenishmentParams,
    run=_run,
    check=_check,
    drill=_drill,
    roles=("materials.user",),
    choices={
        "warehouse_id": warehouse_choices,
        "vendor_id": vendors,
        "category_id": product_categories,
    },
    chart=Chart("bar", "product", ("proposed",)),
)
