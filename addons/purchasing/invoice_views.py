"""purchasing: the vendor invoices' pages. The list (state, vendor, order, dates, open
amount, over the order's price), the invoice's record page (core's ``FormView``: the
vendor's number, dates, term, and the lines' quantities and vendor prices while a draft;
an invoice without an order has free lines), its buttons (*Post* submits it to the
three-way match, *Cancel*, *Back to draft*; *Approve*/*Reject* are core's approval
buttons while it waits), and the order's *Create vendor invoice* page choosing the
quantities (received and not invoiced by default)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import PaymentTerm
from core.schemas import NOT_NEGATIVE, MoneyField, PriceField, QuantityField, one_of
from core.web import choices
from core.web.forms import FormView, LinesSpec
from core.web.lists import ListView
from core.web.picking import LinePicker, PickRow

from . import invoices
from .match_actions import Action, act, buttons, same
from .models import PurchasingInvoice, PurchasingOrder
from .receipt_views import ORDER_TITLE, _line_name, _order_link, order_ref, vendor_choices

bp = Blueprint("vendor_invoices", __name__)

USER, ACCOUNTANT = "purchasing.user", "purchasing.accountant"
POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))
STATES = {
    "draft": _l("draft"),
    "submitted": _l("waiting for approval"),
    "posted": _l("posted"),
    "rejected": _l("rejected"),
    "cancelled": _l("cancelled"),
}
PAYMENT_STATES = {"not_paid": _l("not paid"), "partial": _l("partly paid"), "paid": _l("paid")}
DRAFT = _l("(draft)")
TITLE = _l("Vendor invoice")


class VendorInvoiceLineSchema(Schema):
    """A vendor invoice line. From an order: ``id`` (or ``order_line_id``), the quantity and
    the vendor's unit price; without an order: product or description, quantity, price."""

    id = fields.Integer(allow_none=True, load_default=None)
    order_line_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Order line")}
    )
    product_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"label": _l("Product")}
    )
    description = fields.String(
        metadata={"label": _l("Description")}, load_default="", validate=validate.Length(max=300)
    )
    quantity = QuantityField(metadata={"label": _l("Quantity")}, required=True, validate=POSITIVE)
    unit_price = PriceField(
        metadata={"label": _l("Unit price")},
        allow_none=True,
        load_default=None,
        validate=NOT_NEGATIVE,
    )
    discount = MoneyField(
        metadata={"label": _l("Discount %")},
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=100),
    )
    tax_rate = fields.Integer(
        metadata={"label": _l("KDV %")},
        allow_none=True,
        load_default=None,
        validate=validate.OneOf([0, 1, 10, 20]),
    )
    order_price = PriceField(dump_only=True, allow_none=True, metadata={"label": _l("Order price")})
    net = MoneyField(dump_only=True, metadata={"label": _l("Amount")})


class VendorInvoiceSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    partner_id = fields.Integer(
        metadata={"label": _l("Vendor")}, allow_none=True, load_default=None
    )
    order_id = fields.Integer(dump_only=True, allow_none=True, metadata={"label": ORDER_TITLE})
    vendor_number = fields.String(
        metadata={"label": _l("Vendor's invoice number")},
        load_default="",
        validate=validate.Length(max=60),
    )
    date = fields.Date(metadata={"label": _l("Invoice date")}, load_default=None)
    payment_term_id = fields.Integer(
        metadata={"label": _l("Payment term")}, allow_none=True, load_default=None
    )
    due_date = fields.Date(metadata={"label": _l("Due date")}, allow_none=True, load_default=None)
    note = fields.String(
        metadata={"label": _l("Note"), "widget": "textarea"},
        load_default="",
        validate=validate.Length(max=2000),
    )
    currency = fields.String(dump_only=True)
    amount_untaxed = MoneyField(dump_only=True, metadata={"label": _l("Untaxed")})
    amount_tax = MoneyField(dump_only=True, metadata={"label": _l("KDV")})
    amount_total = MoneyField(dump_only=True, metadata={"label": _l("Total")})
    price_excess = MoneyField(dump_only=True, metadata={"label": _l("Over the order's price")})
    amount_paid = MoneyField(dump_only=True, metadata={"label": _l("Paid")})
    amount_residual = MoneyField(dump_only=True, metadata={"label": _l("Open")})
    payment_state = fields.String(
        dump_only=True, metadata={"label": _l("Payment status")}, validate=one_of(PAYMENT_STATES)
    )
    lines = fields.List(fields.Nested(VendorInvoiceLineSchema), load_default=None)


