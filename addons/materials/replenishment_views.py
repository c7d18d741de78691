"""materials: the replenishment pages. The Material Replenishment Report (filters, lines
with their reasons, a checkbox per line and a button making requisitions when an enabled
add-on takes proposals; XLSX and PDF exports) and the reorder rules (core's ``ListView`` and
``FormView`` on ``rules``' services).

Kept apart from the other materials pages (warehouses, stock, moves, counts) in their own
blueprint, ``materials.replenishment``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.i18n import _, translate_errors, translate_message
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Partner, ProductCategory
from core.web import choices
from core.web.context import current_user, db_session, require_role
from core.web.forms import FormView
from core.web.lists import ListView

from . import replenishment, warehouses
from .models import MaterialsReorderRule, MaterialsWarehouse
from .rules import ReorderRuleSchema, create_rule, update_rule

bp = Blueprint("replenishment", __name__)

USER, MANAGER = "materials.user", "materials.manager"
PAGE_LINES = 1000  # lines the page shows; the exports and the API give them all


# -- choices ------------------------------------------------------------------------------
warehouse_choices = warehouses.choices


vendor_choices = choices.vendors


def category_choices(session: Any) -> list[tuple[int, str]]:
    rows = session.execute(select(ProductCategory.id, ProductCategory.name).order_by("name"))
    return [(r[0], r[1]) for r in rows]


goods_choices = choices.goods


# -- reorder rules: list and form ---------------------------------------------------------
def _rule_label(rule: MaterialsReorderRule) -> str:
    return f"{rule.product.code} · {rule.warehouse.code}"


rule_form = FormView(
    record_type="materials.reorder_rule",
    model=MaterialsReorderRule,
    schema=ReorderRuleSchema,
    title=_l("Reorder rule"),
    create=create_rule,
    update=update_rule,
    fields=[
        "product_id",
        "warehouse_id",
        "minimum",
        "maximum",
        "multiple",
        "vendor_id",
        "lead_days",
        "active",
    ],
    choices={
        "product_id": goods_choices,
        "warehouse_id": warehouse_choices,
        "vendor_id": vendor_choices,
    },
    list_url=lambda: url_for("materials.replenishment.rules"),
    read_role=USER,
    write_role=MANAGER,
    label=_rule_label,
)

rules_list = ListView(
    ListSpec(
        "materials.rules",
        MaterialsReorderRule,
        columns=[
            Column("product", _l("Product"), value=lambda r: r.product.code, sortable=False),
            Column("product_name", _l("Name"), value=lambda r: r.product.name, sortable=False),
            Column("warehouse", _l("Warehouse"), value=lambda r: r.warehouse.code, sortable=False),
            Column("minimum", _l("Minimum"), kind="number"),
            Column("maximum", _l("Maximum"), kind="number"),
            Column("multiple", _l("Order multiple"), kind="number"),
            Column(
                "vendor",
                _l("Vendor"),
                value=lambda r: r.vendor.name if r.vendor else "",
                sortable=False,
            ),
            Column("lead_days", _l("Lead time (days)"), kind="number"),
            Column("active", _l("Active"), kind="bool"),
        ],
        filters=[
            Filter(
                "warehouse",
                _l("Warehouse"),
                MaterialsReorderRule.warehouse_id,
                choices=lambda s: {str(i): label for i, label in warehouse_choices(s)},
            ),
            Filter("active", _l("Active"), MaterialsReorderRule.active, kind="bool"),
        ],
        default_sort="id",
        load=[
            joinedload(MaterialsReorderRule.product),
            joinedload(MaterialsReorderRule.warehouse),
            joinedload(MaterialsReorderRule.vendor),
        ],
    ),
    title=_l("Reorder rules"),
    form=rule_form,
    new_url=lambda: url_for("materials.replenishment.reorder_rule_new"),
    read_role=USER,
    label=_rule_label,
)
rules_list.register(bp, "/rules")
rule_form.register(bp, "/rules")


# -- the report ---------------------------------------------------------------------------
class ReportFilterSchema(Schema):
    """The report's filters: a warehouse, a vendor (the line's: the rule's, else the
    product's preferred one), a product category; ``all`` lists every rule, not only those
    proposing something."""

    warehouse_id = fields.Integer(allow_none=True, load_default=None)
    vendor_id = fields.Integer(allow_none=True, load_default=None)
    category_id = fields.Integer(allow_none=True, load_default=None)
    all = fields.Boolean(load_default=False)


def read_filters(args: Any) -> dict[str, Any]:
    """The filters from ``args`` (empty values: no filter). Malformed: ``ValidationError``
    naming the argument; an id that is not the company's: 404."""
    raw = {k: v for k, v in args.items() if k in ReportFilterSchema._declared_fields and v != ""}
    unknown = [k for k in args if k not in ReportFilterSchema._declared_fields and k != "export"]
    if unknown:
        raise ValidationError({k: ["Unknown field."] for k in unknown})
    data = ReportFilterSchema().load(raw)
    session = db_session()
    for key, model in (
        ("warehouse_id", MaterialsWarehouse),
        ("vendor_id", Partner),
        ("category_id", ProductCategory),
    ):
        if data[key] is not None and session.get(model, data[key]) is None:
            abort(404)
    return data


