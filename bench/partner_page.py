"""Partner page benchmark: the page of a customer with 5,000 sales documents.

    python bench/partner_page.py                   # SQLite (the target: under 100 ms)
    python bench/partner_page.py --postgres postgresql://postgres@127.0.0.1:5432/test
    python bench/partner_page.py --profile         # and cProfile one request (top 25)

Setup (not measured): one company with sales enabled and an admin; the customer measured
and 40 other customers (500 documents each, 20,000 in all, so that the customer's rows are
a fifth of each table). The documents are not made through the services (5,000 would take
minutes) but inserted in bulk (``bench/sample_data.sales_history_rows``) in the states and
amounts the services leave: per order a quote accepted into it, the order, its delivery
and its posted invoice (one line each, KDV 20 %), one quote in ten more left unanswered,
a 10 % credit note set against every tenth invoice, and payments allocated to the invoices
older than 60 days (the newest in part); the invoices of the last 60 days stay open, some
overdue. For the customer measured: 1,100 quotes, 1,000 orders, 1,000 deliveries,
1,000 invoices, 100 credit notes and 800 payments, over three years up to today.

Measured: ``GET /partners/<id>`` through the Flask test client, logged in as the admin
(server time: no network), median and 95th percentile of 50 requests after 5 warm-ups.
Checked first: the page's figures are those computed here directly in SQL.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import (  # bench/sample_data.py
    insert_sales_history,
    postgres_schema,
    sales_history_rows,
    settle,
)

from core.auth import add_user, create_token, grant
from core.companies import add_company, enable_addons
from core.config import Config
from core.kernel import lifecycle
from core.models import Company, Partner, Product, User
from core.runtime import Runtime
from core.testing.plugin import YaprakClient
from core.web import create_app

ORDERS = 1000  # x 5 documents
OTHERS = 40  # other customers, ORDERS // 10 orders each


def setup(url: str, home: Path) -> tuple[Runtime, int, int, int]:
    runtime = Runtime(Config(home=home, database_url=url, addons=["sales"], secret_key="b"))
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company = add_company(s, "BENCH", "Bench Ticaret A.Ş.")
        user = add_user(s, "admin@bench.test", "Admin")
        company_id, user_id = company.id, user.id
    enable_addons(runtime, "BENCH", ["sales"])
    with runtime.db.transaction() as s:
        user, company = s.get(User, user_id), s.get(Company, company_id)
        grant(s, runtime.kernel, user, company, ["admin", "sales.manager"])
        create_token(s, user, company, "bench")
    with runtime.db.transaction(company_id) as s:
        customers = [
            Partner(name=f"Müşteri {i:02d} A.Ş.", is_customer=True) for i in range(OTHERS + 1)
        ]
        product = Product(code="CIM-50", name="Çimento 50 kg", list_price=100, cost_price=60)
        s.add_all([*customers, product])
        s.flush()
        ids = [c.id for c in customers]
        product_id = product.id
    today = date.today()
    tables = sales_history_rows(company_id, ids[0], ORDERS, product_id, today, "A")
    for n, other in enumerate(ids[1:]):
        more = sales_history_rows(company_id, other, ORDERS // 10, product_id, today, f"B{n}")
        for name, rows in more.items():
            tables[name].extend(rows)
    insert_sales_history(runtime.db.engine, tables)
    settle(runtime.db.engine)
    return runtime, company_id, user_id, ids[0]


def expected(runtime: Runtime, partner_id: int) -> dict[str, str]:
    """The figures computed here, in SQL, the way an accountant would check them."""
    from sqlalchemy import text

    today = date.today()
    with runtime.db.engine.connect() as conn:

        def one(sql: str, **params: object) -> object:
            return conn.scalar(text(sql), {"p": partner_id, **params})

        invoiced = one(
            "SELECT COALESCE(SUM(CASE kind WHEN 'invoice' THEN amount_total"
            " ELSE -amount_total END), 0) FROM sales_invoice"
            " WHERE partner_id = :p AND state = 'posted'"
        )
        paid = one(
            "SELECT COALESCE(SUM(amount_total), 0) FROM sales_payment"
            " WHERE partner_id = :p AND state = 'posted'"
        )
        overdue = one(
            "SELECT COALESCE(SUM(amount_residual), 0) FROM sales_invoice WHERE partner_id = :p"
            " AND kind = 'invoice' AND state = 'posted' AND due_date < :d",
            d=today,
        )
        revenue = one(
            "SELECT COALESCE(SUM(CASE kind WHEN 'invoice' THEN amount_untaxed"
            " ELSE -amount_untaxed END), 0) FROM sales_invoice WHERE partner_id = :p"
            " AND state = 'posted' AND date >= :d",
            d=date(today.year, 1, 1),
        )
        last = one(
            "SELECT MAX(date) FROM sales_invoice"
            " WHERE partner_id = :p AND kind = 'invoice' AND state = 'posted'"
        )

    def money(value: object) -> str:  # on SQLite, amounts are stored in cents (core.types)
        amount = Decimal(value or 0)
        if runtime.db.engine.dialect.name == "sqlite":
            amount = amount.scaleb(-2)
        return f"₺{amount:,.2f}"

    return {
        "Revenue this year": money(revenue),
        "Open balance": money(Decimal(invoiced) - Decimal(paid)),
        "Overdue": money(overdue),
        "Last sale": str(last),
    }


def measure(client: YaprakClient, path: str, runs: int = 50) -> tuple[float, float]:
    for _ in range(5):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def run(url: str, label: str, home: Path, profile: bool) -> None:
    runtime, company_id, user_id, partner_id = setup(url, home)
    app = create_app(runtime=runtime)
    client = YaprakClient(app, user_id, company_id, "")
    client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    path = f"/partners/{partner_id}"
    page = client.get(path).get_data(as_text=True)
    shown = dict(
        re.findall(
            r'<dt class="small text-muted fw-normal">([^<]+)</dt>\s*<dd[^>]*>\s*([^<]+?)\s*</dd>',
            page,
        )
    )
    want = expected(runtime, partner_id)
    for name, value in want.items():
        if name != "Last sale":
            assert shown[name] == value, (name, shown[name], value)
    assert shown["Last sale"] != "—"
    median, p95 = measure(client, path)
    print(
        f"[{label}] partner page, customer with {ORDERS * 5:,} sales documents"
        f" (+{OTHERS * ORDERS // 2:,} of others): median {median:.1f} ms, p95 {p95:.1f} ms"
        f" (figures checked against SQL: {', '.join(f'{k} {v}' for k, v in want.items())})",
        flush=True,
    )
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throw-away schema is used)")
    parser.add_argument("--profile", action="store_true", help="cProfile 10 requests")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, "PostgreSQL", Path(tmp), args.profile)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp), args.profile)


if __name__ == "__main__":
    main()
