"""marshmallow schemas that other add-ons extend per company (``extend_schema`` hook)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from core.i18n import lazy_gettext as _l
from core.kernel.errors import KernelError
from core.kernel.relay import HookRelay


def one_of(labels: dict[str, Any]) -> validate.OneOf:
    """A choice among the keys of ``labels`` (value -> label): a read-only field's page shows
    the label, a select offers the labels."""
    return validate.OneOf(list(labels), labels=list(labels.values()))


EXTENSIBLE: set[type] = set()  # schemas other add-ons extend (their documents say so)


def mark_extensible(schema: type[Schema]) -> type[Schema]:
    """Note that ``schema`` gets fields from ``extend_schema``: the OpenAPI document then
    allows properties beyond those it lists (the enabled add-ons' fields)."""
    EXTENSIBLE.add(schema)
    return schema


def extended_schema(
    base: type[Schema], schema_name: str, hooks: HookRelay, **kwargs: Any
) -> Schema:
    """An instance of ``base`` plus the fields the relay's add-ons add to ``schema_name``.

    Two add-ons adding one field name, or an add-on redefining a field of ``base``, is a
    programming error and raised as ``KernelError`` naming them.
    """
    company = kwargs.pop("company")
    extra: dict[str, fields.Field] = {}
    owner: dict[str, str] = {}
    for addon, added in hooks.by_addon("extend_schema", schema_name=schema_name, company=company):
        for field_name, field in (added or {}).items():
            if field_name in base._declared_fields:
                raise KernelError(f"{addon}: extend_schema redefines {schema_name}.{field_name}")
            if field_name in extra:
                raise KernelError(
                    f"{schema_name}.{field_name} is added by both {owner[field_name]} and {addon}"
                )
            extra[field_name] = field
            owner[field_name] = addon
    if not extra:
        return base(**kwargs)
    cls = type(f"{base.__name__}Extended", (base,), dict(extra))
    return cls(**kwargs)


def _decimal_default(kwargs: dict[str, Any], places: int) -> dict[str, Any]:
    """A default given as text (``load_default="1"``) loaded as what input gives: a Decimal of
    the field's places, not the string (marshmallow does not load defaults), so services
    never meet ``"1"`` where ``Decimal("1.000")`` is meant."""
    default = kwargs.get("load_default")
    if isinstance(default, str | int) and not isinstance(default, bool):
        exponent = Decimal(1).scaleb(-places)
        kwargs["load_default"] = Decimal(default).quantize(exponent, rounding=ROUND_HALF_UP)
    return kwargs


def MoneyField(**kwargs: Any) -> fields.Decimal:
    """An amount: 2 places, rounded half-up (marshmallow's default is half-even), sent as a
    string so JSON clients never see a float."""
    return fields.Decimal(
        places=2,
        rounding=ROUND_HALF_UP,
        as_string=True,
        allow_nan=False,
        **_decimal_default(kwargs, 2),
    )


def PriceField(**kwargs: Any) -> fields.Decimal:
    """A unit price or cost: 4 places, half-up."""
    return fields.Decimal(
        places=4,
        rounding=ROUND_HALF_UP,
        as_string=True,
        allow_nan=False,
        **_decimal_default(kwargs, 4),
    )


def QuantityField(**kwargs: Any) -> fields.Decimal:
    """A quantity: 3 places, half-up."""
    return fields.Decimal(
        places=3,
        rounding=ROUND_HALF_UP,
        as_string=True,
        allow_nan=False,
        **_decimal_default(kwargs, 3),
    )


NOT_NEGATIVE = validate.Range(min=0, error="must not be negative")


def _iso_currency(value: str) -> None:
    from core.money import is_currency

    if not is_currency(value):
        raise ValidationError(f"unknown currency {value!r} (an ISO 4217 code such as TRY)")


def CurrencyField(**kwargs: Any) -> fields.String:
    """An ISO 4217 currency code, TRY unless given."""
    kwargs.setdefault("load_default", "TRY")
    return fields.String(validate=_iso_currency, **kwargs)


class Extension(fields.Field):
    """A field an add-on keeps in a table of its own, for ``extend_schema``.

    ``Extension(fields.Integer(validate=Range(min=0)), getter=points_of)``: the value shown
    is ``getter(record)``; input is checked by the inner field (type and validators), so bad
    input is a 400 naming the field, never a 500. The loaded value reaches
    ``document_saved(document, data)``.
    """

    def __init__(self, inner: fields.Field, getter: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", inner.allow_none)
        super().__init__(**kwargs)
        self.inner = inner
        self.getter = getter

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return self.getter(obj)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return self.inner._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return self.inner.deserialize(value, attr, data, **kwargs)


class _OptionalText(fields.String):
    """An optional text: stored as "" when empty, shown as null then (so an empty value
    never contradicts the field's pattern)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(value or None, attr, obj, **kwargs)


class _OptionalEmail(fields.Email):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(value or None, attr, obj, **kwargs)


def _optional(label: Any, *checks: Any, **kwargs: Any) -> fields.String:
    """An optional text of the company's header: empty clears it (stored as "")."""
    return _OptionalText(
        metadata={"label": label, **kwargs}, allow_none=True, validate=list(checks)
    )


TAX_ID_MESSAGE = (
    "not a valid Turkish tax number (VKN: 10 digits with its check digit)"
    " or national id (TCKN: 11 digits with its check digits)"
)


#: What documents print in the company's header besides its name and logo (columns of
#: ``Company``, fields of ``CompanySchema``; ``core.companies.apply_company`` stores them).
HEADER_FIELDS = (
    "address",
    "tax_office",
    "tax_id",
    "mersis_no",
    "trade_registry_no",
    "phone",
    "email",
    "website",
)


class CompanySchema(Schema):
    """The company as the API shows it (``core.company``), with what its documents print
    in the header (``HEADER_FIELDS``)."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(
        metadata={"label": _l("Name")}, required=True, validate=validate.Length(min=1, max=200)
    )
    currency = fields.String(dump_only=True)
    address = _optional(_l("Address"), validate.Length(max=1000), widget="textarea")
    tax_office = _optional(_l("Tax office"), validate.Length(max=100))
    tax_id = _optional(
        _l("Tax number (VKN, or TCKN for a sole proprietor)"),
        help=_l("10 digits (VKN); a sole proprietorship uses the owner's 11-digit TCKN."),
    )
    mersis_no = _optional(
        _l("MERSİS number"),
        validate.Regexp(r"^[0-9]{16}$", error="16 digits"),
    )
    trade_registry_no = _optional(_l("Trade registry number"), validate.Length(max=40))
    phone = _optional(
        _l("Phone"), validate.Regexp(r"^[0-9+() .-]{7,40}$", error="not a phone number")
    )
    email = _OptionalEmail(
        metadata={"label": _l("E-mail")},
        allow_none=True,
        validate=validate.Length(max=200),
    )
    website = _optional(
        _l("Website"),
        validate.Length(max=200),
        validate.Regexp(
            r"^(https?://)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:[0-9]+)?(/\S*)?$",
            error="not a web address (www.example.com.tr)",
        ),
    )
    enabled_addons = fields.Function(lambda c: sorted(c.enabled_addons), dump_only=True)

    @pre_load
    def _blank_is_none(self, data: Any, **_: Any) -> Any:
        """An empty or blank header text clears it (None), whatever checks it has."""
        if not isinstance(data, dict):
            return data
        return {
            k: None if k in HEADER_FIELDS and isinstance(v, str) and not v.strip() else v
            for k, v in data.items()
        }

    @validates("tax_id")
    def _tax_id(self, value: str | None, **_: Any) -> None:
        from core.companies import valid_company_tax_id

        if value and not valid_company_tax_id(value):
            raise ValidationError(TAX_ID_MESSAGE)


__all__ = [
    "HEADER_FIELDS",
    "NOT_NEGATIVE",
    "CompanySchema",
    "Extension",
    "MoneyField",
    "PriceField",
    "QuantityField",
    "ValidationError",
    "extended_schema",
    "mark_extensible",
]
