"""Amounts in words: literal expectations, the rounding rule, and a round trip through an
independent parser for random amounts."""

import random
import re
from decimal import Decimal

import pytest

from core.money_words import amount_in_words

# amount, Turkish joined (the default), Turkish spaced
TURKISH = [
    ("0", "SıfırTürkLirası", "sıfır Türk lirası"),
    ("0.01", "SıfırTürkLirasıBirKuruş", "sıfır Türk lirası bir kuruş"),
    ("0.10", "SıfırTürkLirasıOnKuruş", "sıfır Türk lirası on kuruş"),
    ("1", "BirTürkLirası", "bir Türk lirası"),
    ("10", "OnTürkLirası", "on Türk lirası"),
    ("11", "OnBirTürkLirası", "on bir Türk lirası"),
    ("19", "OnDokuzTürkLirası", "on dokuz Türk lirası"),
    ("20", "YirmiTürkLirası", "yirmi Türk lirası"),
    ("99", "DoksanDokuzTürkLirası", "doksan dokuz Türk lirası"),
    ("100", "YüzTürkLirası", "yüz Türk lirası"),
    ("101", "YüzBirTürkLirası", "yüz bir Türk lirası"),
    ("110", "YüzOnTürkLirası", "yüz on Türk lirası"),
    ("999", "DokuzYüzDoksanDokuzTürkLirası", "dokuz yüz doksan dokuz Türk lirası"),
    ("1000", "BinTürkLirası", "bin Türk lirası"),
    ("1001", "BinBirTürkLirası", "bin bir Türk lirası"),
    ("1100", "BinYüzTürkLirası", "bin yüz Türk lirası"),
    ("2000", "İkiBinTürkLirası", "iki bin Türk lirası"),
    ("10000", "OnBinTürkLirası", "on bin Türk lirası"),
    ("100000", "YüzBinTürkLirası", "yüz bin Türk lirası"),
    ("101000", "YüzBirBinTürkLirası", "yüz bir bin Türk lirası"),
    (
        "1234.56",
        "BinİkiYüzOtuzDörtTürkLirasıElliAltıKuruş",
        "bin iki yüz otuz dört Türk lirası elli altı kuruş",
    ),
    (
        "999999.99",
        "DokuzYüzDoksanDokuzBinDokuzYüzDoksanDokuzTürkLirasıDoksanDokuzKuruş",
        "dokuz yüz doksan dokuz bin dokuz yüz doksan dokuz Türk lirası doksan dokuz kuruş",
    ),
    ("1000000", "BirMilyonTürkLirası", "bir milyon Türk lirası"),
    ("1001000", "BirMilyonBinTürkLirası", "bir milyon bin Türk lirası"),
    ("2500000000", "İkiMilyarBeşYüzMilyonTürkLirası", "iki milyar beş yüz milyon Türk lirası"),
    ("1000000000001", "BirTrilyonBirTürkLirası", "bir trilyon bir Türk lirası"),
    (
        "999999999999999",
        "DokuzYüzDoksanDokuzTrilyonDokuzYüzDoksanDokuzMilyarDokuzYüzDoksanDokuzMilyon"
        "DokuzYüzDoksanDokuzBinDokuzYüzDoksanDokuzTürkLirası",
        "dokuz yüz doksan dokuz trilyon dokuz yüz doksan dokuz milyar dokuz yüz doksan dokuz"
        " milyon dokuz yüz doksan dokuz bin dokuz yüz doksan dokuz Türk lirası",
    ),
    ("1000000000000000", "BirKatrilyonTürkLirası", "bir katrilyon Türk lirası"),
    (
        "-1234.5",
        "EksiBinİkiYüzOtuzDörtTürkLirasıElliKuruş",
        "eksi bin iki yüz otuz dört Türk lirası elli kuruş",
    ),
    ("-0.01", "EksiSıfırTürkLirasıBirKuruş", "eksi sıfır Türk lirası bir kuruş"),
    # Rounded first, half-up to 2 places (core.money.round_money).
    ("0.005", "SıfırTürkLirasıBirKuruş", "sıfır Türk lirası bir kuruş"),
    ("0.004", "SıfırTürkLirası", "sıfır Türk lirası"),
    ("-0.004", "SıfırTürkLirası", "sıfır Türk lirası"),  # -0.00 is not negative
    ("2.675", "İkiTürkLirasıAltmışSekizKuruş", "iki Türk lirası altmış sekiz kuruş"),
    ("9.995", "OnTürkLirası", "on Türk lirası"),
    ("60.40", "AltmışTürkLirasıKırkKuruş", "altmış Türk lirası kırk kuruş"),
    ("1.00", "BirTürkLirası", "bir Türk lirası"),  # no kuruş part when the cents are zero
]


