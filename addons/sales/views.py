"""sales: the pages. Lists and record pages of quotes, orders, deliveries, invoices and
payments (core's ``ListView`` and ``FormView`` on the services the API and scripts call),
and the document actions (send, accept, confirm, ship, post, ...) as POST routes that run
one service in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.documents import TransitionRefused
from core.i18n import _, translate_message
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Partner
from core.schemas import MoneyField
from core.web import choices
from core.web.context import current_user, db_session, require_role
from core.web.forms import FormView, LinesSpec
from core.web.lists import ListView
from core.web.picking import Amount, LinePicker, PickRow

from . import deliveries, invoices, orders, payments, quotes
from .models import SalesDelivery, SalesInvoice, SalesOrder, SalesPayment, SalesQuote
from .schemas import (
    DELIVERY_STATUS,
    INVOICE_STATUS,
    KINDS,
    PAYMENT_STATES,
    DeliverySchema,
    InvoiceSchema,
    OrderSchema,
    PaymentSchema,
    QuoteSchema,
)
from .workflows import service_transition

bp = Blueprint("pages", __name__)

USER, ACCOUNTANT = "sales.user", "sales.accountant"

STATES = {
    "draft": _l("draft"),
    "sent": _l("sent"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected"),
    "expired": _l("expired"),
    "confirmed": _l("confirmed"),
    "done": _l("done"),
    "posted": _l("posted"),
    "cancelled": _l("cancelled"),
}


def _states(*names: str) -> dict[str, Any]:
    return {name: STATES[name] for name in names}


QUOTE_STATES = _states("draft", "sent", "accepted", "rejected", "expired", "cancelled")
ORDER_STATES = _states("draft", "confirmed", "cancelled")
DELIVERY_STATES = _states("draft", "done", "cancelled")
POSTED_STATES = _states("draft", "posted", "cancelled")
DRAFT = _l("(draft)")  # a document's label before it is numbered
LINE_FIELDS = ["product_id", "description", "quantity", "unit_price", "discount", "tax_rate"]


# -- choices for selects ------------------------------------------------------------------
_customers = choices.customers


_users = choices.members


_terms = choices.payment_terms


_products = choices.products


CHOICES = {
    "partner_id": _customers,
    "salesperson_id": _users,
    "payment_term_id": _terms,
    "product_id": _products,
}


# -- services taking the raw payload (the form and the API pass it as sent) ---------------
def _loader(schema: type[Schema], service: Callable[..., Any]) -> Callable[..., Any]:
    def create(session: Any, payload: dict[str, Any]) -> Any:
        return service(session, schema().load(payload))

    return create


def _updater(schema: type[Schema], service: Callable[..., Any]) -> Callable[..., Any]:
    def update(session: Any, record: Any, payload: dict[str, Any]) -> Any:
        # what is not sent is kept (a page always sends every field and its lines)
        data = schema().load(payload, partial=tuple(schema._declared_fields))
        return service(session, record, data)

    return update


def _same_lines(invoice: SalesInvoice, data: dict[str, Any]) -> dict[str, Any]:
    """The page sends an invoice's lines with its header: on an invoice made from an order
    (or a credit note), whose lines cannot change, lines sent back as they are mean only
    the header changes; changed lines go on to the service, which refuses them."""
    if "lines" not in data or (invoice.order_id is None and invoice.kind != "credit_note"):
        return data
    names = ("product_id", "quantity", "unit_price", "discount", "tax_rate")
    sent = data["lines"] or []
    same = len(sent) == len(invoice.lines) and all(
        all(row.get(n) is None or row.get(n) == getattr(line, n) for n in names)
        for row, line in zip(sent, invoice.lines, strict=False)
    )
    return {k: v for k, v in data.items() if k != "lines"} if same else data


class PaymentFormSchema(PaymentSchema):
    """The payment as shown: its amount is the document's total; what is not allocated."""

    amount = MoneyField(
        metadata={"label": _l("Amount")},
        attribute="amount_total",
        required=True,
        validate=PaymentSchema._declared_fields["amount"].validators,
    )
    amount_unallocated = MoneyField(dump_only=True, metadata={"label": _l("Unallocated")})


def create_payment(session: Any, payload: dict[str, Any]) -> SalesPayment:
    return payments.create_payment(session, PaymentSchema().load(payload))


