"""Saving a record from input, the same way for pages and the JSON API.

``save_record`` is the one path from a payload (a form, a JSON body) to the database:

1. the payload is loaded with the company's extended schema, so the fields other add-ons
   add (``extend_schema``) are checked too, and checked against what the columns can hold
   (a too-long string or an out-of-range number is a field error, not a database error;
   with such a value the service is not called at all);
2. the schema's own fields go to the record's ``create``/``update`` service, the same one
   the CLI and scripts call;
3. ``document_saved(document, data)`` hands every loaded value to the enabled add-ons, which
   write their own fields, in the same transaction.

The errors of 1 and 2 come back together as one ``ValidationError`` (each message under its
field); the caller rolls back, so nothing of a refused change is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.types import Integer, String

from core.listing import INT_MAX
from core.web.context import db_session, hooks


def save_record(
    record: Any | None,
    payload: dict[str, Any],
    schema: Schema,
    base: type[Schema],
    create: Callable[[Any, dict], Any] | None,
    update: Callable[[Any, Any, dict], Any] | None,
    model: type,
    partial: bool | tuple[str, ...] = False,
) -> Any:
    """Create (``record`` None) or update ``record`` from ``payload``; see the module doc."""
    errors: dict[str, Any] = {}
    loaded: dict[str, Any] = {}
    try:
        loaded = schema.load(payload, partial=partial)
    except ValidationError as exc:
        errors.update(_messages(exc))
        loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
    beyond = check_against_columns(model, loaded)
    if beyond:  # such values must not reach the database, not even in the service's lookups
        raise ValidationError({**beyond, **errors})
    own = {k: v for k, v in payload.items() if k in base._declared_fields}
    session = db_session()
    try:
        if record is None:
            if create is None:
                raise ValidationError({"_schema": ["records cannot be created here"]})
            record = create(session, own)
        else:
            if update is None:
                raise ValidationError({"_schema": ["this record cannot be changed here"]})
            update(session, record, own)
        session.flush()
    except ValidationError as exc:
        for key, value in _messages(exc).items():
            errors.setdefault(key, value)
    if errors:
        raise ValidationError(errors)
    hooks().document_saved(document=record, data=loaded)
    return record


def _messages(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return messages if isinstance(messages, dict) else {"_schema": list(messages)}


def check_against_columns(model: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """Errors for values the database column cannot hold (too long, out of range), found
    before the database refuses them with a 500; lines are followed through relationships."""
    errors: dict[str, Any] = {}
    mapper = sa_inspect(model)
    for key, value in data.items():
        if key in mapper.relationships and isinstance(value, list):
            target = mapper.relationships[key].mapper.class_
            nested = {
                i: e
                for i, row in enumerate(value)
                if isinstance(row, Mapping) and (e := check_against_columns(target, row))
            }
            if nested:
                errors[key] = nested
            continue
        column = mapper.columns.get(key)
        if column is None or value is None:
            continue
        message = _column_refusal(column.type, value)
        if message:
            errors[key] = [message]
    return errors


def _column_refusal(column_type: Any, value: Any) -> str | None:
    length = getattr(column_type, "length", None) if isinstance(column_type, String) else None
    if isinstance(value, str) and length and len(value) > length:
        return f"at most {length} characters"
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_int and isinstance(column_type, Integer) and not -INT_MAX - 1 <= value <= INT_MAX:
        return "out of range"
    if isinstance(value, Decimal):
        # Numeric(precision, scale) or core.types.ExactDecimal (precision, places)
        precision = getattr(column_type, "precision", None)
        places = getattr(column_type, "places", getattr(column_type, "scale", None))
        if precision and places is not None and abs(value) >= Decimal(10) ** (precision - places):
            return "too large"
    return None
