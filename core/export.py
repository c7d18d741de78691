"""Exports of lists to CSV and XLSX, safe to open in a spreadsheet.

Text that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is neutralised against formula injection: in CSV, which has no
cell types, with a leading apostrophe (what OWASP recommends); in XLSX the text is kept
exactly (a phone number ``+90 212 ...`` stays as it is) in a cell typed as text and marked
with Excel's "quote prefix", so Excel runs it neither on opening nor when the cell is
edited. Numbers and money stay numeric cells (a negative amount is a number, not text, so
it is not touched). CSV: UTF-8 with a byte-order mark (so Excel reads Turkish letters),
comma separated, ``.`` as the decimal point.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def cell(value: Any, neutralise: bool = True) -> Any:
    """A value as an export cell: numbers, dates and booleans kept, text neutralised (CSV)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | Decimal | float | date | datetime):
        return value
    return safe_text(str(value)) if neutralise else str(value)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(str(h)) for h in headers])
    for row in rows:
        values = []
        for value in row:
            value = cell(value)
            if isinstance(value, datetime):
                value = value.isoformat(sep=" ", timespec="seconds")
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, bool):
                value = "1" if value else "0"
            values.append(value)
        writer.writerow(values)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    kinds: Sequence[str],
    title: str = "Export",
) -> bytes:
    """An .xlsx workbook (openpyxl, write-only so large lists stream)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        c = WriteOnlyCell(sheet, value=str(header))
        c.data_type = "s"
        c.font = bold
        header_cells.append(c)
    sheet.append(header_cells)
    formats = {"money": "#,##0.00", "number": "#,##0.####", "date": "yyyy-mm-dd"}
    for row in rows:
        cells = []
        for value, kind in zip(row, kinds, strict=True):
            value = cell(value, neutralise=False)
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones; shown as stored
            c = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                c.data_type = "s"  # never a formula, whatever the text
                if value.startswith(FORMULA_PREFIXES):
                    c.quotePrefix = True  # and Excel keeps it text when the cell is edited
            elif kind in formats:
                c.number_format = formats[kind]
            cells.append(c)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_title(title: str) -> str:
    """``title`` as Excel allows a sheet's name (no ``[]:*?/\\``, 31 characters)."""
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return (cleaned or "Export")[:31]
