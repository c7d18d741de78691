"""Each export read back: CSV bytes, XLSX (openpyxl), PDF (pypdf), Parquet (pyarrow)."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from .runner_world import REPORT

OCTOBER = "date_from=2026-10-01&date_to=2026-10-31"


def _export(client, fmt, query=OCTOBER):
    response = client.get(f"/reporting/{REPORT}/export.{fmt}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.get_data()


def test_csv_has_a_bom_and_neutralises_formulas(reporter):
    streamed = reporter.get(f"/reporting/{REPORT}/export.csv?{OCTOBER}", buffered=False)
    assert streamed.is_streamed  # made while it is sent, a chunk at a time
    streamed.close()
    data = _export(reporter, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Request,Date,Partner,Note,Quantity,Amount"  # no hidden id
    assert lines[1].endswith(",2026-10-05,Ayşe Tekstil,kumaş,2.000,200.00")
    assert "'=cmd|' /C calc'!A0" in lines[2]  # the formula arrives as text
    assert len(lines) == 3  # rows only: no totals line


def test_xlsx_has_typed_cells_a_frozen_header_and_totals(reporter, rep):
    book = load_workbook(io.BytesIO(_export(reporter, "xlsx")))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "Request",
        "Date",
        "Partner",
        "Note",
        "Quantity",
        "Amount",
    ]
    assert sheet[1][0].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    first = [c.value for c in sheet[2]]
    assert isinstance(first[1], datetime) and first[1].date() == date(2026, 10, 5)
    assert first[4] == 2 and first[5] == 200
    assert sheet[2][5].number_format == "#,##0.00"
    assert sheet[3][3].value == "=cmd|' /C calc'!A0" and sheet[3][3].data_type == "s"
    assert sheet[3][3].quotePrefix
    totals = [c.value for c in sheet[4]]
    assert totals[0] in ("Total", "Toplam") and totals[4] == 3 and totals[5] == pytest.approx(250.5)
    info = [(row[0].value, row[1].value) for row in book.worksheets[1].iter_rows()]
    assert info[0][1] == "Requests" and info[1][1] == rep.company.name
    assert ("From", "2026-10-01") in info and info[-1][1] == "2"  # the row count


def test_pdf_holds_the_rows_and_the_totals(reporter):
    reader = PdfReader(io.BytesIO(_export(reporter, "pdf")))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Requests" in text and "kumaş" in text and "Ayşe Tekstil" in text
    assert "250,50" in text


def test_pdf_of_a_huge_report_is_capped_and_says_so(reporter, monkeypatch):
    from addons.reporting import exports

    monkeypatch.setattr(exports, "PDF_ROWS", 1)
    reader = PdfReader(io.BytesIO(_export(reporter, "pdf")))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "first 1 of 2 rows" in text or "ilk 1" in text
    assert "kumaş" in text and "calc" not in text
    assert "250,50" in text  # the totals are of every row


def test_parquet_has_decimal_and_date_types(reporter):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(_export(reporter, "parquet")))
    assert table.schema.field("amount").type == pa.decimal128(18, 2)
    assert table.schema.field("quantity").type == pa.decimal128(18, 3)
    assert table.schema.field("date").type == pa.date32()
    assert "id" not in table.schema.names
    rows = table.to_pylist()
    assert rows[0]["amount"] == Decimal("200.00") and rows[0]["date"] == date(2026, 10, 5)
    assert rows[1]["note"] == "=cmd|' /C calc'!A0"


def test_parquet_without_pyarrow_names_the_extra(reporter, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    page = reporter.get(f"/reporting/{REPORT}/export.parquet?{OCTOBER}", follow_redirects=True)
    assert "pip install &#39;yaprak[olap]&#39;" in page.get_data(as_text=True)
    answer = reporter.get(f"/api/v1/reporting/reports/{REPORT}?format=parquet")
    assert answer.status_code == 501
    assert "yaprak[olap]" in answer.get_json()["error"]["message"]


def test_an_export_with_bad_parameters_is_the_form_again(reporter):
    response = reporter.get(f"/reporting/{REPORT}/export.xlsx?group_by=planet")
    assert response.status_code == 400
    assert 'data-error-for="group_by"' in response.get_data(as_text=True)


def test_an_unknown_format_is_404(reporter):
    assert reporter.get(f"/reporting/{REPORT}/export.doc").status_code == 404
