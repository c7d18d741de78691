"""purchasing: the vendor payment pages. The payments list, the payment's record page
(core's ``FormView`` on the services of ``payments``), its post page choosing the invoices
to pay (``core.web.picking.LinePicker``, like sales' received payments) and its cancel
button, and the vendor balances list (``ledger.balances``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.documents import TransitionRefused
from core.i18n import _, translate_message
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import Partner
from core.web import choices
from core.web.context import current_user, db_session, require_role
from core.web.forms import RECORDS, FormView
from core.web.lists import ListView
from core.web.picking import Amount, LinePicker, PickRow

from . import ledger, payments
from .models import PurchasingPayment
from .payment_schemas import METHOD_LABELS, METHODS, VendorPaymentFormSchema, VendorPaymentSchema

bp = Blueprint("payments", __name__)

USER, ACCOUNTANT = "purchasing.user", "purchasing.accountant"
STATES = {"draft": _l("draft"), "posted": _l("posted"), "cancelled": _l("cancelled")}
DRAFT = _l("(draft)")


def url(endpoint: str, **values: Any) -> str:
    from flask import url_for

    return url_for(f"purchasing.payments.{endpoint}", **values)


_vendors = choices.vendors


# -- the record page ----------------------------------------------------------------------
def create_payment(session: Any, payload: dict[str, Any]) -> PurchasingPayment:
    return payments.create_payment(session, VendorPaymentSchema().load(payload))


def update_payment(
    session: Any, payment: PurchasingPayment, payload: dict[str, Any]
) -> PurchasingPayment:
    fields = tuple(VendorPaymentSchema._declared_fields)
    data = VendorPaymentSchema().load(payload, partial=fields)
    return payments.update_payment(session, payment, data)


def invoice_url(invoice: Any) -> str:
    """The vendor invoice's page when the add-on has one, else nothing."""
    form = RECORDS.get("purchasing.invoice")
    if form is None or not form.endpoint:  # no invoice pages (yet)
        return ""
    return form.url(invoice)


def _payment_sections(payment: PurchasingPayment) -> list[Any]:
    """A posted payment's page lists the invoices it paid and the advance left."""
    from core.ui import FormSection

    if payment.state != "posted":
        return []
    rows = payments.allocations_of(db_session(), payment)
    if not rows and payment.amount_unallocated <= 0:
        return []
    html = render_template(
        "purchasing/pages/allocations.html", payment=payment, rows=rows, url_of=invoice_url
    )
    return [FormSection(_("Allocated to"), html, sequence=10)]


payment_form = FormView(
    record_type="purchasing.payment",
    model=PurchasingPayment,
    schema=VendorPaymentFormSchema,
    title=_l("Vendor payment"),
    create=create_payment,
    update=update_payment,
    fields=["partner_id", "date", "amount", "method", "reference", "note", "amount_unallocated"],
    choices={"partner_id": _vendors},
    list_url=lambda: url("payments"),
    read_role=USER,
    write_role=ACCOUNTANT,
    label=lambda doc: f"{_('Vendor payment')} {doc.number or DRAFT}",
    sections=_payment_sections,
    editable=lambda doc: doc.state == "draft",
)


# -- the list -----------------------------------------------------------------------------
def _vendor_name(doc: Any) -> str:
    return doc.partner.name if doc.partner is not None else ""


payments_list = ListView(
    ListSpec(
        "purchasing.payments",
        PurchasingPayment,
        columns=[
            Column("number", _l("Number"), nullable=True),
            Column("partner_id", _l("Vendor"), value=_vendor_name, sortable=False, groupable=True),
            Column("date", _l("Date"), kind="date"),
            Column("state", _l("State"), kind="state", choices=STATES, groupable=True),
            Column(
                "method",
                _l("Method"),
                kind="choice",
                groupable=True,
                choices=dict(zip(METHODS, METHOD_LABELS, strict=True)),
            ),
            Column("reference", _l("Reference")),
            Column(
                "amount_total",
                _l("Amount"),
                kind="money",
                summable=True,
                currency=lambda d: d.currency,
            ),
            Column(
                "amount_unallocated",
                _l("Advance"),
                kind="money",
                summable=True,
                currency=lambda d: d.currency,
            ),
        ],
        filters=[
            Filter("state", _l("State"), PurchasingPayment.state, choices=STATES),
            Filter(
                "partner_id",
                _l("Vendor"),
                PurchasingPayment.partner_id,
                choices=lambda s: {str(k): v for k, v in _vendors(s)},
            ),
            Filter("date", _l("Date"), PurchasingPayment.date, kind="date"),
            Filter(
                "method",
                _l("Method"),
                PurchasingPayment.method,
                choices=dict(zip(METHODS, METHOD_LABELS, strict=True)),
            ),
        ],
        search=[PurchasingPayment.number, PurchasingPayment.reference, Partner.search_key],
        default_sort="-date",
        base=lambda _s: select(PurchasingPayment).join(
            Partner, PurchasingPayment.partner_id == Partner.id
        ),
        load=[joinedload(PurchasingPayment.partner)],
    ),
    title=_l("Vendor payments"),
    form=payment_form,
    new_url=lambda: url("payment_new"),
    read_role=USER,
)
payments_list.register(bp, "/payments")
payment_form.register(bp, "/payments")


