"""purchasing: the purchase order pages and the approved requisitions report.

Purchase orders: the list (state, vendor, warehouse, dates, receipt and invoice status), the
record page (core's ``FormView`` on ``orders``' services) and the order's buttons (confirm
and send, confirm without sending, done, cancel, reopen) as POST routes running one service
in one transaction, like sales'.

The approved requisitions report: the lines of approved requisitions not ordered yet, by
vendor, product and needed-by date, with filters, XLSX export (core's list), a PDF of what
the filters show, and the button that makes purchase orders of them (``ordering``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, request
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from core.documents import TransitionRefused
from core.i18n import _, translate_message
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Partner
from core.web import choices
from core.web.context import current_user, db_session, require_role
from core.web.forms import FormView, LinesSpec
from core.web.lists import ListView

from . import orders
from .models import PurchasingOrder, PurchasingRequisition, PurchasingRequisitionLine
from .schemas import INVOICE_STATUS, ORIGINS, RECEIPT_STATUS, OrderSchema
from .views import _users, _vendors, _warehouses

bp = Blueprint("orders", __name__)

USER, BUYER = "purchasing.user", "purchasing.buyer"
STATES = {
    "draft": _l("draft"),
    "confirmed": _l("confirmed"),
    "done": _l("done"),
    "cancelled": _l("cancelled"),
}
DRAFT = _l("(draft)")
TITLE = _l("Purchase order")
LINE_FIELDS = [
    "product_id",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "tax_rate",
    "needed_by",
]


_terms = choices.payment_terms


_products = choices.products


CHOICES = {
    "partner_id": _vendors,
    "warehouse_id": _warehouses,
    "payment_term_id": _terms,
    "buyer_id": _users,
    "product_id": _products,
}


def url(endpoint: str, **values: Any) -> str:
    from flask import url_for

    return url_for(f"purchasing.orders.{endpoint}", **values)


def _create(session: Any, payload: dict[str, Any]) -> Any:
    return orders.create_order(session, OrderSchema().load(payload))


def _update(session: Any, record: Any, payload: dict[str, Any]) -> Any:
    data = OrderSchema().load(payload, partial=tuple(OrderSchema._declared_fields))
    return orders.update_order(session, record, data)


def _label(doc: Any) -> str:
    return f"{TITLE} {doc.number or DRAFT}"


order_form = FormView(
    record_type="purchasing.order",
    model=PurchasingOrder,
    schema=OrderSchema,
    title=TITLE,
    create=_create,
    update=_update,
    choices=CHOICES,
    lines=LinesSpec(fields=LINE_FIELDS),
    list_url=lambda: url("orders"),
    read_role=USER,
    write_role=BUYER,
    label=_label,
    editable=lambda doc: doc.state in orders.EDITABLE,
    defaults=lambda: {"buyer_id": current_user().id},
)


def _vendor(doc: Any) -> str:
    return doc.partner.name if doc.partner is not None else ""


def _warehouse(doc: Any) -> str:
    return doc.warehouse.name if doc.warehouse is not None else ""


def _vendor_choices(session: Any) -> dict[str, str]:
    return {str(k): v for k, v in _vendors(session)}


def _warehouse_choices(session: Any) -> dict[str, str]:
    return {str(k): v for k, v in _warehouses(session)}


PO = PurchasingOrder
orders_list = ListView(
    ListSpec(
        "purchasing.orders",
        PO,
        columns=[
            Column("number", _l("Number"), nullable=True),
            Column("date", _l("Date"), kind="date"),
            Column("partner_id", _l("Vendor"), value=_vendor, sortable=False, groupable=True),
            Column("state", _l("State"), kind="state", choices=STATES, groupable=True),
            Column("warehouse_id", _l("Warehouse"), value=_warehouse, sortable=False),
            Column("expected_date", _l("Expected date"), kind="date", nullable=True),
            Column("origin", _l("Origin"), kind="choice", choices=ORIGINS, visible=False),
            Column(
                "receipt_status",
                _l("Received"),
                kind="choice",
                choices=RECEIPT_STATUS,
                groupable=True,
            ),
            Column(
                "invoice_status",
                _l("Invoiced"),
                kind="choice",
                choices=INVOICE_STATUS,
                groupable=True,
            ),
            Column("amount_untaxed", _l("Untaxed"), kind="money", summable=True, visible=False),
            Column("amount_total", _l("Total"), kind="money", summable=True),
        ],
        filters=[
            Filter("state", _l("State"), PO.state, choices=STATES),
            Filter("partner_id", _l("Vendor"), PO.partner_id, choices=_vendor_choices),
            Filter("warehouse_id", _l("Warehouse"), PO.warehouse_id, choices=_warehouse_choices),
            Filter("date", _l("Date"), PO.date, kind="date"),
            Filter("expected_date", _l("Expected date"), PO.expected_date, kind="date"),
            Filter("origin", _l("Origin"), PO.origin, choices=ORIGINS),
            Filter("receipt_status", _l("Received"), PO.receipt_status, choices=RECEIPT_STATUS),
        ],
        search=[PO.number, PO.vendor_reference, Partner.search_key],
        default_sort="-date",
        base=lambda _s: select(PO).join(Partner, PO.partner_id == Partner.id),
        load=[joinedload(PO.partner), joinedload(PO.warehouse)],
    ),
    title=_l("Purchase orders"),
    form=order_form,
    new_url=lambda: url("order_new"),
    read_role=USER,
)
orders_list.register(bp, "/orders")
order_form.register(bp, "/orders")


# -- the order's buttons --------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """A button on the order's page: ``run(session, order, user)`` is the service."""

    name: str
    label: Any
    role: str
    states: tuple[str, ...]
    run: Callable[[Any, Any, Any], Any]
    done: Any
    style: str = "secondary"
    sequence: int = 100
    when: Callable[[Any], bool] = lambda _doc: True


