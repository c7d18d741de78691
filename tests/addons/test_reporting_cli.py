"""`yaprak reporting list | run`: a report on the terminal or into a file, bad parameters
refused naming them, unknown reports naming the company's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from .reporting_world import make_report_world


def _world(sales_world):
    world = make_report_world(sales_world)
    with world.session() as s:
        world.invoice(s, world.customers[0], [(world.products[0], "3", "100", "0")], date.today())
        world.invoice(s, world.customers[1], [(world.products[1], "1", "50", "0")], date.today())
        s.commit()
    return world


def test_list_and_run_on_the_terminal(sales_world, cli, yaprak_runtime):
    from core.companies import enable_addons

    enable_addons(yaprak_runtime, "SATIS", ["reporting"])
    _world(sales_world)
    listed = cli("reporting", "list", "--company", "SATIS").output
    assert "reporting.profitability\t" in listed and "reporting.receivables_ageing" in listed
    out = cli("reporting", "run", "reporting.profitability", "--company", "satis").output
    lines = out.splitlines()
    assert lines[0].startswith("Dönem: 1 ")  # the report's notes first: the dates it covers
    assert lines[1].startswith("Yalnızca TRY faturalar")
    assert lines[2].split()[:2] == ["Müşteri", "Faturalar"]  # Turkish unless --language en
    assert "(2 rows)" in out and "350,00" in lines[-2]  # the totals line: 300 + 50
    english = cli(
        "reporting", "run", "reporting.profitability", "--company", "SATIS", "--language", "en"
    ).output
    assert english.splitlines()[0].startswith("Period: ")
    assert english.splitlines()[2].split()[:2] == ["Customer", "Invoices"]
    assert "350.00" in english
    by_group = cli(
        "reporting",
        "run",
        "reporting.profitability",
        "--company",
        "SATIS",
        "-p",
        "group_by=customer_group",
        "-p",
        "preset=this_year",
    ).output
    assert "(2 rows)" in by_group or "(1 rows)" in by_group


def test_run_into_files(sales_world, cli, yaprak_runtime, tmp_path):
    from core.companies import enable_addons

    enable_addons(yaprak_runtime, "SATIS", ["reporting"])
    _world(sales_world)
    xlsx = tmp_path / "out" / "profit.xlsx"
    out = cli(
        "reporting",
        "run",
        "reporting.profitability",
        "--company",
        "SATIS",
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
    ).output
    assert "Wrote 2 rows" in out
    sheet = load_workbook(xlsx).worksheets[0]
    header = [c.value for c in sheet[1]]
    at = header.index("Satış tutarı")  # revenue
    revenues = [row[at] for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert sorted(Decimal(str(v)) for v in revenues) == [Decimal(50), Decimal(300)]
    csv = tmp_path / "profit.csv"
    cli(
        "reporting",
        "run",
        "reporting.sales_by_period",
        "--company",
        "SATIS",
        "--format",
        "csv",
        "--out",
        str(csv),
    )
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_bad_input_is_named(sales_world, cli, yaprak_runtime):
    from core.companies import enable_addons

    enable_addons(yaprak_runtime, "SATIS", ["reporting"])
    bad = cli(
        "reporting",
        "run",
        "reporting.profitability",
        "--company",
        "SATIS",
        "-p",
        "date_from=2026-05-01",
        "-p",
        "date_to=2026-04-01",
        expect=1,
    ).output
    assert "--param date_to:" in bad
    unknown = cli(
        "reporting",
        "run",
        "reporting.profitability",
        "--company",
        "SATIS",
        "-p",
        "group_by=colour",
        expect=1,
    ).output
    assert "--param group_by:" in unknown
    missing = cli("reporting", "run", "sales.nothing", "--company", "SATIS", expect=1).output
    assert "no report 'sales.nothing' for SATIS" in missing and "reporting.profitability" in missing
    nofile = cli(
        "reporting",
        "run",
        "reporting.profitability",
        "--company",
        "SATIS",
        "--format",
        "pdf",
        expect=2,
    ).output
    assert "--out" in nofile