def _create(session: Any, payload: dict[str, Any]) -> Any:
    return invoices.create_invoice(session, VendorInvoiceSchema().load(payload))


def _update(session: Any, record: Any, payload: dict[str, Any]) -> Any:
    data = VendorInvoiceSchema().load(payload, partial=tuple(VendorInvoiceSchema._declared_fields))
    return invoices.update_invoice(session, record, data)


def _terms(session: Any) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in session.scalars(select(PaymentTerm).order_by(PaymentTerm.days))]


_products = choices.products


CHOICES = {"partner_id": vendor_choices, "payment_term_id": _terms, "product_id": _products}
FIELDS = [
    "partner_id",
    "order_id",
    "vendor_number",
    "date",
    "payment_term_id",
    "due_date",
    "note",
    "price_excess",
    "amount_residual",
    "payment_state",
]

invoice_form = FormView(
    record_type="purchasing.invoice",
    model=PurchasingInvoice,
    schema=VendorInvoiceSchema,
    title=TITLE,
    create=_create,
    update=_update,
    fields=FIELDS,
    choices=CHOICES,
    lines=LinesSpec(
        fields=[
            "product_id",
            "description",
            "quantity",
            "unit_price",
            "discount",
            "tax_rate",
            "order_price",
        ],
        hide=["order_line_id"],
    ),
    list_url=lambda: url_for("purchasing.vendor_invoices.invoices"),
    read_role=USER,
    write_role=ACCOUNTANT,
    label=lambda doc: f"{TITLE} {doc.number or DRAFT}",
    links={"order_id": _order_link},
    editable=lambda doc: doc.state == "draft",
)

VI = PurchasingInvoice


def _vendor(doc: Any) -> str:
    return doc.partner.name if doc.partner is not None else ""


invoices_list = ListView(
    ListSpec(
        "purchasing.invoices",
        VI,
        columns=[
            Column("number", _l("Number"), nullable=True),
            Column("date", _l("Date"), kind="date"),
            Column("state", _l("State"), kind="state", choices=STATES, groupable=True),
            Column("partner_id", _l("Vendor"), value=_vendor, sortable=False, groupable=True),
            Column("vendor_number", _l("Vendor's invoice number")),
            Column(
                "order_id",
                ORDER_TITLE,
                value=lambda d: (d.order.number or "") if d.order else "",
                sortable=False,
            ),
            Column("due_date", _l("Due date"), kind="date", nullable=True),
            Column("amount_total", _l("Total"), kind="money", summable=True),
            Column("amount_residual", _l("Open"), kind="money", summable=True),
            Column("price_excess", _l("Over the order's price"), kind="money", visible=False),
            Column(
                "payment_state",
                _l("Payment status"),
                kind="choice",
                choices=PAYMENT_STATES,
                groupable=True,
            ),
        ],
        filters=[
            Filter("state", _l("State"), VI.state, choices=STATES),
            Filter(
                "partner_id",
                _l("Vendor"),
                VI.partner_id,
                choices=lambda s: {str(k): v for k, v in vendor_choices(s)},
            ),
            Filter("order_id", ORDER_TITLE, VI.order_id, kind="number"),
            Filter("date", _l("Date"), VI.date, kind="date"),
            Filter("due_date", _l("Due date"), VI.due_date, kind="date"),
            Filter("payment_state", _l("Payment status"), VI.payment_state, choices=PAYMENT_STATES),
            Filter("amount_residual", _l("Open"), VI.amount_residual, kind="number"),
        ],
        search=[VI.number, VI.vendor_number, VI.note],
        default_sort="-date",
        load=[joinedload(VI.partner), joinedload(VI.order)],
    ),
    title=_l("Vendor invoices"),
    form=invoice_form,
    new_url=lambda: url_for("purchasing.vendor_invoices.invoice_new"),
    read_role=USER,
)
invoices_list.register(bp, "/invoices")
invoice_form.register(bp, "/invoices")


