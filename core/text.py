"""Turkish-aware text keys for search, the same on SQLite and PostgreSQL.

Python's ``"I".lower()`` is ``i`` (Turkish wants ``ı``), ``"İ".lower()`` is ``i̇`` (with a
combining dot), and SQLite's ``LIKE`` folds ASCII letters only. Searchable records keep a
``search_key``: the text lower-cased the Turkish way, then folded to ASCII (ı→i, ş→s, ğ→g,
ü→u, ö→o, ç→c), so ``şeker`` finds ``ŞEKER``, ``istanbul`` finds ``İSTANBUL`` and a user
without a Turkish keyboard typing ``sirket`` finds ``Şirket``.
"""

from __future__ import annotations

import unicodedata

_TR_UPPER = str.maketrans({"I": "ı", "İ": "i"})
_ASCII = str.maketrans(
    {"ı": "i", "ş": "s", "ğ": "g", "ü": "u", "ö": "o", "ç": "c", "â": "a", "î": "i", "û": "u"}
)


def tr_lower(text: str) -> str:
    """Lower case the Turkish way: ``I`` -> ``ı``, ``İ`` -> ``i``."""
    return text.translate(_TR_UPPER).lower()


def search_key(*parts: str | None) -> str:
    """The folded key of ``parts`` joined by spaces (see the module docstring)."""
    text = " ".join(p for p in parts if p)
    folded = tr_lower(text).translate(_ASCII)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()