def render_order_pdf(order: PurchasingOrder) -> bytes:
    from core.web.pdf import render_pdf_template

    return render_pdf_template(order.__pdf_template__, order)


def _confirm(mail: bool) -> Callable[[Any, Any, Any], Any]:
    def run(session: Any, order: Any, user: Any) -> Any:
        return orders.confirm_order(session, order, user, pdf=render_order_pdf, mail=mail)

    return run


ACTIONS: list[Action] = [
    Action(
        "confirm",
        _l("Confirm and send"),
        BUYER,
        ("draft",),
        _confirm(True),
        _l("Order confirmed and sent to the vendor."),
        "primary",
        10,
    ),
    Action(
        "confirm_only",
        _l("Confirm without sending"),
        BUYER,
        ("draft",),
        _confirm(False),
        _l("Order confirmed."),
        "secondary",
        15,
    ),
    Action(
        "done",
        _l("Mark done"),
        BUYER,
        ("confirmed",),
        orders.done_order,
        _l("Order marked done."),
        "secondary",
        30,
    ),
    Action(
        "cancel",
        _l("Cancel"),
        BUYER,
        ("draft", "confirmed"),
        orders.cancel_order,
        _l("Order cancelled."),
        "danger",
        40,
        when=orders.cancellable,
    ),
    Action(
        "reopen",
        _l("Reopen"),
        BUYER,
        ("cancelled",),
        orders.reopen_order,
        _l("Order reopened: it is a draft again."),
        "secondary",
        50,
    ),
]


def find_action(name: str) -> Action | None:
    return next((a for a in ACTIONS if a.name == name), None)


def message_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        flat: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item)
            else:
                flat.append(translate_message(value))

        walk(exc.messages)
        return "; ".join(flat)
    return translate_message(str(exc))


def run_in_transaction(service: Callable[..., Any], *args: Any) -> Any:
    session = db_session()
    try:
        result = service(session, *args)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


@bp.post("/orders/<int:record_id>/act/<action>")
def act(record_id: int, action: str) -> Any:
    """An order's button: the service in one transaction, then the page again; a refusal
    is flashed and nothing is written."""
    step = find_action(action)
    if step is None:
        abort(404)
    order = order_form.load(record_id)  # another company's: 404
    require_role(step.role)
    if order.state not in step.states or not step.when(order):
        flash(_("Not possible in this state."), "danger")
        return redirect(order_form.url(order))
    try:
        run_in_transaction(step.run, order, current_user())
    except (ValidationError, TransitionRefused) as exc:
        flash(message_of(exc), "danger")
        return redirect(order_form.url(order_form.load(record_id)))
    flash(str(step.done), "success")
    return redirect(order_form.url(order))


def document_actions(document: Any, user: Any) -> list[Any]:
    """``core.ui.DocumentAction`` buttons for a purchase order (the hook's answer)."""
    from flask import has_request_context, url_for

    from core.auth import has_role
    from core.ui import DocumentAction
    from core.web.context import current_company, runtime

    if not isinstance(document, PurchasingOrder) or not has_request_context():
        return []
    if not has_role(db_session(), runtime().kernel, user, current_company(), BUYER):
        return []
    return [
        DocumentAction(
            a.name,
            str(a.label),
            url_for("purchasing.orders.act", record_id=document.id, action=a.name),
            sequence=a.sequence,
            style=a.style,
        )
        for a in ACTIONS
        if document.state in a.states and a.when(document)
    ]


# -- the approved requisitions report ---------------------------------------------------------
L, R = PurchasingRequisitionLine, PurchasingRequisition
TO_ORDER = L.quantity - L.qty_ordered
NEEDED_BY = func.coalesce(L.needed_by, R.needed_by)


def _approved_base(_session: Any) -> Any:
    return (
        select(L)
        .join(R, R.id == L.requisition_id)
        .outerjoin(Partner, Partner.id == L.vendor_id)
        .where(R.state == "approved", L.quantity > L.qty_ordered)
    )


def _product_choices(session: Any) -> dict[str, str]:
    return {str(k): v for k, v in _products(session)}


def _line_vendor(line: Any) -> str:
    return line.vendor.name if line.vendor is not None else ""


def _line_product(line: Any) -> str:
    product = line.product
    return f"{product.code} {product.name}" if product is not None else line.description


