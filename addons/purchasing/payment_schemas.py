"""What vendor payments are made of, for the API, the pages and the services: every field
checked, every bad one named. Number, state and the unallocated rest are never loaded."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.schemas import MoneyField

POSITIVE = validate.Range(min=0, min_inclusive=False, error=N_("must be more than zero"))
METHODS = ["bank", "cash", "card", "cheque"]
METHOD_LABELS = [_l("Bank transfer"), _l("Cash"), _l("Credit card"), _l("Cheque")]


class VendorAllocationSchema(Schema):
    """An amount of the payment set against one posted invoice of the vendor."""

    invoice_id = fields.Integer(required=True, metadata={"label": _l("Invoice")})
    amount = MoneyField(metadata={"label": _l("Amount")}, required=True, validate=POSITIVE)


class VendorPaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    partner_id = fields.Integer(metadata={"label": _l("Vendor")}, required=True)
    date = fields.Date(metadata={"label": _l("Date")}, load_default=None)
    amount = MoneyField(metadata={"label": _l("Amount")}, required=True, validate=POSITIVE)
    method = fields.String(
        metadata={"label": _l("Method")},
        load_default="bank",
        validate=validate.OneOf(METHODS, labels=METHOD_LABELS),
    )
    reference = fields.String(
        metadata={"label": _l("Reference")}, load_default="", validate=validate.Length(max=100)
    )
    note = fields.String(metadata={"label": _l("Note")}, load_default="")


class VendorPaymentFormSchema(VendorPaymentSchema):
    """The payment as shown (pages and API): its amount is the document's total; what is
    not allocated (the advance to the vendor)."""

    amount = MoneyField(
        metadata={"label": _l("Amount")},
        attribute="amount_total",
        required=True,
        validate=POSITIVE,
    )
    currency = fields.String(dump_only=True)
    amount_unallocated = MoneyField(dump_only=True, metadata={"label": _l("Advance")})


class PostVendorPaymentSchema(Schema):
    """``POST .../payments/<id>/post``: the vendor's invoices it pays and how much of each;
    without ``allocations``, the vendor's open invoices, oldest due first."""

    allocations = fields.List(fields.Nested(VendorAllocationSchema), load_default=None)

    @validates_schema
    def _once_each(self, data: dict, **_: Any) -> None:
        ids = [row["invoice_id"] for row in data.get("allocations") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError(N_("an invoice is named twice"), "allocations")


class VendorBalanceSchema(Schema):
    """What the company owes a vendor (``GET .../vendors/<partner_id>/balance``)."""

    partner_id = fields.Integer()
    name = fields.String()
    currency = fields.String()
    invoiced_open = MoneyField(metadata={"label": _l("Open invoices")})
    advances = MoneyField(metadata={"label": _l("Advances")})
    balance = MoneyField(metadata={"label": _l("Balance")})
    overdue = MoneyField(metadata={"label": _l("Overdue")})
    open_invoices = fields.Integer(metadata={"label": _l("Open invoices")})
