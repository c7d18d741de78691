"""Amounts in words (*yazıyla*) for invoices: ``amount_in_words(Decimal("1234.56"))``.

The amount is first rounded by the project's one rule (``core.money.round_money``: half-up
to 2 places), then spelled out with the currency's unit after the whole part and, when the
cents are not zero, the cents with the sub-unit.

**Turkish, ``style="joined"`` (the default)**: ``BinİkiYüzOtuzDörtTürkLirasıElliAltıKuruş``.
The Turkish spelling rules (TDK *Yazım Kılavuzu*, "Sayıların yazılışı") write numbers in
words apart (``bin iki yüz elli bir``) *except* on money documents ("senet, çek vb.
ticari belgeler"), where they are written together so that nothing can be slipped in
between: ``650,35 (altıyüzelliTL, otuzbeşkr.)``. Most Turkish invoice software prints that
joined form with a capital at each word (``...TürkLirası...Kuruş``), which keeps it
readable; we follow both. **``style="spaced"``** gives the ordinary spelling for running
text: ``bin iki yüz otuz dört Türk lirası elli altı kuruş`` (lower case, ``lira`` being a
common noun).

No caption: templates add their own (``Yalnız``, ``Yazıyla:``, ``#...#`` guards).
``bin`` and ``yüz`` take no ``bir`` (``bin``, ``yüz``, ``iki bin``) but the larger scales do
(``bir milyon``); zero is ``sıfır Türk lirası`` and the whole part is always written
(``sıfır Türk lirası bir kuruş``); a negative amount starts with ``eksi``.
Units: TRY ``Türk lirası``/``kuruş``, EUR ``avro``/``sent``, USD ``Amerikan doları``/
``sent``, GBP ``İngiliz sterlini``/``peni``. Any other ISO currency is written with its code
and the cents as a fraction, as on cheques: ``bin iki yüz otuz dört CHF 56/100``.

**English** (``language="en"``, one style): ``one thousand two hundred thirty-four Turkish
lira and fifty-six kuruş`` (US-style number words, no "and" inside the number; units
singular for one: ``one US dollar and one cent``, ``one thousand CHF and 56/100``).

Whole parts up to 10**18 - 1 (katrilyon, quadrillion): every amount a ``Money`` column
(``NUMERIC(18, 2)``) can hold.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from core.money import is_currency, round_money, to_decimal

Style = Literal["joined", "spaced"]

_LIMIT = 10**18

_TR_ONES = ("", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz")
_TR_TENS = ("", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan")
_TR_SCALES = ("", "bin", "milyon", "milyar", "trilyon", "katrilyon")
# Turkish nouns stay singular after a number: "iki Türk lirası".
_TR_UNITS = {
    "TRY": ("Türk lirası", "kuruş"),
    "EUR": ("avro", "sent"),
    "USD": ("Amerikan doları", "sent"),
    "GBP": ("İngiliz sterlini", "peni"),
}

_EN_ONES = (
    "", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion")
# (singular, plural) of the unit and of the sub-unit.
_EN_UNITS = {
    "TRY": (("Turkish lira", "Turkish lira"), ("kuruş", "kuruş")),
    "EUR": (("euro", "euros"), ("cent", "cents")),
    "USD": (("US dollar", "US dollars"), ("cent", "cents")),
    "GBP": (("pound sterling", "pounds sterling"), ("penny", "pence")),
}


def amount_in_words(
    amount: Decimal | int | str,
    currency: str = "TRY",
    language: str = "tr",
    *,
    style: Style = "joined",
) -> str:
    """The amount, rounded half-up to 2 places, in words (floats are refused with
    ``TypeError``). ``language``: ``"tr"`` or ``"en"`` (``"tr_TR"``, ``"en-US"`` work too);
    ``style`` (Turkish only): ``"joined"`` for invoices or ``"spaced"`` (see the module
    docstring)."""
    exact = to_decimal(amount)
    if not exact.is_finite():
        raise ValueError(f"{amount!r} is not a finite number")
    if abs(exact) >= _LIMIT:  # before rounding: quantize fails beyond 28 digits
        raise ValueError(f"{exact} is too large to write in words")
    value = round_money(exact)
    lang = language.split("_")[0].split("-")[0].lower()
    if lang not in ("tr", "en"):
        raise ValueError(f"no amount in words for language {language!r}: use 'tr' or 'en'")
    if style not in ("joined", "spaced"):
        raise ValueError(f"unknown style {style!r}: use 'joined' or 'spaced'")
    if currency not in _TR_UNITS and not is_currency(currency):
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
    cents_total = int(abs(value).scaleb(2))
    whole, cents = divmod(cents_total, 100)
    if whole >= _LIMIT:
        raise ValueError(f"{value} is too large to write in words")
    negative = value < 0  # -0.004 rounds to -0.00, which is not negative
    if lang == "en":
        return _english(whole, cents, currency, negative)
    words = _turkish(whole, cents, currency, negative)
    if style == "spaced":
        return " ".join(words)
    return "".join(_capitalize(word) for part in words for word in part.split(" "))


def _turkish(whole: int, cents: int, currency: str, negative: bool) -> list[str]:
    words = ["eksi"] if negative else []
    words += _tr_number(whole)
    if currency in _TR_UNITS:
        unit, subunit = _TR_UNITS[currency]
        words.append(unit)
        if cents:
            words += [*_tr_number(cents), subunit]
    else:
        words.append(currency)
        if cents:
            words.append(f"{cents:02d}/100")
    return words


def _tr_number(n: int) -> list[str]:
    if n == 0:
        return ["sıfır"]
    words: list[str] = []
    for power in range(len(_TR_SCALES) - 1, -1, -1):
        group = n // 1000**power % 1000
        if not group:
            continue
        if power == 1 and group == 1:
            words.append("bin")  # never "bir bin"
            continue
        hundreds, rest = divmod(group, 100)
        if hundreds:
            words += ["yüz"] if hundreds == 1 else [_TR_ONES[hundreds], "yüz"]
        words += [word for word in (_TR_TENS[rest // 10], _TR_ONES[rest % 10]) if word]
        if power:
            words.append(_TR_SCALES[power])
    return words


def _capitalize(word: str) -> str:
    """Capital initial the Turkish way: ``iki`` → ``İki`` (``str.capitalize`` gives
    ``Iki``)."""
    first = {"i": "İ", "ı": "I"}.get(word[0], word[0].upper())
    return first + word[1:]


def _english(whole: int, cents: int, currency: str, negative: bool) -> str:
    text = ("minus " if negative else "") + _en_number(whole)
    if currency not in _EN_UNITS:
        return f"{text} {currency}" + (f" and {cents:02d}/100" if cents else "")
    unit, subunit = _EN_UNITS[currency]
    text += f" {unit[whole != 1]}"
    if cents:
        text += f" and {_en_number(cents)} {subunit[cents != 1]}"
    return text


def _en_number(n: int) -> str:
    if n == 0:
        return "zero"
    words: list[str] = []
    for power in range(len(_EN_SCALES) - 1, -1, -1):
        group = n // 1000**power % 1000
        if not group:
            continue
        hundreds, rest = divmod(group, 100)
        if hundreds:
            words += [_EN_ONES[hundreds], "hundred"]
        if rest >= 20:
            tens, ones = divmod(rest, 10)
            words.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
        elif rest:
            words.append(_EN_ONES[rest])
        if power:
            words.append(_EN_SCALES[power])
    return " ".join(words)
