"""Report export benchmark (issue 7): XLSX of 100,000 report rows, time and peak memory.

    python bench/report_export.py                 # XLSX, 100,000 rows; CSV and Parquet too
    python bench/report_export.py --rows 1000000 --formats xlsx

Each export runs in a child process of its own (a fresh interpreter), which reports its
wall-clock and CPU time and its peak resident memory (``getrusage(RUSAGE_SELF).ru_maxrss``, read
when it is done) and the memory it had before the export began. The rows come from a
generator shaped like a sales report (text, money, quantity, date, percent, integer; a
hidden id column), through the framework's ``Result`` (totals added as rows stream) and
``addons.reporting.exports``, as the page and the API export them. The goal: under 15 s and
under 300 MB peak for 100,000 rows in XLSX.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rows(count: int):
    start = date(2026, 1, 1)
    customers = [f"Müşteri {i:04d} Ticaret A.Ş." for i in range(500)]
    products = [f"Ürün {i:03d} — Çimento {i % 50} kg" for i in range(300)]
    for i in range(count):
        quantity = Decimal(i % 37 + 1) + Decimal("0.125")
        price = Decimal(1000 + i % 9000) / 100
        revenue = (quantity * price).quantize(Decimal("0.01"))
        cost = (revenue * Decimal("0.62")).quantize(Decimal("0.01"))
        yield (
            i + 1,
            customers[i % 500],
            products[i % 300],
            start + timedelta(days=i % 330),
            quantity,
            revenue,
            cost,
            revenue - cost,
            ((revenue - cost) / revenue * 100).quantize(Decimal("0.1")) if revenue else None,
            i % 12 + 1,
        )


def child(fmt: str, count: int) -> None:
    import resource

    from marshmallow import Schema

    from addons.reporting.exports import Heading, csv_chunks, write_parquet, write_xlsx
    from addons.reporting.framework import Column, Report, ReportData, Result

    columns = [
        Column("id", "Id", "integer", hidden=True),
        Column("customer", "Customer"),
        Column("product", "Product"),
        Column("date", "Date", "date"),
        Column("quantity", "Quantity", "quantity", total=True),
        Column("revenue", "Revenue", "money", total=True),
        Column("cost", "Cost", "money", total=True),
        Column("margin", "Margin", "money", total=True),
        Column("margin_pct", "Margin %", "percent"),
        Column("lines", "Lines", "integer", total=True),
    ]
    report = Report("bench.sales", "Sales", Schema, run=lambda ctx, p: None)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    heading = Heading("Sales", "Bench A.Ş.", [("From", "2026-01-01")], [], "tr")
    started = time.perf_counter()
    result = Result(report, {}, ReportData(columns, _rows(count), currency="TRY"))
    with tempfile.TemporaryFile() as out:
        if fmt == "xlsx":
            write_xlsx(result, out, heading)
        elif fmt == "parquet":
            write_parquet(result, out)
        elif fmt == "rows":  # the rows alone (made and summed), nothing written: the floor
            for _row in result.rows():
                pass
        else:
            for chunk in csv_chunks(result):
                out.write(chunk)
        size = out.tell()
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    figures = {"format": fmt, "rows": result.count, "seconds": elapsed, "cpu": cpu, "bytes": size}
    print(json.dumps({**figures, "rss_before_kb": before, "peak_rss_kb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="rows,xlsx,csv,parquet")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    print(f"load average before: {os.getloadavg()}")
    for fmt in args.formats.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", fmt, "--rows", str(args.rows)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        f = json.loads(out.strip().splitlines()[-1])
        print(
            f"{f['format']:8} {f['rows']:>9,} rows  {f['seconds']:6.2f} s (CPU {f['cpu']:5.2f} s)  "
            f"{f['rows'] / f['seconds']:>9,.0f} rows/s  file {f['bytes'] / 1e6:6.1f} MB  "
            f"peak RSS {f['peak_rss_kb'] / 1024:6.1f} MB "
            f"(before the export: {f['rss_before_kb'] / 1024:.1f} MB)"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