@pytest.mark.parametrize(("amount", "joined", "spaced"), TURKISH)
def test_turkish(amount, joined, spaced):
    assert amount_in_words(Decimal(amount)) == joined
    assert amount_in_words(Decimal(amount), "TRY", "tr", style="joined") == joined
    assert amount_in_words(Decimal(amount), style="spaced") == spaced


@pytest.mark.parametrize(
    ("amount", "currency", "joined", "spaced"),
    [
        (
            "1234.56",
            "EUR",
            "BinİkiYüzOtuzDörtAvroElliAltıSent",
            "bin iki yüz otuz dört avro elli altı sent",
        ),
        ("1.01", "USD", "BirAmerikanDolarıBirSent", "bir Amerikan doları bir sent"),
        ("20", "USD", "YirmiAmerikanDoları", "yirmi Amerikan doları"),
        ("3.50", "GBP", "ÜçİngilizSterliniElliPeni", "üç İngiliz sterlini elli peni"),
        # Currencies without words: the ISO code, cents as a fraction.
        ("1234.56", "CHF", "BinİkiYüzOtuzDörtCHF56/100", "bin iki yüz otuz dört CHF 56/100"),
        ("7.05", "JPY", "YediJPY05/100", "yedi JPY 05/100"),
        ("100", "CHF", "YüzCHF", "yüz CHF"),
    ],
)
def test_other_currencies(amount, currency, joined, spaced):
    assert amount_in_words(Decimal(amount), currency) == joined
    assert amount_in_words(Decimal(amount), currency, style="spaced") == spaced


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.56", "TRY", "one thousand two hundred thirty-four Turkish lira and fifty-six kuruş"),
        ("0", "TRY", "zero Turkish lira"),
        ("0.01", "TRY", "zero Turkish lira and one kuruş"),
        ("1.01", "USD", "one US dollar and one cent"),
        ("2.02", "USD", "two US dollars and two cents"),
        ("1.01", "GBP", "one pound sterling and one penny"),
        ("12.50", "GBP", "twelve pounds sterling and fifty pence"),
        ("1000000.10", "EUR", "one million euros and ten cents"),
        ("115", "EUR", "one hundred fifteen euros"),
        ("-2500000000", "TRY", "minus two billion five hundred million Turkish lira"),
        ("1000000000001", "TRY", "one trillion one Turkish lira"),
        ("1000.05", "CHF", "one thousand CHF and 05/100"),
        ("0.005", "USD", "zero US dollars and one cent"),
    ],
)
def test_english(amount, currency, expected):
    assert amount_in_words(Decimal(amount), currency, "en") == expected


def test_language_tags_ints_and_strings():
    assert amount_in_words(Decimal("5"), language="tr_TR") == "BeşTürkLirası"
    assert amount_in_words(Decimal("5"), language="en-US") == "five Turkish lira"
    assert amount_in_words(5) == "BeşTürkLirası"
    assert amount_in_words("5.5") == "BeşTürkLirasıElliKuruş"


def test_refused():
    with pytest.raises(TypeError, match="must not be a float"):
        amount_in_words(1234.56)
    with pytest.raises(TypeError):
        amount_in_words(True)
    with pytest.raises(ValueError, match="not a finite number"):
        amount_in_words(Decimal("Infinity"))
    with pytest.raises(ValueError, match="language"):
        amount_in_words(Decimal(1), language="de")
    with pytest.raises(ValueError, match="style"):
        amount_in_words(Decimal(1), style="upper")
    with pytest.raises(ValueError, match="ISO 4217"):
        amount_in_words(Decimal(1), "XXXX")
    with pytest.raises(ValueError, match="ISO 4217"):
        amount_in_words(Decimal(1), "try")
    assert amount_in_words(Decimal("999999999999999999.99"), style="spaced").endswith(
        "dokuz yüz doksan dokuz Türk lirası doksan dokuz kuruş"
    )
    for too_large in ("1000000000000000000", "999999999999999999.995", "-1e30"):
        with pytest.raises(ValueError, match="too large"):
            amount_in_words(Decimal(too_large))


