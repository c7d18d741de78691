"""A report's exports: CSV, XLSX, PDF and Parquet, written while the rows stream.

- **CSV**: UTF-8 with a byte-order mark (Excel reads Turkish letters), a header row, one
  line per row; text a spreadsheet would run as a formula gets a leading ``'``
  (``core.export.safe_text``); numbers with ``.`` as the decimal point, dates ISO. No
  totals line: the file is data, to be summed by whoever opens it.
- **XLSX** (XlsxWriter, ``constant_memory``: a row is written and dropped): numbers and
  dates as typed cells with number formats, a bold header row frozen with an autofilter,
  a bold totals row, and a second sheet with the title, the parameters and the notes.
- **PDF**: at most ``PDF_ROWS`` rows (a note on the PDF says so; the totals and the count
  are of every row), through core's PDF machinery (limits, company header, fonts).
- **Parquet** (pyarrow, ``pip install 'yaprak[olap]'``): money as ``decimal128(18,2)``,
  quantities ``decimal128(18,3)``, percents ``decimal128(18,4)``, dates ``date32``,
  integers ``int64``; written in batches of ``PARQUET_BATCH`` rows. No totals.

Hidden columns (ids for drill-down) are never exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from core.export import FORMULA_PREFIXES, safe_text, sheet_title
from core.i18n import N_, _

from .formatting import formatted_row, formatted_totals
from .framework import Result

PDF_ROWS = 2_000  # rows a PDF holds at most (a PDF of a huge report is a book no one reads)
PARQUET_BATCH = 10_000
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "parquet": "application/vnd.apache.parquet",
}
FORMATS = tuple(MIMETYPES)
OLAP_MISSING = N_(
    "Parquet needs pyarrow: pip install 'yaprak[olap]' (in a source checkout: pip install -e"
    " '.[olap]')"
)


class ExportUnavailable(RuntimeError):
    """The format needs an optional package that is not installed."""


@dataclass
class Heading:
    """What an export says about the run: title, company, parameters, notes."""

    title: str
    company: str
    params: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    language: str = "tr"


def filename(report_id: str, fmt: str, on: date) -> str:
    return f"{report_id.replace('.', '-')}-{on.isoformat()}.{fmt}"


def _visible(result: Result) -> list[int]:
    return [i for i, c in enumerate(result.columns) if not c.hidden]


# --------------------------------------------------------------------------------- CSV
def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal | float):
        return value
    return safe_text(str(value))


def csv_chunks(result: Result, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The CSV file in pieces (a streamed response holds one piece at a time)."""
    keep = _visible(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(str(result.columns[i].label)) for i in keep])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(result.rows(), 1):
        writer.writerow([_csv_value(row[i]) for i in keep])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


# -------------------------------------------------------------------------------- XLSX
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "price": "#,##0.00##",
    "quantity": "#,##0.###",
    "percent": "0.0#",
    "integer": "#,##0",
    "date": "yyyy-mm-dd",
}


def write_xlsx(result: Result, out: IO[bytes], heading: Heading) -> None:
    """The workbook into ``out`` (a file): rows streamed, memory bounded."""
    import xlsxwriter

    keep = _visible(result)
    columns = [result.columns[i] for i in keep]
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    try:
        bold = book.add_format({"bold": True})
        quoted = book.add_format({"quote_prefix": True})
        formats = {k: book.add_format({"num_format": v}) for k, v in NUMBER_FORMATS.items()}
        total_formats = {
            k: book.add_format({"num_format": v, "bold": True}) for k, v in NUMBER_FORMATS.items()
        }
        sheet = book.add_worksheet(sheet_title(heading.title))
        info = book.add_worksheet(sheet_title(_("Report")))
        for col, column in enumerate(columns):
            width = 14 if column.kind != "text" else 28
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, str(column.label), bold)
        sheet.freeze_panes(1, 0)
        writers = [
            (col, index, _cell_writer(sheet, columns[col].kind, formats, quoted))
            for col, index in enumerate(keep)
        ]
        r = 0
        for row in result.rows():
            r += 1
            for col, index, write in writers:
                value = row[index]
                if value is not None:
                    write(r, col, value)
        last = r
        r += 1
        sheet.write_string(r, 0, _("Total"), bold)
        mixed = {c.key for c in columns if c.currency_key}
        for col, column in enumerate(columns):
            value = result.totals.get(column.key)  # a ratio's total may be empty (None)
            if value is not None and column.key not in mixed:
                sheet.write_number(r, col, float(value), total_formats[column.kind])
        sheet.autofilter(0, 0, max(last, 1), max(len(columns) - 1, 0))
        _write_info(info, result, heading, bold)
    finally:
        book.close()


NUMBERS = (int, Decimal, float)


