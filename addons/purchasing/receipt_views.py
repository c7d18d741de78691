"""purchasing: the receipts' pages. The list (state, vendor, order, warehouse, date), the
receipt's record page (core's ``FormView``: reference, date, note and the quantities of a
draft), its buttons (*Receive* posts it, *Cancel* a draft), and the order's *Receive*
button: a page choosing the quantity per order line (all that is left by default), which
makes the draft receipt."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from addons.materials.models import MaterialsWarehouse
from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Partner
from core.schemas import PriceField, QuantityField
from core.web.forms import FormView, LinesSpec
from core.web.lists import ListView
from core.web.picking import LinePicker, PickRow

from . import receipts
from .match_actions import Action, act, buttons, same
from .models import PurchasingOrder, PurchasingReceipt

bp = Blueprint("receipts", __name__)

USER, RECEIVER = "purchasing.user", "purchasing.receiver"
POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))
STATES = {"draft": _l("draft"), "done": _l("received"), "cancelled": _l("cancelled")}
RECEIPT_STATUS = {"nothing": _l("nothing"), "partial": _l("partly"), "full": _l("fully")}
DRAFT = _l("(draft)")
TITLE = _l("Goods receipt")
ORDER_TITLE = _l("Purchase order")


def _product(line: Any) -> str:
    product = line.product
    return (product.code or product.name) if product is not None else ""


class PurchaseReceiptLineSchema(Schema):
    """A receipt line: the order line it receives and the quantity (the product, what was
    ordered and received so far and the price are shown, never loaded)."""

    id = fields.Integer(allow_none=True, load_default=None)
    order_line_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Order line")}
    )
    product = fields.Function(_product, dump_only=True, metadata={"label": _l("Product")})
    description = fields.String(
        attribute="order_line.description", dump_only=True, metadata={"label": _l("Description")}
    )
    qty_ordered = QuantityField(
        attribute="order_line.quantity", dump_only=True, metadata={"label": _l("Ordered")}
    )
    qty_received = QuantityField(
        attribute="order_line.qty_received",
        dump_only=True,
        metadata={"label": _l("Received before")},
    )
    quantity = QuantityField(metadata={"label": _l("Quantity")}, required=True, validate=POSITIVE)
    unit_cost = PriceField(dump_only=True, metadata={"label": _l("Unit cost")})
    move_id = fields.Integer(dump_only=True, allow_none=True)


class PurchaseReceiptSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    order_id = fields.Integer(dump_only=True, metadata={"label": ORDER_TITLE})
    partner_id = fields.Integer(dump_only=True, metadata={"label": _l("Vendor")})
    warehouse_id = fields.Integer(dump_only=True, metadata={"label": _l("Warehouse")})
    date = fields.Date(metadata={"label": _l("Receipt date")}, load_default=None)
    vendor_reference = fields.String(
        metadata={"label": _l("Vendor's delivery note")},
        load_default="",
        validate=validate.Length(max=60),
    )
    note = fields.String(
        metadata={"label": _l("Note"), "widget": "textarea"},
        load_default="",
        validate=validate.Length(max=2000),
    )
    lines = fields.List(fields.Nested(PurchaseReceiptLineSchema), load_default=None)


def _update(session: Any, record: Any, payload: dict[str, Any]) -> Any:
    data = PurchaseReceiptSchema().load(
        payload, partial=tuple(PurchaseReceiptSchema._declared_fields)
    )
    return receipts.update_receipt(session, record, data)


# -- the order's page (orders' FormView) is what the pickers load, link to and name ------------
from .order_views import order_form as order_ref  # noqa: E402


def _order_link(doc: Any) -> tuple[str, str] | None:
    order = doc.order
    return (str(order.number or DRAFT), order_ref.url(order)) if order is not None else None


def vendor_choices(session: Any) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Partner.id, Partner.name).where(Partner.is_vendor.is_(True)).order_by(Partner.name)
    )
    return [(r[0], r[1]) for r in rows]


def warehouse_choices(session: Any) -> list[tuple[int, str]]:
    rows = session.execute(
        select(MaterialsWarehouse.id, MaterialsWarehouse.code, MaterialsWarehouse.name).order_by(
            MaterialsWarehouse.code
        )
    )
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]


receipt_form = FormView(
    record_type="purchasing.receipt",
    model=PurchasingReceipt,
    schema=PurchaseReceiptSchema,
    title=TITLE,
    update=_update,
    lines=LinesSpec(
        fields=["product", "description", "qty_ordered", "qty_received", "quantity"],
        blank_rows=0,
        hide=["order_line_id"],
    ),
    list_url=lambda: url_for("purchasing.receipts.receipts"),
    read_role=USER,
    write_role=RECEIVER,
    label=lambda doc: f"{TITLE} {doc.number or DRAFT}",
    choices={"partner_id": vendor_choices, "warehouse_id": warehouse_choices},
    links={"order_id": _order_link},
    editable=lambda doc: doc.state == "draft",
)


def _vendor(doc: Any) -> str:
    return doc.partner.name if doc.partner is not None else ""


def _order_number(doc: Any) -> str:
    return (doc.order.number or "") if doc.order is not None else ""


def _vendors(session: Any) -> dict[str, str]:
    return {str(k): v for k, v in vendor_choices(session)}


def _warehouses(session: Any) -> dict[str, str]:
    return {str(k): v for k, v in warehouse_choices(session)}


R = PurchasingReceipt
receipts_list = ListView(
    ListSpec(
        "purchasing.receipts",
        R,
        columns=[
            Column("number", _l("Number"), nullable=True),
            Column("date", _l("Date"), kind="date"),
            Column("state", _l("State"), kind="state", choices=STATES, groupable=True),
            Column("partner_id", _l("Vendor"), value=_vendor, sortable=False, groupable=True),
            Column("order_id", ORDER_TITLE, value=_order_number, sortable=False),
            Column(
                "warehouse_id",
                _l("Warehouse"),
                value=lambda d: d.warehouse.name if d.warehouse else "",
                sortable=False,
                groupable=True,
            ),
            Column("vendor_reference", _l("Vendor's delivery note")),
        ],
        filters=[
            Filter("state", _l("State"), R.state, choices=STATES),
            Filter("partner_id", _l("Vendor"), R.partner_id, choices=_vendors),
            Filter("warehouse_id", _l("Warehouse"), R.warehouse_id, choices=_warehouses),
            Filter("order_id", ORDER_TITLE, R.order_id, kind="number"),
            Filter("date", _l("Date"), R.date, kind="date"),
        ],
        search=[R.number, R.vendor_reference, R.note],
        default_sort="-date",
        load=[joinedload(R.partner), joinedload(R.order), joinedload(R.warehouse)],
    ),
    title=_l("Receipts"),
    form=receipt_form,
    read_role=USER,
)
receipts_list.register(bp, "/receipts")
receipt_form.register(bp, "/receipts")


# -- buttons ------------------------------------------------------------------------------
ACTIONS = [
    Action(
        "post",
        _l("Receive"),
        RECEIVER,
        ("draft",),
        same(receipts.post_receipt),
        _l("Goods received: the stock is updated."),
        "primary",
        10,
    ),
    Action(
        "cancel",
        _l("Cancel"),
        RECEIVER,
        ("draft",),
        same(receipts.cancel_receipt),
        _l("Receipt cancelled."),
        "danger",
        40,
    ),
]


def _has_to_receive(order: PurchasingOrder) -> bool:
    return any(line.qty_to_receive > 0 for line in order.lines)


ORDER_ACTIONS = [
    Action(
        "receive",
        _l("Receive"),
        RECEIVER,
        ("confirmed",),
        lambda s, order, user: receipts.receive_order(s, order),
        _l("Draft receipt made."),
        "primary",
        30,
        when=_has_to_receive,
        page="purchasing.receipts.order_receive",
    ),
]


@bp.post("/receipt/<int:record_id>/act/<action>")
def receipt_act(record_id: int, action: str) -> Any:
    return act(receipt_form, ACTIONS, record_id, action, lambda _result: receipt_form)


def document_actions(document: Any, user: Any) -> list[Any]:
    if isinstance(document, PurchasingReceipt):
        return buttons(
            ACTIONS,
            document,
            user,
            lambda a: url_for(
                "purchasing.receipts.receipt_act", record_id=document.id, action=a.name
            ),
        )
    if isinstance(document, PurchasingOrder):
        return buttons(
            ORDER_ACTIONS, document, user, lambda a: url_for(a.page, record_id=document.id)
        )
    return []


# -- the order's Receive page -------------------------------------------------------------
def _line_name(line: Any) -> str:
    if line.description:
        return line.description
    return f"{line.product.code} {line.product.name}" if line.product is not None else ""


def _receive_rows(session: Any, order: PurchasingOrder) -> list[PickRow]:
    """Each order line still to receive; all that is left by default (more is checked
    against the company's tolerance by the service)."""
    return [
        PickRow(
            line.id,
            [_line_name(line), line.quantity, line.qty_received, line.qty_to_receive],
            left=None,
            default=line.qty_to_receive,
        )
        for line in order.lines
        if line.qty_to_receive > 0
    ]


def _receive(session: Any, order: PurchasingOrder, picked: dict[int, Decimal], user: Any) -> Any:
    return receipts.receive_order(session, order, picked)


receive_picker = LinePicker(
    form=order_ref,
    title=_l("Receive"),
    columns=[_l("Product"), _l("Ordered"), _l("Received"), _l("To receive")],
    input_label=_l("Quantity received"),
    rows=_receive_rows,
    run=_receive,
    next_url=lambda order, receipt: receipt_form.url(receipt),
    role=RECEIVER,
    done=_l("Draft receipt made."),
    submit=_l("Create draft receipt"),
    intro=_l(
        "What is left to receive is offered; change the quantities to what arrived. Check "
        "the draft, then post it with Receive."
    ),
    nothing=_l("Choose a quantity to receive on at least one line."),
    available=lambda order: order.state == "confirmed" and _has_to_receive(order),
)
receive_picker.register(bp, "/order/<int:record_id>/receive", "order_receive")
