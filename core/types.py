"""Column types that keep ``Decimal`` values exact on both engines.

SQLAlchemy's ``Numeric`` goes through float on SQLite, and SQLite's own ``SUM`` adds
floats. ``ExactDecimal`` stores ``NUMERIC(precision, places)`` on PostgreSQL and a scaled
``BIGINT`` (the value times 10**places) on SQLite, so values and SQL sums are exact on
both and come back as ``Decimal`` with exactly ``places`` decimals. In SQL, add, subtract,
compare and sum such columns; multiply and divide in Python (on SQLite the scaled integers
would multiply their scales).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from core.money import MONEY_PLACES, PRICE_PLACES, QUANTITY_PLACES, to_decimal


class ExactDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def __init__(self, places: int = MONEY_PLACES, precision: int = 18) -> None:
        super().__init__()
        self.places = places
        self.precision = precision
        self._unit = Decimal(1).scaleb(-places)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.places, asdecimal=True))

    def _exact(self, value: object) -> Decimal:
        number = to_decimal(value)
        quantized = number.quantize(self._unit)
        if quantized != number:
            raise ValueError(
                f"{number} has more than {self.places} decimal places: round it first "
                "(core.money.round_money)"
            )
        return quantized

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = self._exact(value)
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.places))
        return exact

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        bound = self.process_bind_param(value, dialect)
        return "NULL" if bound is None else str(bound)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.places)
        return Decimal(value).quantize(self._unit)

    @property
    def python_type(self) -> type:
        return Decimal


class Money(ExactDecimal):
    """An amount: 2 decimal places."""

    cache_ok = True

    def __init__(self, places: int = MONEY_PLACES, precision: int = 18) -> None:
        super().__init__(places, precision)


class Quantity(ExactDecimal):
    """A quantity: 3 decimal places."""

    cache_ok = True

    def __init__(self, places: int = QUANTITY_PLACES, precision: int = 18) -> None:
        super().__init__(places, precision)


class UnitPrice(ExactDecimal):
    """A unit price or cost: 4 decimal places."""

    cache_ok = True

    def __init__(self, places: int = PRICE_PLACES, precision: int = 18) -> None:
        super().__init__(places, precision)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, timezone-aware UTC on both engines (SQLite's driver drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
