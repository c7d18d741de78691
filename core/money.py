"""Money: ``Decimal`` end to end, one rounding rule, display in the user's language.

**The rounding rule** (frozen on posted documents): every line amount is rounded once,
half-up to 2 decimal places (``round_money``): ``net = round(quantity * unit price *
(1 - discount%))`` and ``tax = round(net * rate)``. Document totals are sums of rounded line
amounts, never rounded again, so a total always equals the sum of the lines a customer
sees. Quantities keep 3 places and unit prices 4 (``round_quantity``, ``round_price``).
Once a document is posted its rounded amounts are stored and never recomputed.

Amounts are stored exactly on both engines (see ``core.types``): SQL may add, subtract,
compare and sum money columns; multiply and divide in Python.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

MONEY_PLACES = 2
QUANTITY_PLACES = 3
PRICE_PLACES = 4
DEFAULT_CURRENCY = "TRY"

_CENT = Decimal(1).scaleb(-MONEY_PLACES)
_QTY = Decimal(1).scaleb(-QUANTITY_PLACES)
_PRICE = Decimal(1).scaleb(-PRICE_PLACES)
ZERO = Decimal("0.00")


def to_decimal(value: object) -> Decimal:
    """``Decimal`` from an int, a ``Decimal`` or a string; floats are refused (they are
    never exact: 0.1 + 0.2 != 0.3)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must not be a {type(value).__name__}: use Decimal or str")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not result.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return result
    raise TypeError(f"cannot make money of {type(value).__name__}")


def round_money(value: object) -> Decimal:
    """Half-up to 2 places: the one rounding rule for amounts."""
    return to_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


def round_quantity(value: object) -> Decimal:
    return to_decimal(value).quantize(_QTY, rounding=ROUND_HALF_UP)


def round_price(value: object) -> Decimal:
    return to_decimal(value).quantize(_PRICE, rounding=ROUND_HALF_UP)


@cache
def iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return isinstance(code, str) and len(code) == 3 and code.isupper() and code in iso_currencies()


# Display. Babel's English locale prints "TRY1,234.50" and its Turkish one "₺1.234,56"; we
# show the narrow symbol, after the amount in Turkish as Turkish invoices do.
_NARROW = {"TRY": "₺"}
_PATTERN = {"tr": "{number} {symbol}", "en": "{symbol}{number}"}


@cache
def currency_symbol(currency: str, locale: str = "tr") -> str:
    from babel.numbers import get_currency_symbol

    return _NARROW.get(currency) or get_currency_symbol(currency, locale=locale)


@cache
def _separators(language: str) -> tuple[str, str]:
    """The locale's decimal and group symbols (``,`` and ``.`` in Turkish)."""
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = Locale.parse(language)
    return get_decimal_symbol(locale), get_group_symbol(locale)


def group_digits(value: Decimal, places: int, language: str) -> str:
    """``abs(value)`` with exactly ``places`` decimals and grouped thousands in the
    locale's symbols (``1.234,50`` in Turkish). ``value`` must already be rounded to
    ``places``: this only lays digits out, it never rounds. Python's own ``format`` does
    the layout (a list page formats hundreds of amounts; Babel's pattern engine costs ten
    times as much for the same text)."""
    text = f"{abs(value):,.{places}f}"
    decimal_sign, group_sign = _separators(language)
    if decimal_sign != "." or group_sign != ",":
        text = text.translate({ord(","): group_sign, ord("."): decimal_sign})
    return text


def format_money(amount: object, currency: str = DEFAULT_CURRENCY, locale: str = "tr") -> str:
    """``1.234,56 ₺`` (tr), ``₺1,234.56`` (en); negative amounts lead with a minus."""
    value = round_money(amount)
    language = locale.split("_")[0].split("-")[0]
    text = _PATTERN.get(language, _PATTERN["en"]).format(
        number=group_digits(value, MONEY_PLACES, language),
        symbol=currency_symbol(currency, language),
    )
    return f"-{text}" if value < 0 else text


def format_price(amount: object, currency: str = DEFAULT_CURRENCY, locale: str = "tr") -> str:
    """A unit price or unit cost: like ``format_money`` with up to ``PRICE_PLACES`` decimals
    (at least two), so ``111,5011 ₺`` stays exact and ``12,50 ₺`` looks like money."""
    value = round_price(amount)
    places = PRICE_PLACES
    while places > MONEY_PLACES and value == value.quantize(Decimal(1).scaleb(1 - places)):
        places -= 1
    language = locale.split("_")[0].split("-")[0]
    text = _PATTERN.get(language, _PATTERN["en"]).format(
        number=group_digits(value.quantize(Decimal(1).scaleb(-places)), places, language),
        symbol=currency_symbol(currency, language),
    )
    return f"-{text}" if value < 0 else text