# -- actions ------------------------------------------------------------------------------
def _message(exc: Exception) -> str:
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


def run(document: Any, service: Callable[[Any, Any, Any], Any]) -> Any:
    """``service(session, document, user)`` in one transaction; refused: rolled back."""
    session = db_session()
    try:
        result = service(session, document, current_user())
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


@bp.post("/payments/<int:record_id>/cancel")
def payment_cancel(record_id: int) -> Any:
    """The cancel button: allocations undone, the invoices' open amounts restored."""
    document = payment_form.load(record_id)  # another company's: 404
    require_role(ACCOUNTANT)
    if document.state not in ("draft", "posted"):
        abort(409)
    try:
        run(document, payments.cancel_payment)
    except (ValidationError, TransitionRefused) as exc:
        flash(_message(exc), "danger")
        return redirect(payment_form.url(payment_form.load(record_id)))
    flash(_("Vendor payment cancelled."), "success")
    return redirect(payment_form.url(document))


def _payment_rows(session: Any, payment: PurchasingPayment) -> list[PickRow]:
    """The vendor's open invoices, oldest due first; nothing allocated by default."""
    from core.i18n import date_filter

    return [
        PickRow(
            invoice.id,
            [
                invoice.number,
                invoice.vendor_number,
                date_filter(invoice.date),
                date_filter(invoice.due_date),
                Amount(invoice.amount_total, invoice.currency),
                Amount(invoice.amount_residual, invoice.currency),
            ],
            left=invoice.amount_residual,
        )
        for invoice in payments.open_invoices(session, payment.partner_id)
    ]


def _money_text(amount: Any, currency: str) -> str:
    from core.i18n import money

    return money(amount, currency)


def _post_payment(session: Any, payment: PurchasingPayment, picked: dict, user: Any) -> Any:
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
                    "%(allocated)s allocated: more than the vendor payment's %(amount)s.",
                    allocated=_money_text(total, payment.currency),
                    amount=_money_text(payment.amount_total, payment.currency),
                )
            ]
        raise ValidationError({"allocations": rows, "_schema": extra}) from exc


def _payment_intro(payment: PurchasingPayment) -> str:
    return _(
        "Amount %(amount)s. Type how much of it pays each invoice, or leave every amount "
        "empty to pay the oldest due invoices first. What is not allocated stays as an "
        "advance to the vendor.",
        amount=_money_text(payment.amount_total, payment.currency),
    )


payment_picker = LinePicker(
    form=payment_form,
    title=_l("Post vendor payment"),
    columns=[
        _l("Invoice"),
        _l("Vendor's number"),
        _l("Date"),
        _l("Due date"),
        _l("Total"),
        _l("Open"),
    ],
    input_label=_l("Amount to pay"),
    rows=_payment_rows,
    run=_post_payment,
    next_url=lambda payment, _result: payment_form.url(payment),
    role=ACCOUNTANT,
    done=_l("Vendor payment posted."),
    submit=_l("Post"),
    intro=_payment_intro,
    places=2,
    available=lambda doc: doc.state == "draft",
)
payment_picker.register(bp, "/payments/<int:record_id>/post", "payment_post")


def document_actions(document: Any, user: Any) -> list[Any]:
    """The post and cancel buttons of a vendor payment (``core.ui.DocumentAction``)."""
    from flask import has_request_context

    from core.auth import has_role
    from core.ui import DocumentAction
    from core.web.context import current_company, runtime

    if not isinstance(document, PurchasingPayment) or not has_request_context():
        return []
    if not has_role(db_session(), runtime().kernel, user, current_company(), ACCOUNTANT):
        return []
    found = []
    if document.state == "draft":
        found.append(
            DocumentAction(
                "post",
                _("Post"),
                url("payment_post", record_id=document.id),
                sequence=10,
                style="primary",
                method="get",
            )
        )
    if document.state in ("draft", "posted"):
        found.append(
            DocumentAction(
                "cancel",
                _("Cancel"),
                url("payment_cancel", record_id=document.id),
                sequence=40,
                style="danger",
            )
        )
    return found


# -- vendor balances ----------------------------------------------------------------------
@bp.get("/vendors/balances")
def vendor_balances() -> Any:
    """What the company owes each vendor: open invoices less advances, and overdue;
    ``?overdue=1``: only vendors with something overdue."""
    require_role(USER)
    rows = ledger.balances(db_session(), date.today())
    only_late = request.args.get("overdue") == "1"
    if only_late:
        rows = [row for row in rows if row.overdue > 0]
    from core.web.master_data import partner_form

    return render_template(
        "purchasing/pages/balances.html",
        rows=rows,
        only_late=only_late,
        partner_url=lambda row: partner_form.url(_Id(row.partner_id)),
    )


class _Id:
    def __init__(self, record_id: int) -> None:
        self.id = record_id
