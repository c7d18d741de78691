"""Sales flow benchmark: N orders of 5 lines each, created, confirmed, delivered, invoiced
and posted through the services, one transaction per order.

    python bench/sales_flow.py                     # SQLite, 2,000 orders (target: under 20 s)
    python bench/sales_flow.py --orders 200
    python bench/sales_flow.py --postgres postgresql://postgres@127.0.0.1:5432/test

Setup (not measured): one company with sales enabled, 200 customers, 40 products and a
salesperson. Measured: the whole loop; printed: seconds, orders per second, and the
process's peak memory (RSS) after each quarter, which must stay flat in the number of
orders (sessions are closed after every order). Also printed: the CPU time of this process
and the SQL statements per order, which do not depend on how busy the machine is (the
seconds do: on a shared machine, compare CPU per order).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import postgres_schema, settle  # bench/sample_data.py
from sqlalchemy import event

from core.auth import add_user, grant
from core.companies import add_company, enable_addons
from core.config import Config
from core.documents import act_as
from core.kernel import lifecycle
from core.models import Company, Partner, Product
from core.runtime import Runtime


def setup(url: str, home: Path) -> tuple[Runtime, int, int, list[int], list[int]]:
    runtime = Runtime(Config(home=home, database_url=url, addons=["sales"], secret_key="b"))
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company = add_company(s, "BENCH", "Bench Ticaret A.Ş.")
        user = add_user(s, "satis@bench.test", "Satış")
        company_id, user_id = company.id, user.id
    enable_addons(runtime, "BENCH", ["sales"])
    with runtime.db.transaction() as s:
        grant(
            s,
            runtime.kernel,
            s.get(type(user), user_id),
            s.get(Company, company_id),
            ["sales.manager"],
        )
    rng = random.Random(5)
    with runtime.db.transaction(company_id) as s:
        customers = [Partner(name=f"Müşteri {i:03d} A.Ş.", is_customer=True) for i in range(200)]
        products = [
            Product(
                code=f"P{i:03d}",
                name=f"Ürün {i:03d}",
                list_price=Decimal(rng.randint(10, 900)),
                cost_price=Decimal(rng.randint(5, 500)),
                tax_rate=rng.choice([1, 10, 20, 20, 20]),
            )
            for i in range(40)
        ]
        s.add_all(customers + products)
        s.flush()
        ids = [c.id for c in customers], [p.id for p in products]
    settle(runtime.db.engine)
    return runtime, company_id, user_id, *ids


def run(url: str, label: str, home: Path, orders: int) -> None:
    from addons.sales import deliveries, invoices
    from addons.sales import orders as order_services
    from addons.sales.schemas import LineSchema
    from core.models import User

    runtime, company_id, user_id, customers, products = setup(url, home)
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(runtime.db.engine, "before_cursor_execute", count)
    rng = random.Random(7)
    line_schema = LineSchema()
    peaks = []
    with runtime.activate():
        started, cpu_started = time.perf_counter(), time.process_time()
        for n in range(orders):
            with runtime.db.session_for(company_id, write=True) as s:
                act_as(s, user_id)
                user = s.get(User, user_id)
                lines = [
                    line_schema.load(
                        {"product_id": rng.choice(products), "quantity": str(rng.randint(1, 20))}
                    )
                    for _ in range(5)
                ]
                order = order_services.create_order(
                    s, {"partner_id": rng.choice(customers), "lines": lines}
                )
                delivery = order_services.confirm_order(s, order, user)
                deliveries.ship_delivery(s, delivery, user)
                invoices.post_invoice(s, invoices.invoice_order(s, order), user)
                s.commit()
            if (n + 1) % max(1, orders // 4) == 0:
                peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    print(
        f"[{label}] {orders:,} orders x 5 lines, create -> confirm -> deliver -> invoice -> post:"
        f" {elapsed:.1f} s, {orders / elapsed:.0f} orders/s ({cpu / orders * 1000:.1f} ms of this"
        f" process's CPU and {statements[0] / orders:.0f} SQL statements per order); peak RSS"
        f" after each quarter (MB): {', '.join(map(str, peaks))}",
        flush=True,
    )
    runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throw-away schema is used)")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, "PostgreSQL", Path(tmp), args.orders)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp), args.orders)


if __name__ == "__main__":
    main()