def _line_needed_by(line: Any) -> Any:
    return line.needed_by or line.requisition.needed_by


approved_lines = ListView(
    ListSpec(
        "purchasing.approved_lines",
        L,
        columns=[
            Column(
                "vendor_id",
                _l("Vendor"),
                value=_line_vendor,
                groupable=True,
                nullable=True,
            ),
            Column(
                "product_id", _l("Product"), value=_line_product, sortable=False, groupable=True
            ),
            Column(
                "needed_by",
                _l("Needed by"),
                expr=NEEDED_BY,
                kind="date",
                value=_line_needed_by,
                nullable=True,
            ),
            Column(
                "requisition_id",
                _l("Requisition"),
                expr=R.number,
                value=lambda ln: ln.requisition.number or "",
            ),
            Column(
                "warehouse_id",
                _l("Warehouse"),
                value=lambda ln: ln.requisition.warehouse.name,
                sortable=False,
            ),
            Column("quantity", _l("Quantity"), kind="number"),
            Column("qty_ordered", _l("Ordered"), kind="number", visible=False),
            Column(
                "to_order",
                _l("To order"),
                expr=TO_ORDER,
                kind="number",
                value=lambda ln: ln.qty_to_order,
                summable=True,
                sum_expr=TO_ORDER,
            ),
            Column("unit_price", _l("Estimated unit price"), kind="money"),
            Column("net", _l("Estimated amount"), kind="money", summable=True),
        ],
        filters=[
            Filter("vendor_id", _l("Vendor"), L.vendor_id, choices=_vendor_choices),
            Filter("product_id", _l("Product"), L.product_id, choices=_product_choices),
            Filter("warehouse_id", _l("Warehouse"), R.warehouse_id, choices=_warehouse_choices),
            Filter("needed_by", _l("Needed by"), NEEDED_BY, kind="date"),
            Filter("no_vendor", _l("Without vendor"), L.vendor_id.is_(None), kind="bool"),
        ],
        search=[R.number, L.description, Partner.name],
        default_sort="needed_by",
        base=_approved_base,
        load=[
            joinedload(L.vendor),
            joinedload(L.product),
            joinedload(L.requisition).joinedload(R.warehouse),
        ],
    ),
    title=_l("Approved requisitions"),
    row_url=lambda ln: url("requisition_of_line", requisition_id=ln.requisition_id),
    read_role=USER,
    template="purchasing/approved_lines.html",
)
approved_lines.register(bp, "/approved-lines")


@bp.get("/approved-lines/requisition/<int:requisition_id>")
def requisition_of_line(requisition_id: int) -> Any:
    from flask import url_for

    return redirect(url_for("purchasing.pages.requisition", record_id=requisition_id))


@bp.get("/approved-lines.pdf")
def approved_lines_pdf() -> Any:
    """The report as a PDF: every line the filters select (not only one page)."""
    from flask import Response

    from core.listing import all_rows
    from core.web.pdf import render_pdf_template

    require_role(USER)
    args = request.args.copy()
    args.pop("export", None)
    req = approved_lines.parse(args)
    lines = list(all_rows(approved_lines.spec, req, db_session()))
    document = _ReportDocument()
    body = render_pdf_template("purchasing/pdf/approved_lines.html", document, lines=lines)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="approved-requisitions.pdf"'},
    )


class _ReportDocument:
    """What core's PDF base needs of a "document" for a report."""

    number = None
    date = None
    partner = None
    lines: list[Any] = []
    amount_untaxed = amount_tax = amount_total = 0

    def __init__(self) -> None:
        from core.documents import today
        from core.tenancy import company_of

        self.date = today()
        self.company_id = company_of(db_session())
        self.display_name = str(_("Approved requisitions"))


@bp.post("/approved-lines/order")
def order_approved() -> Any:
    """The report's button: purchase orders of every approved line (or of the requisitions
    ``requisition_ids`` names); the orders made and the lines without a vendor are shown."""
    from markupsafe import Markup, escape

    from .ordering import order_requisitions

    require_role(BUYER)
    ids = [int(v) for v in request.form.getlist("requisition_ids") if v.isdigit()] or None
    session = db_session()
    try:
        result = order_requisitions(session, current_user(), ids, pdf=render_order_pdf)
        made = [(o.id, o.number) for o in result.orders]
        session.commit()
    except (ValidationError, TransitionRefused) as exc:
        session.rollback()
        flash(message_of(exc), "danger")
        return redirect(url("approved_lines"))
    if made:
        flash(_("%(count)s purchase orders made.", count=len(made)), "success")
    else:
        flash(_("Nothing to order."), "info")
    if result.exceptions:
        items = Markup("").join(
            Markup("<li>{} {}: {} ({})</li>").format(
                escape(e.requisition_number or ""),
                escape(e.description),
                escape(str(e.quantity)),
                escape(translate_message(e.reason)),
            )
            for e in result.exceptions
        )
        flash(
            Markup("{}<ul>{}</ul>").format(_("These lines were not ordered (no vendor):"), items),
            "warning",
        )
    return redirect(url("approved_lines"))