def update_payment(session: Any, payment: SalesPayment, payload: dict[str, Any]) -> SalesPayment:
    data = PaymentSchema().load(payload, partial=tuple(PaymentSchema._declared_fields))
    return payments.update_payment(session, payment, data)


def _label(kind: Any) -> Callable[[Any], str]:
    return lambda doc: f"{kind} {doc.number or DRAFT}"


def _customer(doc: Any) -> str:
    return doc.partner.name if doc.partner is not None else ""


def _salesperson(doc: Any) -> str:
    person = doc.salesperson
    return (person.name or person.email) if person is not None else ""


# -- forms --------------------------------------------------------------------------------
def _link(relation: str, kind: str) -> Callable[[Any], tuple[str, str] | None]:
    """A read-only id field shown as the number of the document it names, linking to it."""

    def make(doc: Any) -> tuple[str, str] | None:
        other = getattr(doc, relation)
        if other is None:
            return None
        return str(other.number or DRAFT), FORMS[kind].url(other)

    return make


def _order_sections(order: SalesOrder) -> list[Any]:
    """An order's page lists its deliveries and invoices (credit notes included)."""
    from markupsafe import Markup

    from core.ui import FormSection

    session = db_session()
    found = [
        (_("Delivery"), delivery_form, d)
        for d in session.scalars(
            select(SalesDelivery)
            .where(SalesDelivery.order_id == order.id)
            .order_by(SalesDelivery.id)
        )
    ]
    for invoice in session.scalars(
        select(SalesInvoice).where(SalesInvoice.order_id == order.id).order_by(SalesInvoice.id)
    ):
        found.append((str(KINDS.get(invoice.kind, invoice.kind)), invoice_form, invoice))
    if not found:
        return []
    items = Markup("").join(
        Markup('<li>{} <a href="{}">{}</a> <span class="text-muted">{}</span></li>').format(
            kind, form.url(doc), doc.number or DRAFT, STATES.get(doc.state, doc.state)
        )
        for kind, form, doc in found
    )
    html = Markup('<ul class="list-unstyled mb-0 related-documents">{}</ul>').format(items)
    return [FormSection(_("Related documents"), str(html), sequence=20)]


def _in_state(*states: str) -> Callable[[Any], bool]:
    """A document's page may change it only in the states its service allows changes in."""
    return lambda doc: doc.state in states


quote_form = FormView(
    record_type="sales.quote",
    model=SalesQuote,
    schema=QuoteSchema,
    title=_l("Quote"),
    create=_loader(QuoteSchema, quotes.create_quote),
    update=_updater(QuoteSchema, quotes.update_quote),
    choices=CHOICES,
    lines=LinesSpec(fields=LINE_FIELDS),
    list_url=lambda: url("quotes"),
    read_role=USER,
    write_role=USER,
    label=_label(_l("Quote")),
    editable=_in_state("draft", "sent"),  # as quotes.update_quote allows
    defaults=lambda: {"salesperson_id": current_user().id},  # the service: valid 30 days
)
order_form = FormView(
    record_type="sales.order",
    model=SalesOrder,
    schema=OrderSchema,
    title=_l("Sales order"),
    create=_loader(OrderSchema, orders.create_order),
    update=_updater(OrderSchema, orders.update_order),
    choices=CHOICES,
    lines=LinesSpec(fields=LINE_FIELDS),
    list_url=lambda: url("orders"),
    read_role=USER,
    write_role=USER,
    label=_label(_l("Sales order")),
    links={"quote_id": _link("quote", "quote")},
    sections=_order_sections,
    editable=_in_state("draft"),
)
delivery_form = FormView(
    record_type="sales.delivery",
    model=SalesDelivery,
    schema=DeliverySchema,
    title=_l("Delivery"),
    update=_updater(DeliverySchema, deliveries.update_delivery),
    lines=LinesSpec(
        fields=["product", "description", "qty_ordered", "qty_left", "quantity"],
        blank_rows=0,
        hide=["order_line_id"],
    ),
    list_url=lambda: url("deliveries"),
    read_role=USER,
    write_role=USER,
    label=_label(_l("Delivery")),
    links={"order_id": _link("order", "order")},
    editable=_in_state("draft"),
)
invoice_form = FormView(
    record_type="sales.invoice",
    model=SalesInvoice,
    schema=InvoiceSchema,
    title=_l("Invoice"),
    create=_loader(InvoiceSchema, invoices.create_invoice),
    update=_updater(
        InvoiceSchema, lambda s, doc, data: invoices.update_invoice(s, doc, _same_lines(doc, data))
    ),
    choices=CHOICES,
    lines=LinesSpec(fields=LINE_FIELDS),
    list_url=lambda: url("invoices"),
    read_role=USER,
    write_role=ACCOUNTANT,
    label=lambda doc: f"{KINDS.get(doc.kind, doc.kind)} {doc.number or DRAFT}",
    links={"order_id": _link("order", "order"), "origin_id": _link("origin", "invoice")},
    editable=_in_state("draft"),
    # the lines of an invoice made from an order (or of a credit note) follow the order
    lines_editable=lambda doc: doc.order_id is None and doc.kind != "credit_note",
)


