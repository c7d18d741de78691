"""Customer profitability benchmark (issue 7): the report over a million posted invoice lines.

    python bench/profitability.py --lines 100000                        # SQLite file in /tmp
    python bench/profitability.py --lines 1000000 --url postgresql://postgres@127.0.0.1:5432/bench_b
    python bench/profitability.py --lines 1000000 --reuse               # time an existing one

Setup (not measured): one company with sales and reporting, 5,000 customers in 50 groups
(every 25th without a group), 2,000 products in 40 categories, and posted invoices over three
years (2023-2025) of 1 to 9 lines (5 on average), 4 % of them followed by a credit note of
their first line, until ``--lines`` lines exist. Rows are inserted in bulk (SQLAlchemy Core)
exactly as posting leaves them: each line's net and KDV rounded by ``line_amounts``, its cost
frozen (unit cost, amount, ``standard``), headers the sums of their lines, credit notes
pointing at their invoice and line. Then ``ANALYZE`` (PostgreSQL: ``VACUUM ANALYZE``).

Measured, through the framework as the report page runs it (``load_params``,
``run_report``, every row read, totals), best of ``--runs`` after a warm-up: profitability
by customer over the three years and over 2025, by customer group for 2025 compared with
the previous period (2024), by product for 2025. Checked first: the report's totals over
the three years equal sums of the lines computed in SQL.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text

from core.companies import add_company, enable_addons, get_company
from core.config import Config
from core.documents import line_amounts
from core.kernel import lifecycle
from core.money import round_money
from core.runtime import Runtime

CUSTOMERS, GROUPS, PRODUCTS, CATEGORIES = 5000, 50, 2000, 40
START, END = date(2023, 1, 1), date(2025, 12, 31)
TODAY = END
CASES = (
    ("by customer, 3 years", {"date_from": "2023-01-01", "date_to": "2025-12-31"}),
    ("by customer, 2025", {"date_from": "2025-01-01", "date_to": "2025-12-31"}),
    (
        "by group, 2025 vs 2024",
        {
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
            "group_by": "customer_group",
            "comparison": "previous_period",
        },
    ),
    (
        "by product, 2025",
        {"date_from": "2025-01-01", "date_to": "2025-12-31", "group_by": "product"},
    ),
)


def master_data(runtime: Runtime, company_id: int) -> tuple[list[int], list[tuple]]:
    """Groups, categories, customers and products; returns customer ids and products as
    ``(id, price, cost)``."""
    from core.models import Partner, PartnerGroup, Product, ProductCategory

    now = datetime.now(UTC)
    with runtime.db.engine.begin() as conn:
        groups = [
            conn.execute(
                insert(PartnerGroup.__table__).returning(PartnerGroup.__table__.c.id),
                {"company_id": company_id, "name": f"Grup {g:02d}"},
            ).scalar_one()
            for g in range(GROUPS)
        ]
        categories = [
            conn.execute(
                insert(ProductCategory.__table__).returning(ProductCategory.__table__.c.id),
                {"company_id": company_id, "name": f"Kategori {c:02d}"},
            ).scalar_one()
            for c in range(CATEGORIES)
        ]
        conn.execute(
            insert(Partner.__table__),
            [
                {
                    "company_id": company_id,
                    "name": f"Müşteri {i:05d} A.Ş.",
                    "is_customer": True,
                    "group_id": None if i % 25 == 0 else groups[(i // 3) % GROUPS],
                    "currency": "TRY",
                    "search_key": f"musteri {i:05d} a.s.",
                    "created_at": now,
                }
                for i in range(CUSTOMERS)
            ],
        )
        rng = random.Random(2)
        rows = []
        for i in range(PRODUCTS):
            price = Decimal(rng.randint(500, 500000)).scaleb(-2).quantize(Decimal("0.0001"))
            cost = (price * Decimal(rng.randint(40, 95)) / 100).quantize(Decimal("0.0001"))
            rows.append(
                {
                    "company_id": company_id,
                    "code": f"U{i:05d}",
                    "name": f"Ürün {i:05d}",
                    "list_price": price,
                    "cost_price": cost,
                    "tax_rate": 20,
                    "category_id": categories[i % CATEGORIES],
                    "search_key": f"u{i:05d} urun {i:05d}",
                    "created_at": now,
                }
            )
        conn.execute(insert(Product.__table__), rows)
        customers = list(
            conn.scalars(select(Partner.__table__.c.id).where(Partner.company_id == company_id))
        )
        products = [
            (r.id, r.list_price, r.cost_price)
            for r in conn.execute(
                select(Product.id, Product.list_price, Product.cost_price).where(
                    Product.company_id == company_id
                )
            )
        ]
    return customers, products


def documents(runtime: Runtime, company_id: int, total_lines: int) -> int:
    """Posted invoices and credit notes until ``total_lines`` lines; returns the lines."""
    from addons.sales.models import SalesInvoice, SalesInvoiceLine

    customers, products = master_data(runtime, company_id)
    rng = random.Random(7)
    days = (END - START).days + 1
    now = datetime.now(UTC)
    zero = Decimal("0.00")
    invoice_id = line_id = 0
    made = 0
    heads: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []

    def head(kind: str, day: date, partner: int, origin: int | None, rows: list) -> dict:
        nonlocal invoice_id
        invoice_id += 1
        untaxed = sum((r["net"] for r in rows), zero)
        tax = sum((r["tax"] for r in rows), zero)
        total = untaxed + tax
        for r in rows:
            r["invoice_id"] = invoice_id
        return {
            "id": invoice_id,
            "company_id": company_id,
            "number": f"FTR-{invoice_id:07d}",
            "state": "posted",
            "date": day,
            "currency": "TRY",
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": total,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "partner_id": partner,
            "kind": kind,
            "origin_id": origin,
            "due_date": day + timedelta(days=30) if kind == "invoice" else None,
            "amount_cost": sum((r["cost_amount"] for r in rows), zero),
            "amount_paid": zero,
            "amount_residual": total,
            "payment_state": "not_paid",
            "note": "",
        }

    def line(seq: int, product: tuple, quantity: Decimal, origin: int | None = None) -> dict:
        nonlocal line_id
        line_id += 1
        pid, price, cost = product
        discount = Decimal(5) if seq % 4 == 0 else zero
        net, tax = line_amounts(quantity, price, discount, 20)
        return {
            "id": line_id,
            "company_id": company_id,
            "sequence": seq * 10,
            "description": "",
            "quantity": quantity,
            "unit_price": price,
            "discount": discount,
            "tax_rate": 20,
            "net": net,
            "tax": tax,
            "product_id": pid,
            "origin_line_id": origin,
            "cost_unit": cost,
            "cost_amount": round_money(cost * quantity),
            "cost_basis": "standard",
        }

    def flush() -> None:
        with runtime.db.engine.begin() as conn:
            conn.execute(insert(SalesInvoice.__table__), heads)
            conn.execute(insert(SalesInvoiceLine.__table__), lines)
        heads.clear()
        lines.clear()

    while made < total_lines:
        day = START + timedelta(days=rng.randrange(days))
        partner = customers[rng.randrange(CUSTOMERS)]
        count = min(rng.randint(1, 9), total_lines - made)
        rows = [
            line(
                n + 1,
                products[rng.randrange(PRODUCTS)],
                Decimal(rng.randint(1, 40)).quantize(Decimal("0.001")),
            )
            for n in range(count)
        ]
        lines.extend(rows)
        invoice = head("invoice", day, partner, None, rows)
        heads.append(invoice)
        made += count
        if rng.random() < 0.04 and made < total_lines:
            first = rows[0]
            product = (first["product_id"], first["unit_price"], first["cost_unit"])
            back = [line(1, product, first["quantity"], origin=first["id"])]
            back[0]["discount"] = first["discount"]
            back[0]["net"], back[0]["tax"] = first["net"], first["tax"]
            lines.extend(back)
            when = min(day + timedelta(days=rng.randrange(30)), END)
            heads.append(head("credit_note", when, partner, invoice["id"], back))
            made += 1
        if len(lines) >= 50_000:
            flush()
    if heads:
        flush()
    if runtime.db.engine.dialect.name == "postgresql":
        with runtime.db.engine.begin() as conn:
            for table in ("sales_invoice", "sales_invoice_line"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    return made


def setup(url: str, home: Path, total_lines: int, reuse: bool) -> tuple[Runtime, int]:
    runtime = Runtime(
        Config(home=home, database_url=url, addons=["sales", "reporting"], secret_key="b")
    )
    if reuse:
        with runtime.db.Session() as s:
            return runtime, get_company(s, "BENCH").id
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company_id = add_company(s, "BENCH", "Bench Ticaret A.Ş.", "TRY").id
    enable_addons(runtime, "BENCH", ["sales", "reporting"])
    started = time.perf_counter()
    made = documents(runtime, company_id, total_lines)
    from sample_data import settle  # bench/sample_data.py

    settle(runtime.db.engine)
    print(f"  loaded {made:,} lines in {time.perf_counter() - started:.0f} s", flush=True)
    return runtime, company_id


def lines_sums(runtime: Runtime, company_id: int) -> tuple[Decimal, Decimal]:
    """Revenue and cost over everything, from the lines, in SQL."""
    from core.types import Money

    sql = text(
        "SELECT SUM(CASE WHEN i.kind = 'credit_note' THEN -l.net ELSE l.net END) AS revenue,"
        " SUM(CASE WHEN i.kind = 'credit_note' THEN -l.cost_amount ELSE l.cost_amount END)"
        " AS cost FROM sales_invoice_line l JOIN sales_invoice i ON i.id = l.invoice_id"
        " WHERE i.company_id = :c AND i.state = 'posted'"
    ).columns(revenue=Money(), cost=Money())
    with runtime.db.engine.connect() as conn:
        row = conn.execute(sql, {"c": company_id}).one()
    return row.revenue, row.cost


def time_case(runtime: Runtime, company_id: int, raw: dict, runs: int) -> tuple[float, Any]:
    from addons.reporting.framework import (
        ReportContext,
        find_report,
        load_params,
        run_report,
    )

    with runtime.db.Session() as s:
        company = get_company(s, "BENCH")
    report = find_report(runtime.hooks_for(company), "reporting.profitability")
    times = []
    for _run in range(runs + 1):  # the first is the warm-up
        with runtime.db.session_for(company_id) as session:
            started = time.perf_counter()
            ctx = ReportContext(session, company, None, TODAY, "en")
            result = run_report(report, ctx, load_params(report, ctx, raw))
            rows = sum(1 for _row in result.rows())
            times.append(time.perf_counter() - started)
    return min(times[1:]), (rows, result.totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: an SQLite file in /tmp)")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="time the data loaded before")
    args = parser.parse_args()
    url = args.url or f"sqlite:////tmp/bench_profitability_{args.lines}.db"
    if url.startswith("sqlite:////") and not args.reuse:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    home = Path(f"/tmp/bench_profitability_home_{os.getpid()}")
    home.mkdir(exist_ok=True)
    runtime, company_id = setup(url, home, args.lines, args.reuse)
    engine = runtime.db.engine.dialect.name
    revenue, cost = lines_sums(runtime, company_id)
    print(f"[{engine}] {args.lines:,} lines; load {os.getloadavg()[0]:.2f}", flush=True)
    for label, raw in CASES:
        best, (rows, totals) = time_case(runtime, company_id, raw, args.runs)
        if label.endswith("3 years"):
            assert (totals["revenue"], totals["cost"]) == (revenue, cost), (totals, revenue, cost)
        print(f"  {label:<26} {best * 1000:8.0f} ms  ({rows:,} rows)", flush=True)
    print(f"  totals checked against the lines: revenue {revenue:,}, cost {cost:,}")
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runtime.db.dispose()


if __name__ == "__main__":
    main()
