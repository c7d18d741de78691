"""The company's purchasing settings (``PurchasingSettings``): reading them with their
defaults, checking them, and their place on the company's page and in
``/api/v1/core/company`` (``extend_schema`` and ``document_saved`` in ``hooks``).

``purchasing_group_by``: the keys besides vendor, warehouse and currency that split approved
requisition lines into purchase orders (``GROUP_KEYS``, comma separated);
``purchasing_order_state``: ``draft`` or ``confirmed``; ``purchasing_nightly_orders``;
``purchasing_receipt_tolerance`` and ``purchasing_price_tolerance`` (percent, not negative).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy.orm import Session

from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.tenancy import company_of

from .models import PurchasingSettings

GROUP_KEYS = ("needed_by", "requisition")  # what else may split orders (see ordering)
ORDER_STATES = ("draft", "confirmed")
NAMES = ("group_by", "order_state", "nightly_orders", "receipt_tolerance", "price_tolerance")
DEFAULTS: dict[str, Any] = {
    "group_by": "",
    "order_state": "draft",
    "nightly_orders": False,
    "receipt_tolerance": Decimal("0.00"),
    "price_tolerance": Decimal("0.00"),
}


def settings_of(session: Session) -> PurchasingSettings:
    """The company's settings (defaults, not added to the session, when it never saved any)."""
    company_id = company_of(session)
    found = session.get(PurchasingSettings, company_id)
    if found is not None:
        return found
    return PurchasingSettings(company_id=company_id, **DEFAULTS)


def group_keys(settings: PurchasingSettings) -> list[str]:
    return [k.strip() for k in (settings.group_by or "").split(",") if k.strip()]


def _check_group_by(value: str) -> None:
    unknown = [k for k in (p.strip() for p in value.split(",")) if k and k not in GROUP_KEYS]
    if unknown:
        raise ValidationError(N_("unknown grouping key (use needed_by or requisition)"))


NOT_NEGATIVE = validate.Range(min=0, error=N_("must not be negative"))


def fields_of() -> dict[str, tuple[fields.Field, Any]]:
    """The inner marshmallow field and label of each setting."""
    return {
        "group_by": (
            fields.String(validate=[validate.Length(max=100), _check_group_by]),
            _l("Purchase orders also split by (needed_by, requisition)"),
        ),
        "order_state": (
            fields.String(
                validate=validate.OneOf(ORDER_STATES, error=N_("choose draft or confirmed"))
            ),
            _l("Purchase orders from requisitions are made (draft or confirmed)"),
        ),
        "nightly_orders": (
            fields.Boolean(),
            _l("Nightly purchase orders from approved requisitions"),
        ),
        "receipt_tolerance": (
            fields.Decimal(places=2, as_string=True, validate=NOT_NEGATIVE),
            _l("Receipt tolerance %"),
        ),
        "price_tolerance": (
            fields.Decimal(places=2, as_string=True, validate=NOT_NEGATIVE),
            _l("Vendor invoice price tolerance %"),
        ),
    }


def save(session: Session, company_id: int, sent: dict[str, Any]) -> PurchasingSettings:
    """Store the settings ``sent`` (already checked by the schema) for ``company_id``."""
    row = session.get(PurchasingSettings, company_id)
    if row is None:
        row = PurchasingSettings(company_id=company_id, **DEFAULTS)
        session.add(row)
    for name, value in sent.items():
        if name == "group_by":
            value = ",".join(k.strip() for k in (value or "").split(",") if k.strip())
        if name == "nightly_orders":
            value = bool(value)
        setattr(row, name, value)
    session.flush()
    return row