# An independent inverse: words back to an amount. It is strict (digits in order, "bir"
# never before "yüz" or "bin", scales decreasing), so a round trip proves the words are
# complete and in the one canonical form.
_DIGITS = {
    "bir": 1,
    "iki": 2,
    "üç": 3,
    "dört": 4,
    "beş": 5,
    "altı": 6,
    "yedi": 7,
    "sekiz": 8,
    "dokuz": 9,
}
_TENS = {
    "on": 10,
    "yirmi": 20,
    "otuz": 30,
    "kırk": 40,
    "elli": 50,
    "altmış": 60,
    "yetmiş": 70,
    "seksen": 80,
    "doksan": 90,
}
_SCALES = {"bin": 10**3, "milyon": 10**6, "milyar": 10**9, "trilyon": 10**12, "katrilyon": 10**15}


def _group(tokens: list[str], i: int) -> tuple[int, int]:
    """One group below a thousand: [digit] yüz, [tens], [digit]."""
    value = 0
    if tokens[i] in _DIGITS and tokens[i + 1 : i + 2] == ["yüz"]:
        assert tokens[i] != "bir", "'bir yüz' is written 'yüz'"
        value, i = _DIGITS[tokens[i]] * 100, i + 2
    elif tokens[i] == "yüz":
        value, i = 100, i + 1
    if tokens[i] in _TENS:
        value, i = value + _TENS[tokens[i]], i + 1
    if tokens[i] in _DIGITS:
        value, i = value + _DIGITS[tokens[i]], i + 1
    return value, i


def _number(tokens: list[str], i: int) -> tuple[int, int]:
    if tokens[i] == "sıfır":
        return 0, i + 1
    total, last_scale = 0, 10**18
    while tokens[i] in _DIGITS or tokens[i] in _TENS or tokens[i] in ("yüz", "bin"):
        start = i
        group, i = _group(tokens, i)
        if tokens[i] in _SCALES:
            scale = _SCALES[tokens[i]]
            if scale == 1000 and i == start:
                group = 1  # "bin" alone
            assert not (scale == 1000 and group == 1 and i != start), "'bir bin' is written 'bin'"
            assert 0 < group < 1000 and scale < last_scale, tokens
            total, last_scale, i = total + group * scale, scale, i + 1
        else:
            assert 0 < group < 1000, tokens
            return total + group, i
    assert total, tokens
    return total, i


def _parse_turkish(tokens: list[str]) -> Decimal:
    tokens = [*tokens, "<end>"]
    sign, i = (-1, 1) if tokens[0] == "eksi" else (1, 0)
    whole, i = _number(tokens, i)
    assert tokens[i : i + 2] == ["türk", "lirası"], tokens
    i += 2
    cents = 0
    if tokens[i] != "<end>":
        cents, i = _number(tokens, i)
        assert 0 < cents < 100 and tokens[i] == "kuruş", tokens
        i += 1
    assert tokens[i] == "<end>", tokens
    return sign * (Decimal(whole) + Decimal(cents) / 100)


def _lower(word: str) -> str:
    return word.replace("İ", "i").replace("I", "ı").lower()


def _random_amount(rng: random.Random) -> Decimal:
    digits = rng.randint(1, 18)
    whole = rng.randrange(10 ** (digits - 1), 10**digits) if rng.random() < 0.9 else 0
    if rng.random() < 0.2:  # round numbers: lots of empty groups
        whole = rng.randint(1, 999) * 10 ** rng.randint(0, 15)
    cents = rng.choice([0, rng.randint(1, 99)])
    sign = -1 if rng.random() < 0.1 else 1
    return sign * (Decimal(whole) + Decimal(cents) / 100)


def test_random_amounts_round_trip():
    rng = random.Random(7)
    for _ in range(2000):
        amount = _random_amount(rng)
        spaced = amount_in_words(amount, style="spaced")
        assert "  " not in spaced and spaced == spaced.strip(), spaced
        assert spaced[0].islower() or spaced.startswith("eksi"), spaced
        assert _parse_turkish([_lower(word) for word in spaced.split(" ")]) == amount, spaced

        joined = amount_in_words(amount)
        assert not re.search(r"\s", joined) and joined[0].isupper(), joined
        words = re.findall(r"[A-ZÇĞİÖŞÜ][a-zçğıöşü]*", joined)
        assert "".join(words) == joined, joined  # every character is in a capitalised word
        assert _parse_turkish([_lower(word) for word in words]) == amount, joined