def _payment_sections(payment: SalesPayment) -> list[Any]:
    """A posted payment's page lists the invoices it paid."""
    from flask import render_template

    from core.ui import FormSection

    if payment.state != "posted":
        return []
    rows = payments.allocations_of(db_session(), payment)
    if not rows and payment.amount_unallocated <= 0:
        return []
    html = render_template(
        "sales/pages/allocations.html", payment=payment, rows=rows, url_of=invoice_form.url
    )
    return [FormSection(_("Allocated to"), html, sequence=10)]


payment_form = FormView(
    record_type="sales.payment",
    model=SalesPayment,
    schema=PaymentFormSchema,
    title=_l("Payment"),
    create=create_payment,
    update=update_payment,
    fields=["partner_id", "date", "amount", "method", "reference", "note", "amount_unallocated"],
    choices=CHOICES,
    list_url=lambda: url("payments"),
    read_role=USER,
    write_role=ACCOUNTANT,
    label=_label(_l("Payment")),
    sections=_payment_sections,
    editable=_in_state("draft"),
)
FORMS: dict[str, FormView] = {
    "quote": quote_form,
    "order": order_form,
    "delivery": delivery_form,
    "invoice": invoice_form,
    "payment": payment_form,
}


def url(endpoint: str, **values: Any) -> str:
    from flask import url_for

    return url_for(f"sales.pages.{endpoint}", **values)


# -- lists --------------------------------------------------------------------------------
def _base(model: type) -> Callable[[Any], Any]:
    """The documents with their customer joined: ``q`` searches the customer's name too."""
    return lambda _session: select(model).join(Partner, model.partner_id == Partner.id)


def _customer_filter(model: type) -> Filter:
    return Filter(
        "partner_id",
        _l("Customer"),
        model.partner_id,
        choices=lambda s: {str(k): v for k, v in _customers(s)},
    )


def _columns(states: dict[str, Any], salesperson: bool = True) -> list[Column]:
    cols = [
        Column("number", _l("Number"), nullable=True),
        Column("partner_id", _l("Customer"), value=_customer, sortable=False, groupable=True),
        Column("date", _l("Date"), kind="date"),
        Column("state", _l("State"), kind="state", choices=states, groupable=True),
    ]
    if salesperson:
        cols.append(
            Column(
                "salesperson_id",
                _l("Salesperson"),
                value=_salesperson,
                sortable=False,
                groupable=True,
            )
        )
    return cols


def _money(name: str, label: Any, visible: bool = True, sum_expr: Any = None) -> Column:
    return Column(
        name,
        label,
        kind="money",
        summable=True,
        visible=visible,
        currency=lambda d: d.currency,
        sum_expr=sum_expr,
    )


def _signed(amount: Any) -> Any:
    """An invoice amount as it counts in sums: a credit note's negative (it reduces what the
    customer owes); its row still shows the note's own amount."""
    from sqlalchemy import case

    return amount * case((SalesInvoice.kind == "credit_note", -1), else_=1)


def _spec(
    key: str,
    model: type,
    columns: list[Column],
    states: dict[str, Any],
    filters: list[Filter] = (),  # type: ignore[assignment]
    salesperson: bool = True,
    extra_load: tuple[Any, ...] = (),
) -> ListSpec:
    load = [joinedload(model.partner), *extra_load]
    if salesperson:
        load.append(joinedload(model.salesperson))
    return ListSpec(
        key,
        model,
        columns=columns,
        filters=[
            Filter("state", _l("State"), model.state, choices=states),
            _customer_filter(model),
            Filter("date", _l("Date"), model.date, kind="date"),
            *filters,
        ],
        search=[model.number, Partner.search_key],
        default_sort="-date",
        base=_base(model),
        load=load,
    )