def run_report(data: dict[str, Any]) -> list[replenishment.Line]:
    return replenishment.report(
        db_session(),
        warehouse_id=data["warehouse_id"],
        vendor_id=data["vendor_id"],
        category_id=data["category_id"],
        only_short=not data["all"],
    )


def _headers() -> list[str]:
    return [
        _("Product"),
        _("Name"),
        _("Warehouse"),
        _("Vendor"),
        _("On hand"),
        _("Reserved"),
        _("On order"),
        _("Requested"),
        _("Projected"),
        _("Minimum"),
        _("Maximum"),
        _("Proposed"),
        _("Needed by"),
        _("Why"),
    ]


KINDS = ["text"] * 4 + ["number"] * 8 + ["date", "text"]


def export_rows(lines: list[replenishment.Line]) -> list[list[Any]]:
    return [list(ln.cells()) for ln in lines]


@dataclass
class ReportDocument:
    """What core's PDF base prints in its header for the report."""

    date: date
    display_name: str
    number: str = ""
    partner: Any = None
    filters: list[tuple[str, str]] = field(default_factory=list)


def _filter_names(data: dict[str, Any]) -> list[tuple[str, str]]:
    session, named = db_session(), []
    if data["warehouse_id"] is not None:
        found = session.get(MaterialsWarehouse, data["warehouse_id"])
        named.append((_("Warehouse"), f"{found.code} {found.name}"))
    if data["vendor_id"] is not None:
        named.append((_("Vendor"), session.get(Partner, data["vendor_id"]).name))
    if data["category_id"] is not None:
        named.append((_("Category"), session.get(ProductCategory, data["category_id"]).name))
    return named


def _export(kind: str, data: dict[str, Any], lines: list[replenishment.Line]) -> Any:
    from flask import Response

    stamp = date.today().isoformat()
    title = _("Material Replenishment Report")
    if kind == "xlsx":
        from core.export import to_xlsx

        body = to_xlsx(_headers(), export_rows(lines), KINDS, title=_("Replenishment"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"replenishment-{stamp}.xlsx"
    elif kind == "pdf":
        from core.web.pdf import render_pdf_template

        document = ReportDocument(date.today(), title, filters=_filter_names(data))
        body = render_pdf_template("materials/replenishment.pdf.html", document, lines=lines)
        mimetype, name = "application/pdf", f"replenishment-{stamp}.pdf"
    else:
        abort(400, description="export: xlsx or pdf")
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/replenishment", methods=["GET", "POST"])
def report_page() -> Any:
    require_role(USER)
    session = db_session()
    errors: dict[str, Any] = {}
    source = request.args
    try:
        data = read_filters(source)
    except ValidationError as exc:
        data = ReportFilterSchema().load({})
        errors = translate_errors(exc.normalized_messages())
    if request.method == "POST" and not errors:
        chosen = request.form.getlist("rule_ids")
        try:
            rule_ids = [int(v) for v in chosen]
            if not rule_ids:
                raise ValidationError(_("choose at least one line"), "rule_ids")
            run, made = replenishment.replenish_rules(session, rule_ids, current_user())
        except (ValueError, ValidationError) as exc:
            session.rollback()
            messages = exc.normalized_messages() if isinstance(exc, ValidationError) else {}
            errors = translate_errors(messages or {"rule_ids": [_("not a valid line")]})
        else:
            session.commit()
            flash(
                _(
                    "%(n)s lines handed on (run #%(run)s): %(made)s requisitions made.",
                    n=run.lines,
                    run=run.id,
                    made=len(made or []),
                ),
                "success",
            )
            return redirect(url_for("materials.replenishment.report_page", **source))
    if not errors and source.get("export"):
        return _export(source["export"], data, run_report(data))
    lines = run_report(data) if "warehouse_id" not in errors else []
    status = 400 if errors else 200
    return (
        render_template(
            "materials/replenishment.html",
            lines=lines[:PAGE_LINES],
            total=len(lines),
            page_lines=PAGE_LINES,
            data=data,
            errors=errors,
            rule_errors=_rule_errors(errors),
            warehouses=warehouse_choices(session),
            vendors=vendor_choices(session),
            categories=category_choices(session),
            can_replenish=replenishment.can_replenish(session),
            args=source,
            translate=translate_message,
        ),
        status,
    )


def _rule_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    """Messages about single lines (``{"rule_ids": {"7": [...]}}``), by rule id."""
    found = errors.get("rule_ids")
    return found if isinstance(found, dict) else {}
