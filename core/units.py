"""Units of measure: UN/ECE Recommendation 20 codes (what Turkish e-invoices use)."""

from __future__ import annotations

UNITS: dict[str, tuple[str, str]] = {  # code: (Turkish, English)
    "C62": ("Adet", "Piece"),
    "KGM": ("Kilogram", "Kilogram"),
    "GRM": ("Gram", "Gram"),
    "LTR": ("Litre", "Litre"),
    "MTR": ("Metre", "Metre"),
    "MTK": ("Metrekare", "Square metre"),
    "MTQ": ("Metreküp", "Cubic metre"),
    "BX": ("Kutu", "Box"),
    "PK": ("Paket", "Pack"),
    "SET": ("Set", "Set"),
    "HUR": ("Saat", "Hour"),
    "DAY": ("Gün", "Day"),
    "MON": ("Ay", "Month"),
}
DEFAULT_UNIT = "C62"


def unit_label(code: str, language: str = "tr") -> str:
    tr, en = UNITS.get(code, (code, code))
    return tr if language == "tr" else en