quotes_list = ListView(
    _spec(
        "sales.quotes",
        SalesQuote,
        [
            *_columns(QUOTE_STATES),
            Column("valid_until", _l("Valid until"), kind="date"),
            _money("amount_untaxed", _l("Untaxed"), visible=False),
            _money("amount_total", _l("Total")),
        ],
        QUOTE_STATES,
    ),
    title=_l("Quotes"),
    form=quote_form,
    new_url=lambda: url("quote_new"),
    read_role=USER,
)
orders_list = ListView(
    _spec(
        "sales.orders",
        SalesOrder,
        [
            *_columns(ORDER_STATES),
            Column("client_reference", _l("Customer reference"), visible=False),
            Column(
                "delivery_status",
                _l("Delivered"),
                kind="choice",
                choices=DELIVERY_STATUS,
                groupable=True,
            ),
            Column(
                "invoice_status",
                _l("Invoiced"),
                kind="choice",
                choices=INVOICE_STATUS,
                groupable=True,
            ),
            _money("amount_untaxed", _l("Untaxed"), visible=False),
            _money("amount_total", _l("Total")),
        ],
        ORDER_STATES,
        [
            Filter(
                "invoice_status", _l("Invoiced"), SalesOrder.invoice_status, choices=INVOICE_STATUS
            )
        ],
    ),
    title=_l("Sales orders"),
    form=order_form,
    new_url=lambda: url("order_new"),
    read_role=USER,
)
deliveries_list = ListView(
    _spec(
        "sales.deliveries",
        SalesDelivery,
        [
            *_columns(DELIVERY_STATES, salesperson=False),
            Column(
                "order_id",
                _l("Sales order"),
                value=lambda d: d.order.number if d.order is not None else "",
                sortable=False,
            ),
            Column("carrier", _l("Carrier")),
            Column("tracking_reference", _l("Tracking reference"), visible=False),
        ],
        DELIVERY_STATES,
        salesperson=False,
        extra_load=(joinedload(SalesDelivery.order),),
    ),
    title=_l("Deliveries"),
    form=delivery_form,
    read_role=USER,
)


def _overdue_expr() -> Any:
    """Posted invoices still open whose due date is past (the filter's ``1``)."""
    from sqlalchemy import and_, func

    return and_(
        SalesInvoice.kind == "invoice",
        SalesInvoice.state == "posted",
        SalesInvoice.amount_residual > 0,
        SalesInvoice.due_date < func.current_date(),
    )


invoices_list = ListView(
    _spec(
        "sales.invoices",
        SalesInvoice,
        [
            *_columns(POSTED_STATES),
            Column("kind", _l("Kind"), kind="choice", choices=KINDS, groupable=True),
            Column("due_date", _l("Due date"), kind="date"),
            Column(
                "payment_state",
                _l("Payment"),
                kind="choice",
                choices=PAYMENT_STATES,
                groupable=True,
            ),
            _money(
                "amount_untaxed",
                _l("Untaxed"),
                visible=False,
                sum_expr=_signed(SalesInvoice.amount_untaxed),
            ),
            _money("amount_total", _l("Total"), sum_expr=_signed(SalesInvoice.amount_total)),
            _money("amount_residual", _l("Open"), sum_expr=_signed(SalesInvoice.amount_residual)),
        ],
        POSTED_STATES,
        [
            Filter("kind", _l("Kind"), SalesInvoice.kind, choices=KINDS),
            Filter(
                "payment_state",
                _l("Payment"),
                SalesInvoice.payment_state,
                choices=PAYMENT_STATES,
            ),
            Filter("due_date", _l("Due date"), SalesInvoice.due_date, kind="date"),
            Filter("overdue", _l("Overdue"), _overdue_expr(), kind="bool"),
        ],
    ),
    title=_l("Invoices"),
    form=invoice_form,
    new_url=lambda: url("invoice_new"),
    read_role=USER,
)
payments_list = ListView(
    _spec(
        "sales.payments",
        SalesPayment,
        [
            *_columns(POSTED_STATES, salesperson=False),
            Column(
                "method",
                _l("Method"),
                kind="choice",
                groupable=True,
                choices=dict(
                    zip(
                        PaymentSchema._declared_fields["method"].validators[0].choices,
                        PaymentSchema._declared_fields["method"].validators[0].labels,
                        strict=True,
                    )
                ),
            ),
            Column("reference", _l("Reference")),
            _money("amount_total", _l("Amount")),
            _money("amount_unallocated", _l("Unallocated")),
        ],
        POSTED_STATES,
        salesperson=False,
    ),
    title=_l("Payments"),
    form=payment_form,
    new_url=lambda: url("payment_new"),
    read_role=USER,
)

