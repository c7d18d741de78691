"""marshmallow schemas that other add-ons extend per company (``extend_schema`` hook)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from core.kernel.errors import KernelError
from core.kernel.relay import HookRelay

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


class CompanySchema(Schema):
    """The company as the API shows it (``core.company``)."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = fields.String(dump_only=True)
    enabled_addons = fields.Function(lambda c: sorted(c.enabled_addons), dump_only=True)


__all__ = [
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