def _cell_writer(sheet: Any, kind: str, formats: dict, quoted: Any) -> Any:
    """A function writing one cell of a column of ``kind`` (picked once per column: the
    per-cell work is what an export of many rows costs); any other value is written by
    its own type."""
    fmt = formats.get(kind)
    if kind in ("money", "price", "quantity", "percent", "integer"):
        write_number = sheet.write_number

        def number(r: int, col: int, value: Any) -> None:
            if type(value) in NUMBERS:  # an Excel number is a double, shown by its format
                write_number(r, col, float(value), fmt)
            else:
                _write_cell(sheet, r, col, kind, value, formats, quoted)

        return number
    if kind == "text":
        write_string = sheet.write_string

        def text(r: int, col: int, value: Any) -> None:
            if type(value) is str:  # always a text cell, never a formula
                write_string(r, col, value, quoted if value.startswith(FORMULA_PREFIXES) else None)
            else:
                _write_cell(sheet, r, col, kind, value, formats, quoted)

        return text
    return lambda r, col, value: _write_cell(sheet, r, col, kind, value, formats, quoted)


def _write_cell(
    sheet: Any, r: int, col: int, kind: str, value: Any, formats: dict, quoted: Any
) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(r, col, value)
    elif isinstance(value, int | Decimal | float):  # an Excel number is a double, by format
        sheet.write_number(r, col, float(value), formats.get(kind))
    elif isinstance(value, date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)  # Excel has no time zones
        sheet.write_datetime(r, col, value, formats["date"])
    else:
        text = str(value)  # always a text cell, never a formula
        sheet.write_string(r, col, text, quoted if text.startswith(FORMULA_PREFIXES) else None)


def _write_info(info: Any, result: Result, heading: Heading, bold: Any) -> None:
    lines: list[tuple[str, str]] = [
        (_("Report"), heading.title),
        (_("Company"), heading.company),
        *heading.params,
        (_("Rows"), str(result.count)),
        *[(_("Note"), note) for note in heading.notes],
    ]
    info.set_column(0, 0, 24)
    info.set_column(1, 1, 60)
    for r, (label, value) in enumerate(lines):
        info.write_string(r, 0, str(label), bold)
        info.write_string(r, 1, safe_text(str(value)))


# --------------------------------------------------------------------------------- PDF
class PrintedReport:
    """What the PDF template prints (``document`` in core's PDF context)."""

    def __init__(self, result: Result, heading: Heading, currency: str | None) -> None:
        columns = result.columns
        self.display_name = heading.title
        self.heading = heading
        self.pdf_language = heading.language
        self.columns = [c for c in columns if not c.hidden]
        self.rows: list[list[str]] = []
        for row in result.rows():
            if len(self.rows) < PDF_ROWS:
                self.rows.append(formatted_row(columns, row, currency, heading.language))
        self.count = result.count
        self.capped = result.count > PDF_ROWS
        self.totals = formatted_totals(columns, result.totals, currency, heading.language)
        self.has_totals = bool(result.totals)


def pdf_bytes(session: Any, company_id: int, result: Result, heading: Heading) -> bytes:
    """The report's PDF (in a request or not), at most ``PDF_ROWS`` rows."""
    from core.web.pdf import template_pdf_bytes

    printed = PrintedReport(result, heading, result.data.currency)
    return template_pdf_bytes(
        session, company_id, "reporting/pdf/report.html", printed, pdf_rows=PDF_ROWS
    )


# ----------------------------------------------------------------------------- Parquet
def _arrow_types(pa: Any) -> dict[str, Any]:
    return {
        "text": pa.string(),
        "money": pa.decimal128(18, 2),
        "price": pa.decimal128(18, 4),
        "quantity": pa.decimal128(18, 3),
        "percent": pa.decimal128(18, 4),
        "integer": pa.int64(),
        "date": pa.date32(),
    }


SCALES = {"money": 2, "price": 4, "quantity": 3, "percent": 4}


def _arrow_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in SCALES:
        return Decimal(value).quantize(Decimal(1).scaleb(-SCALES[kind]))
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    if kind == "text":
        return str(value)
    return value


def write_parquet(result: Result, out: IO[bytes]) -> None:
    """The rows into ``out`` as Parquet, ``PARQUET_BATCH`` rows in memory at a time."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # the olap extra is not installed
        raise ExportUnavailable(OLAP_MISSING) from None
    keep = _visible(result)
    types = _arrow_types(pa)
    kinds = [result.columns[i].kind for i in keep]
    schema = pa.schema(
        [pa.field(result.columns[i].key, types[k]) for i, k in zip(keep, kinds, strict=True)]
    )
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[Sequence[Any]] = []

        def flush() -> None:
            arrays = [
                pa.array([_arrow_value(kind, row[i]) for row in batch], type=types[kind])
                for i, kind in zip(keep, kinds, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            batch.clear()

        for row in result.rows():
            batch.append(row)
            if len(batch) >= PARQUET_BATCH:
                flush()
        if batch or result.count == 0:
            flush()


def write_export(
    fmt: str, result: Result, out: IO[bytes], heading: Heading, session: Any, company_id: int
) -> None:
    """The export ``fmt`` of a run into the binary file ``out``, rows streamed (the page's
    downloads, e-mailed schedules and ``yaprak reporting run`` all write through here)."""
    if fmt == "csv":
        for chunk in csv_chunks(result):
            out.write(chunk)
    elif fmt == "xlsx":
        write_xlsx(result, out, heading)
    elif fmt == "parquet":
        write_parquet(result, out)
    elif fmt == "pdf":
        out.write(pdf_bytes(session, company_id, result, heading))
    else:
        raise ValueError(f"no export format {fmt!r} (one of {', '.join(FORMATS)})")