# -- buttons ------------------------------------------------------------------------------
ACTIONS = [
    Action(
        "post",
        _l("Post"),
        ACCOUNTANT,
        ("draft",),
        same(invoices.submit_invoice),
        _l("Invoice submitted: posted, or waiting for approval when over the order's price."),
        "primary",
        10,
    ),
    Action(
        "cancel",
        _l("Cancel"),
        ACCOUNTANT,
        ("draft", "rejected"),
        same(invoices.cancel_invoice),
        _l("Invoice cancelled."),
        "danger",
        40,
    ),
    Action(
        "reopen",
        _l("Back to draft"),
        ACCOUNTANT,
        ("rejected",),
        same(invoices.reopen_invoice),
        _l("The invoice is a draft again."),
        "secondary",
        50,
    ),
]


def _has_to_invoice(order: PurchasingOrder) -> bool:
    return any(line.qty_to_invoice > 0 for line in order.lines)


ORDER_ACTIONS = [
    Action(
        "invoice",
        _l("Create vendor invoice"),
        ACCOUNTANT,
        ("confirmed",),
        lambda s, order, user: invoices.invoice_order(s, order),
        _l("Draft vendor invoice made."),
        "primary",
        35,
        when=_has_to_invoice,
        page="purchasing.vendor_invoices.order_invoice",
    ),
]


@bp.post("/invoice/<int:record_id>/act/<action>")
def invoice_act(record_id: int, action: str) -> Any:
    return act(invoice_form, ACTIONS, record_id, action, lambda _result: invoice_form)


def document_actions(document: Any, user: Any) -> list[Any]:
    if isinstance(document, PurchasingInvoice):
        return buttons(
            ACTIONS,
            document,
            user,
            lambda a: url_for(
                "purchasing.vendor_invoices.invoice_act", record_id=document.id, action=a.name
            ),
        )
    if isinstance(document, PurchasingOrder):
        return buttons(
            ORDER_ACTIONS, document, user, lambda a: url_for(a.page, record_id=document.id)
        )
    return []


# -- the order's Create vendor invoice page -----------------------------------------------
def _invoice_rows(session: Any, order: PurchasingOrder) -> list[PickRow]:
    return [
        PickRow(
            line.id,
            [_line_name(line), line.quantity, line.qty_received, line.qty_invoiced],
            left=line.qty_to_invoice,
            default=line.qty_to_invoice,
        )
        for line in order.lines
        if line.qty_to_invoice > 0
    ]


def _invoice(session: Any, order: PurchasingOrder, picked: dict[int, Decimal], user: Any) -> Any:
    return invoices.invoice_order(session, order, picked)


invoice_picker = LinePicker(
    form=order_ref,
    title=_l("Create vendor invoice"),
    columns=[_l("Product"), _l("Ordered"), _l("Received"), _l("Invoiced")],
    input_label=_l("Quantity to invoice"),
    rows=_invoice_rows,
    run=_invoice,
    next_url=lambda order, invoice: invoice_form.url(invoice),
    role=ACCOUNTANT,
    done=_l("Draft vendor invoice made."),
    submit=_l("Create draft invoice"),
    intro=_l(
        "What is received and not invoiced yet is offered at the order's prices. On the "
        "draft, type the vendor's invoice number and the prices they invoiced."
    ),
    nothing=_l("Choose a quantity to invoice on at least one line."),
    available=lambda order: order.state == "confirmed" and _has_to_invoice(order),
)
invoice_picker.register(bp, "/order/<int:record_id>/invoice", "order_invoice")
