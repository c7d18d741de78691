"""Cube export benchmark: ``yaprak reporting export-cube`` over 1,000,000 invoice lines.

    python bench/cube_export.py                     # SQLite file in a temporary folder
    python bench/cube_export.py --url postgresql://postgres@127.0.0.1:5432/bench_c

One company, 5,000 customers in 20 groups, 2,000 products in 30 categories, 10
salespeople, 250,000 posted documents of 4 lines over 3 years (every 10th a credit note of
the one before), inserted with bulk Core inserts in the shape the sales services leave
(numbers, states, totals, each line's frozen cost). The export runs as the real command in
a child process; printed: its wall time, the time it reports, the child's peak RSS, the
files' sizes, and a check that DuckDB's totals equal the database's (target: under 20 s).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import batches, postgres_schema, settle  # bench/sample_data.py
from sqlalchemy import func, insert, select, text

from addons.sales.models import SalesInvoice, SalesInvoiceLine
from core.auth import add_user
from core.companies import add_company, enable_addons
from core.config import Config
from core.kernel import lifecycle
from core.models import Partner, PartnerGroup, Product, ProductCategory
from core.runtime import Runtime

CENT = Decimal("0.01")


def populate(runtime: Runtime, lines: int, customers: int, seed: int = 7) -> int:
    """The company BENCH with its master data and ``lines`` posted invoice lines."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with runtime.db.transaction() as s:
        add_company(s, "BENCH", "Bench A.Ş.")
    enable_addons(runtime, "BENCH", ["reporting"])
    engine = runtime.db.engine
    with runtime.db.transaction() as s:
        company_id = s.scalar(text("SELECT id FROM core_company WHERE code = 'BENCH'"))
        sellers = [add_user(s, f"seller{i}@bench.test", f"Seller {i}").id for i in range(10)]
    with engine.begin() as conn:
        groups = [{"company_id": company_id, "name": f"Group {i}"} for i in range(20)]
        conn.execute(insert(PartnerGroup.__table__), groups)
        cats = [{"company_id": company_id, "name": f"Category {i}"} for i in range(30)]
        conn.execute(insert(ProductCategory.__table__), cats)
        group_ids = list(conn.scalars(select(PartnerGroup.id)))
        cat_ids = list(conn.scalars(select(ProductCategory.id)))
        conn.execute(
            insert(Partner.__table__),
            [
                {
                    "company_id": company_id,
                    "name": f"Customer {i:05d}",
                    "is_customer": True,
                    "group_id": rng.choice([*group_ids, None]),
                    "search_key": f"customer {i:05d}",
                    "created_at": now,
                }
                for i in range(customers)
            ],
        )
        conn.execute(
            insert(Product.__table__),
            [
                {
                    "company_id": company_id,
                    "code": f"P{i:05d}",
                    "name": f"Product {i:05d}",
                    "category_id": rng.choice([*cat_ids, None]),
                    "list_price": Decimal(rng.randint(100, 99999)).scaleb(-2),
                    "cost_price": Decimal(rng.randint(500, 40000)).scaleb(-2),
                    "search_key": f"product {i:05d}",
                    "created_at": now,
                }
                for i in range(2000)
            ],
        )
        partner_ids = list(conn.scalars(select(Partner.id)))
        products = [
            (p.id, p.cost_price) for p in conn.execute(select(Product.id, Product.cost_price))
        ]
    quantities = [Decimal(rng.randint(1, 50000)).scaleb(-3) for _ in range(257)]
    prices = [Decimal(rng.randint(100000, 9000000)).scaleb(-4) for _ in range(509)]
    start, per_invoice, invoice_id, line_id = date.today() - timedelta(days=3 * 365), 4, 0, 0
    for first, last in batches(lines // per_invoice, 25_000):
        headers, rows = [], []
        for n in range(first, last):
            invoice_id += 1
            credit = n % 10 == 9
            untaxed = tax = cost_total = Decimal(0)
            for k in range(per_invoice):
                line_id += 1
                product, unit_cost = products[rng.randrange(len(products))]
                quantity, price = rng.choice(quantities), rng.choice(prices)
                net = (quantity * price).quantize(CENT)
                cost = (quantity * unit_cost).quantize(CENT)
                line_tax = (net * Decimal("0.20")).quantize(CENT)
                untaxed, tax, cost_total = untaxed + net, tax + line_tax, cost_total + cost
                rows.append(
                    {
                        "id": line_id,
                        "company_id": company_id,
                        "invoice_id": invoice_id,
                        "sequence": 10 * (k + 1),
                        "description": "",
                        "product_id": product,
                        "quantity": quantity,
                        "unit_price": price,
                        "discount": Decimal("0.00"),
                        "tax_rate": 20,
                        "net": net,
                        "tax": line_tax,
                        "cost_unit": unit_cost,
                        "cost_amount": cost,
                        "cost_basis": "standard",
                    }
                )
            day = start + timedelta(days=n * 3 * 365 // (lines // per_invoice))
            headers.append(
                {
                    "id": invoice_id,
                    "company_id": company_id,
                    "partner_id": rng.choice(partner_ids),
                    "kind": "credit_note" if credit else "invoice",
                    "origin_id": invoice_id - 1 if credit else None,
                    "salesperson_id": rng.choice([*sellers, None]),
                    "number": f"FTR-{day.year}-{n:07d}",
                    "state": "posted",
                    "date": day,
                    "due_date": None if credit else day + timedelta(days=30),
                    "currency": "TRY",
                    "amount_untaxed": untaxed,
                    "amount_tax": tax,
                    "amount_total": untaxed + tax,
                    "amount_cost": cost_total,
                    "amount_paid": Decimal("0.00"),
                    "amount_residual": Decimal("0.00") if credit else untaxed + tax,
                    "payment_state": "paid" if credit else "not_paid",
                    "note": "",
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(SalesInvoice.__table__), headers)
            conn.execute(insert(SalesInvoiceLine.__table__), rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("sales_invoice", "sales_invoice_line"):
                conn.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    settle(engine)
    return company_id


def run(url: str, label: str, home: Path, lines: int, customers: int) -> None:
    runtime = Runtime(Config(home=home, database_url=url, secret_key="b"))
    lifecycle.init_database(runtime)
    began = time.perf_counter()
    populate(runtime, lines, customers)
    print(f"[{label}] {lines:,} lines generated in {time.perf_counter() - began:.0f} s")
    out = home / "cube"
    env = dict(os.environ, YAPRAK_HOME=str(home), YAPRAK_DATABASE_URL=url)
    command = ["yaprak", "reporting", "export-cube", "--company", "BENCH", "--out", str(out)]
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - began
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = child.ru_maxrss / 1024, child.ru_utime + child.ru_stime
    print(f"  command wall time {wall:6.1f} s (Python start and imports included)")
    where = "SQLite's work included" if label == "SQLite" else "the server's work not included"
    print(f"  command CPU time  {cpu:6.1f} s (user + system; {where})")
    print(f"  it reports        {done.stdout.strip()}")
    print(f"  peak RSS          {peak:6.0f} MB")
    for path in sorted(out.glob("*.parquet")):
        print(f"  {path.name:<28} {path.stat().st_size / 1e6:8.1f} MB")
    import duckdb

    cube = duckdb.connect().execute(
        f"SELECT count(*), SUM(revenue), SUM(cost) FROM '{out}/fact_sales_line.parquet'"
    )
    count, revenue, cost = cube.fetchone()
    with runtime.db.Session() as s:
        rows = s.execute(
            select(
                SalesInvoice.kind,
                func.sum(SalesInvoiceLine.net),
                func.sum(SalesInvoiceLine.cost_amount),
            )
            .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.invoice_id)
            .group_by(SalesInvoice.kind)
        ).all()
    db_revenue = sum(Decimal(n) * (-1 if k == "credit_note" else 1) for k, n, _ in rows)
    db_cost = sum(Decimal(c) * (-1 if k == "credit_note" else 1) for k, _, c in rows)
    print(f"  DuckDB: {count:,} lines, revenue {revenue}, cost {cost}")
    print(f"  equal to the database's sums: {revenue == db_revenue and cost == db_cost}")
    runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL URL (a throw-away schema is used)")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            with postgres_schema(args.url) as url:
                run(url, "PostgreSQL", Path(tmp), args.lines, args.customers)
        else:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp), args.lines, args.customers)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
