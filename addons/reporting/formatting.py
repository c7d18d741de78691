"""A report's cells as a reader sees them, in a language: core's money and number formats,
percent as Turkish (``%12,5``) or English (``12.5%``) writes it, dates in Babel's medium form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from babel.dates import format_date

from core.i18n import format_number
from core.money import format_money, format_price

from .framework import Column

ALIGN_END = frozenset({"money", "price", "quantity", "percent", "integer"})


def format_cell(column: Column, value: Any, currency: str | None, language: str) -> str:
    """``value`` of ``column`` as text in ``language`` (``currency``: the row's)."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "price":  # a unit price or cost: its 4 places, trailing zeros past 2 dropped
        return format_price(value, currency or "TRY", language)
    if kind == "money":
        return format_money(value, currency or "TRY", language)
    if kind in ("quantity", "integer"):
        return format_number(value, 0, language)
    if kind == "percent":
        text = format_number(value, 2, language)  # always two places: columns line up
        return f"%{text}" if language == "tr" else f"{text}%"
    if kind == "date" and isinstance(value, date):
        return format_date(value, "medium", locale=language)
    return str(value)


def row_currency(
    columns: Sequence[Column], column: Column, row: Sequence[Any], default: Any
) -> Any:
    """The currency of a money cell: the row's ``currency_key`` column, else the report's."""
    if column.currency_key:
        for index, other in enumerate(columns):
            if other.key == column.currency_key:
                return row[index] or default
    return default


def formatted_row(
    columns: Sequence[Column], row: Sequence[Any], currency: str | None, language: str
) -> list[str]:
    """The visible cells of ``row`` as text."""
    return [
        format_cell(c, v, row_currency(columns, c, row, currency), language)
        for c, v in zip(columns, row, strict=True)
        if not c.hidden
    ]


def formatted_totals(
    columns: Sequence[Column], totals: dict[str, Any], currency: str | None, language: str
) -> list[str]:
    """The totals row's visible cells (empty where a column has no total; a money total
    of rows in several currencies is not shown)."""
    mixed = {c.key for c in columns if c.currency_key}
    return [
        ""
        if c.key not in totals or c.key in mixed
        else format_cell(c, totals[c.key], currency, language)
        for c in columns
        if not c.hidden
    ]