for _list, _form, _rule in (
    (quotes_list, quote_form, "/quotes"),
    (orders_list, order_form, "/orders"),
    (deliveries_list, delivery_form, "/deliveries"),
    (invoices_list, invoice_form, "/invoices"),
    (payments_list, payment_form, "/payments"),
):
    _list.register(bp, _rule)
    _form.register(bp, _rule)


# -- document actions ---------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """A button on a document's page: ``run(session, document, user)`` is the service; it
    returns the record to show next (another document, or None for the same one)."""

    name: str
    label: Any
    role: str
    states: tuple[str, ...]
    run: Callable[[Any, Any, Any], Any]
    done: Any
    style: str = "secondary"
    sequence: int = 100
    when: Callable[[Any], bool] = lambda _doc: True
    page: str = ""  # the page's button opens this picker (endpoint) instead of posting


def _send_quote(session: Any, quote: Any, user: Any) -> Any:
    """Send the quote with its PDF attached (rendered by core's PDF service)."""
    from core.web.pdf import render_pdf_template

    return quotes.send_quote(
        session, quote, user, pdf=lambda q: render_pdf_template(q.__pdf_template__, q)
    )


def _same(service: Callable[..., Any]) -> Callable[[Any, Any, Any], Any]:
    def run(session: Any, doc: Any, user: Any) -> Any:
        service(session, doc, user)
        return None

    return run


ACTIONS: dict[str, list[Action]] = {
    "quote": [
        Action(
            "send",
            _l("Send"),
            USER,
            ("draft",),
            _same(_send_quote),
            _l("Quote sent."),
            "primary",
            10,
        ),
        Action(
            "accept",
            _l("Accept"),
            USER,
            ("draft", "sent"),
            lambda s, d, u: quotes.accept_quote(s, d, u),
            _l("Quote accepted: the sales order is made."),
            "primary",
            20,
        ),
        Action(
            "reject",
            _l("Reject"),
            USER,
            ("sent",),
            _same(lambda s, d, u: service_transition(s, d, "reject", u)),
            _l("Quote rejected."),
            "danger",
            30,
        ),
        Action(
            "cancel",
            _l("Cancel"),
            USER,
            ("draft", "sent"),
            _same(lambda s, d, u: service_transition(s, d, "cancel", u)),
            _l("Quote cancelled."),
            "danger",
            40,
        ),
        Action(
            "reopen",
            _l("Reopen"),
            USER,
            ("rejected", "expired", "cancelled"),
            _same(quotes.reopen_quote),
            _l("Quote reopened: it is a draft again."),
            "secondary",
            50,
        ),
    ],
    "order": [
        Action(
            "confirm",
            _l("Confirm"),
            USER,
            ("draft",),
            _same(orders.confirm_order),
            _l("Order confirmed."),
            "primary",
            10,
        ),
        Action(
            "invoice",
            _l("Create invoice"),
            ACCOUNTANT,
            ("confirmed",),
            lambda s, d, u: invoices.invoice_order(s, d),
            _l("Draft invoice made."),
            "primary",
            20,
            when=lambda d: d.invoice_status == "to_invoice",
            page="order_invoice",
        ),
        Action(
            "cancel",
            _l("Cancel"),
            USER,
            ("draft", "confirmed"),
            _same(orders.cancel_order),
            _l("Order cancelled."),
            "danger",
            40,
            when=orders.cancellable,  # nothing delivered or invoiced
        ),
        Action(
            "reopen",
            _l("Reopen"),
            USER,
            ("cancelled",),
            _same(orders.reopen_order),
            _l("Order reopened: it is a draft again."),
            "secondary",
            50,
        ),
    ],
    "delivery": [
        Action(
            "ship",
            _l("Ship"),
            USER,
            ("draft",),
            _same(deliveries.ship_delivery),
            _l("Delivery shipped."),
            "primary",
            10,
        ),
        Action(
            "cancel",
            _l("Cancel"),
            USER,
            ("draft",),
            _same(deliveries.cancel_delivery),
            _l("Delivery cancelled."),
            "danger",
            40,
        ),
    ],
    "invoice": [
        Action(
            "post",
            _l("Post"),
            ACCOUNTANT,
            ("draft",),
            _same(invoices.post_invoice),
            _l("Invoice posted."),
            "primary",
            10,
        ),
        Action(
            "credit_note",
            _l("Credit note"),
            ACCOUNTANT,
            ("posted",),
            lambda s, d, u: invoices.credit_note(s, d),
            _l("Draft credit note made."),
            "secondary",
            20,
            when=lambda d: d.kind == "invoice",
            page="invoice_credit_note",
        ),
        Action(
            "use_credit",
            _l("Use credit"),
            ACCOUNTANT,
            ("posted",),
            _same(lambda s, d, u: payments.use_credit(s, d)),
            _l("The customer's credit is set against the invoice."),
            "secondary",
            30,
            when=lambda d: d.kind == "invoice" and d.amount_residual > 0 and _has_credit(d),
            page="invoice_use_credit",
        ),
        Action(
            "cancel",
            _l("Cancel"),
            ACCOUNTANT,
            ("draft",),
            _same(invoices.cancel_invoice),
            _l("Invoice cancelled."),
            "danger",
            40,
        ),
    ],
    "payment": [
        Action(
            "post",
            _l("Post"),
            ACCOUNTANT,
            ("draft",),
            _same(payments.post_payment),
            _l("Payment posted."),
            "primary",
            10,
            page="payment_post",
        ),
        Action(
            "cancel",
            _l("Cancel"),
            ACCOUNTANT,
            ("draft", "posted"),
            _same(payments.cancel_payment),
            _l("Payment cancelled."),
            "danger",
            40,
        ),
    ],
}
KIND_OF = {
    SalesQuote: "quote",
    SalesOrder: "order",
    SalesDelivery: "delivery",
    SalesInvoice: "invoice",
    SalesPayment: "payment",
}


def find_action(kind: str, name: str) -> Action | None:
    return next((a for a in ACTIONS.get(kind, []) if a.name == name), None)


def offered(document: Any) -> list[Action]:
    """The actions shown on ``document``'s page (state and condition; roles on click)."""
    kind = KIND_OF.get(type(document))
    if kind is None:
        return []
    return [a for a in ACTIONS[kind] if document.state in a.states and a.when(document)]


def run_action(kind: str, document: Any, action: Action) -> Any:
    """Run ``action`` in one transaction; refused: rolled back and raised again."""
    session = db_session()
    try:
        result = action.run(session, document, current_user())
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        messages = exc.messages
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

        walk(messages)
        return "; ".join(flat)
    return translate_message(str(exc))


@bp.post("/<kind>/<int:record_id>/act/<action>")
def act(kind: str, record_id: int, action: str) -> Any:
    """A document action's button: the service in one transaction, then the page again (or
    the document it made); a refusal is flashed and nothing is written."""
    form = FORMS.get(kind)
    step = find_action(kind, action)
    if form is None or step is None:
        abort(404)
    document = form.load(record_id)  # another company's: 404
    require_role(step.role)
    try:
        result = run_action(kind, document, step)
    except (ValidationError, TransitionRefused) as exc:
        flash(_message(exc), "danger")
        return redirect(form.url(form.load(record_id)))
    done = step.done
    if kind == "invoice" and action == "post" and document.kind == "credit_note":
        done = _l("Credit note posted.")
    flash(str(done), "success")
    if result is not None and type(result) in KIND_OF:
        return redirect(FORMS[KIND_OF[type(result)]].url(result))
    return redirect(form.url(document))


def document_actions(document: Any, user: Any) -> list[Any]:
    """``core.ui.DocumentAction`` buttons for a sales document (the hook's answer)."""
    from flask import has_request_context, url_for

    from core.auth import has_role
    from core.ui import DocumentAction
    from core.web.context import current_company, runtime

    kind = KIND_OF.get(type(document))
    if kind is None or not has_request_context():
        return []
    session, kernel, company = db_session(), runtime().kernel, current_company()
    allowed = {role: has_role(session, kernel, user, company, role) for role in (USER, ACCOUNTANT)}
    return [
        DocumentAction(
            a.name,
            str(a.label),
            url_for(f"sales.pages.{a.page}", record_id=document.id)
            if a.page
            else url_for("sales.pages.act", kind=kind, record_id=document.id, action=a.name),
            sequence=a.sequence,
            style=a.style,
            method="get" if a.page else "post",
        )
        for a in offered(document)
        if allowed.get(a.role)
    ]


# -- pages that choose quantities or invoices before the action ---------------------------
def _line_name(line: Any) -> str:
    if line.description:
        return line.description
    return f"{line.product.code} {line.product.name}" if line.product is not None else ""


def _available(kind: str, name: str) -> Callable[[Any], bool]:
    step = find_action(kind, name)
    assert step is not None
    return lambda doc: doc.state in step.states and step.when(doc)


def _order_rows(session: Any, order: SalesOrder) -> list[PickRow]:
    """Each order line with something left to invoice; all of it by default."""
    return [
        PickRow(
            line.id,
            [
                _line_name(line),
                line.quantity,
                None if line.is_service else line.qty_delivered,
                line.qty_invoiced,
                line.qty_to_invoice,
            ],
            left=line.qty_to_invoice,
            default=line.qty_to_invoice,
        )
        for line in order.lines
        if line.qty_to_invoice > 0
    ]


def _credit_rows(session: Any, invoice: SalesInvoice) -> list[PickRow]:
    """Each invoice line not yet credited in full; all that is left by default."""
    return [
        PickRow(
            line.id,
            [_line_name(line), line.quantity, line.quantity - left, left],
            left=left,
            default=left,
        )
        for line, left in invoices.creditable(session, invoice)
        if left > 0
    ]


def _has_credit(invoice: SalesInvoice) -> bool:
    return bool(payments.customer_credits(db_session(), invoice.partner_id))


def _credit_row_id(source: Any) -> int:
    """Payments and credit notes on one page: credit notes get negative row ids."""
    return source.id if isinstance(source, SalesPayment) else -source.id


def _use_credit_rows(session: Any, invoice: SalesInvoice) -> list[PickRow]:
    """The customer's credits, oldest first; by default the oldest cover the invoice."""
    from core.i18n import date_filter

    rows, open_amount = [], invoice.amount_residual
    for source in payments.customer_credits(session, invoice.partner_id):
        left = payments.credit_left(source)
        take = min(left, open_amount)
        open_amount -= take
        kind = _("Payment") if isinstance(source, SalesPayment) else _("Credit note")
        rows.append(
            PickRow(
                _credit_row_id(source),
                [
                    f"{kind} {source.number}",
                    date_filter(source.date),
                    Amount(left, source.currency),
                ],
                left=min(left, invoice.amount_residual),
                default=take if take > 0 else None,
            )
        )
    return rows


def _use_credit(session: Any, invoice: SalesInvoice, picked: dict, user: Any) -> Any:
    """The amounts typed per credit; the service's errors go back under their row."""
    chosen = list(picked.items())
    credits = [
        {"payment_id": i, "amount": a} if i > 0 else {"credit_note_id": -i, "amount": a}
        for i, a in chosen
    ]
    try:
        return payments.use_credit(session, invoice, credits)
    except ValidationError as exc:
        found = exc.messages.get("credits") if isinstance(exc.messages, dict) else None
        if not isinstance(found, dict):
            raise
        rows = {str(chosen[i][0]): v for i, v in found.items() if isinstance(i, int)}
        raise ValidationError({"credits": rows}) from exc


def _payment_rows(session: Any, payment: SalesPayment) -> list[PickRow]:
    """The customer's open invoices, oldest due first; nothing allocated by default."""
    from core.i18n import date_filter

    return [
        PickRow(
            invoice.id,
            [
                invoice.number,
                date_filter(invoice.date),
                date_filter(invoice.due_date),
                Amount(invoice.amount_total, invoice.currency),
                Amount(invoice.amount_residual, invoice.currency),
            ],
            left=invoice.amount_residual,
        )
        for invoice in payments.open_invoices(session, payment.partner_id)
    ]


def _post_payment(session: Any, payment: SalesPayment, picked: dict, user: Any) -> Any:
    """The amounts typed per invoice, in the list's order (none typed: oldest due first);
    the service's errors, kept per allocation, go back under their invoice."""
    order = [row.id for row in _payment_rows(session, payment) if row.id in picked]
    allocations = [{"invoice_id": i, "amount": picked[i]} for i in order] or None
    try:
        return payments.post_payment(session, payment, user, allocations)
    except ValidationError as exc:
        messages = exc.messages
        found = messages.get("allocations") if isinstance(messages, dict) else None
        if allocations is None or not isinstance(found, dict):
            raise
        rows = {str(order[i]): v for i, v in found.items() if isinstance(i, int)}
        extra = []
        total = sum(picked.values())
        if total > payment.amount_total:
            extra = [
                _(
                    "%(allocated)s allocated: more than the payment's %(amount)s.",
                    allocated=money_text(total, payment.currency),
                    amount=money_text(payment.amount_total, payment.currency),
                )
            ]
        raise ValidationError({"allocations": rows, "_schema": extra}) from exc


def money_text(amount: Any, currency: str) -> str:
    from core.i18n import money

    return money(amount, currency)


def _payment_intro(payment: SalesPayment) -> str:
    return _(
        "Amount %(amount)s. Type how much of it pays each invoice, or leave every amount "
        "empty to pay the oldest due invoices first. What is not allocated stays as the "
        "customer's credit.",
        amount=money_text(payment.amount_total, payment.currency),
    )


invoice_picker = LinePicker(
    form=order_form,
    title=_l("Create invoice"),
    columns=[_l("Product"), _l("Ordered"), _l("Delivered"), _l("Invoiced"), _l("To invoice")],
    input_label=_l("Quantity to invoice"),
    rows=_order_rows,
    run=lambda s, order, picked, user: invoices.invoice_order(s, order, picked),
    next_url=lambda order, invoice: invoice_form.url(invoice),
    role=ACCOUNTANT,
    done=_l("Draft invoice made."),
    submit=_l("Create draft invoice"),
    intro=_l("What is delivered and not invoiced yet is offered; invoice less by lowering it."),
    nothing=_l("Choose a quantity to invoice on at least one line."),
    available=_available("order", "invoice"),
)
credit_picker = LinePicker(
    form=invoice_form,
    title=_l("Credit note"),
    columns=[_l("Product"), _l("Invoiced"), _l("Credited"), _l("Left to credit")],
    input_label=_l("Quantity to credit"),
    rows=_credit_rows,
    run=lambda s, invoice, picked, user: invoices.credit_note(s, invoice, picked),
    next_url=lambda invoice, note: invoice_form.url(note),
    role=ACCOUNTANT,
    done=_l("Draft credit note made."),
    submit=_l("Create draft credit note"),
    intro=_l("The credit note reverses the quantities chosen at the invoice's prices."),
    nothing=_l("Choose a quantity to credit on at least one line."),
    available=_available("invoice", "credit_note"),
)
payment_picker = LinePicker(
    form=payment_form,
    title=_l("Post payment"),
    columns=[_l("Invoice"), _l("Date"), _l("Due date"), _l("Total"), _l("Open")],
    input_label=_l("Amount to pay"),
    rows=_payment_rows,
    run=_post_payment,
    next_url=lambda payment, _result: payment_form.url(payment),
    role=ACCOUNTANT,
    done=_l("Payment posted."),
    submit=_l("Post"),
    intro=_payment_intro,
    places=2,
    available=_available("payment", "post"),
)
use_credit_picker = LinePicker(
    form=invoice_form,
    title=_l("Use credit"),
    columns=[_l("Credit"), _l("Date"), _l("Left")],
    input_label=_l("Amount to use"),
    rows=_use_credit_rows,
    run=_use_credit,
    next_url=lambda invoice, _result: invoice_form.url(invoice),
    role=ACCOUNTANT,
    done=_l("The customer's credit is set against the invoice."),
    submit=_l("Use credit"),
    intro=_l(
        "The customer's payments not allocated in full and credit notes with something left. "
        "The oldest are offered first; change the amounts to use others."
    ),
    nothing=_l("Type an amount on at least one credit."),
    places=2,
    available=_available("invoice", "use_credit"),
)
invoice_picker.register(bp, "/order/<int:record_id>/invoice", "order_invoice")
use_credit_picker.register(bp, "/invoice/<int:record_id>/use_credit", "invoice_use_credit")
credit_picker.register(bp, "/invoice/<int:record_id>/credit_note", "invoice_credit_note")
payment_picker.register(bp, "/payment/<int:record_id>/post", "payment_post")
