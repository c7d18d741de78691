"""Partners: validation (e-mail, Turkish tax and national ids) and the services that write them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sqlalchemy.orm import Session

from core.i18n import lazy_gettext as _l
from core.models import Partner, PartnerAddress, PartnerGroup, PaymentTerm
from core.schemas import NOT_NEGATIVE, CurrencyField, MoneyField
from core.text import search_key


def valid_tax_id(value: str) -> bool:
    """A Turkish tax number (VKN): 10 digits with its check digit."""
    from stdnum.tr import vkn

    return bool(value) and vkn.is_valid(value)


def valid_national_id(value: str) -> bool:
    """A Turkish national id (TCKN): 11 digits with its two check digits."""
    from stdnum.tr import tckimlik

    return bool(value) and tckimlik.is_valid(value)


class AddressSchema(Schema):
    kind = fields.String(load_default="billing", validate=validate.OneOf(["billing", "shipping"]))
    street = fields.String(load_default="", validate=validate.Length(max=300))
    district = fields.String(load_default="", validate=validate.Length(max=100))
    city = fields.String(load_default="", validate=validate.Length(max=100))
    postal_code = fields.String(load_default="", validate=validate.Regexp(r"^[0-9A-Za-z -]{0,10}$"))
    country = fields.String(load_default="TR", validate=validate.Regexp(r"^[A-Z]{2}$"))
    is_default = fields.Boolean(load_default=True)


class PartnerSchema(Schema):
    """What a partner is made of; ``load`` validates every field and names the bad ones."""

    id = fields.Integer(dump_only=True)
    name = fields.String(
        metadata={"label": _l("Name")}, required=True, validate=validate.Length(min=1, max=200)
    )
    is_company = fields.Boolean(metadata={"label": _l("Company (legal entity)")}, load_default=True)
    is_customer = fields.Boolean(metadata={"label": _l("Customer")}, load_default=False)
    is_prospect = fields.Boolean(metadata={"label": _l("Prospect")}, load_default=False)
    is_vendor = fields.Boolean(metadata={"label": _l("Vendor")}, load_default=False)
    tax_id = fields.String(
        metadata={"label": _l("Tax number (VKN)")}, allow_none=True, load_default=None
    )
    national_id = fields.String(
        metadata={"label": _l("National id (TCKN)")}, allow_none=True, load_default=None
    )
    tax_office = fields.String(
        metadata={"label": _l("Tax office")},
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=100),
    )
    email = fields.Email(metadata={"label": _l("E-mail")}, allow_none=True, load_default=None)
    phone = fields.String(
        metadata={"label": _l("Phone")},
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(r"^[0-9+() .-]{7,40}$", error="not a phone number"),
    )
    group_id = fields.Integer(metadata={"label": _l("Group")}, allow_none=True, load_default=None)
    payment_term_id = fields.Integer(
        metadata={"label": _l("Payment term")}, allow_none=True, load_default=None
    )
    credit_limit = MoneyField(
        metadata={"label": _l("Credit limit")}, load_default="0.00", validate=NOT_NEGATIVE
    )
    currency = CurrencyField(
        metadata={"label": _l("Currency")},
    )
    language = fields.String(
        metadata={"label": _l("Language")},
        load_default="tr",
        validate=validate.OneOf(["tr", "en"], labels=["Türkçe", "English"]),
    )
    active = fields.Boolean(metadata={"label": _l("Active")}, load_default=True)
    addresses = fields.List(fields.Nested(AddressSchema), load_default=list)

    @validates("tax_id")
    def _tax_id(self, value: str | None, **_: Any) -> None:
        if value is not None and not valid_tax_id(value.strip()):
            raise ValidationError(
                "not a valid Turkish tax number (VKN: 10 digits with its check digit)"
            )

    @validates("national_id")
    def _national_id(self, value: str | None, **_: Any) -> None:
        if value is not None and not valid_national_id(value.strip()):
            raise ValidationError(
                "not a valid Turkish national id (TCKN: 11 digits with its check digits)"
            )

    @validates_schema
    def _some_role(self, data: dict, **_: Any) -> None:
        if "name" in data and data.get("tax_id") and data.get("national_id"):
            raise ValidationError("give a tax number or a national id, not both", "national_id")


def _check_links(session: Session, data: dict) -> None:
    """Group and payment term must exist in this company (the session filters by company)."""
    errors: dict[str, list[str]] = {}
    if data.get("group_id") is not None and session.get(PartnerGroup, data["group_id"]) is None:
        errors["group_id"] = ["unknown customer group"]
    if (
        data.get("payment_term_id") is not None
        and session.get(PaymentTerm, data["payment_term_id"]) is None
    ):
        errors["payment_term_id"] = ["unknown payment term"]
    if errors:
        raise ValidationError(errors)


def _apply(partner: Partner, data: dict) -> None:
    addresses = data.pop("addresses", None)
    for key, value in data.items():
        setattr(partner, key, value.strip() if isinstance(value, str) else value)
    if addresses is not None:
        partner.addresses = [PartnerAddress(**a) for a in addresses]
    cities = " ".join(a.city for a in partner.addresses)
    partner.search_key = search_key(
        partner.name, partner.email, partner.tax_id, partner.national_id, partner.phone, cities
    )[:600]


def create_partner(session: Session, payload: dict) -> Partner:
    """Validate ``payload`` and add the partner (raises ``ValidationError`` naming fields)."""
    data = PartnerSchema().load(payload)
    _check_links(session, data)
    partner = Partner()
    _apply(partner, data)
    session.add(partner)
    session.flush()
    return partner


def update_partner(session: Session, partner: Partner, payload: dict) -> Partner:
    data = PartnerSchema(partial=True).load(payload)
    _check_links(session, data)
    _apply(partner, data)
    session.flush()
    return partner
