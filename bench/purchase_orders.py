"""Purchase orders from requisitions benchmark: purchase orders made from 10,000 approved
requisition lines over 200 vendors (``addons.purchasing.ordering.order_requisitions``).

    python bench/purchase_orders.py                  # SQLite (target: under 5 s)
    python bench/purchase_orders.py --lines 2000
    python bench/purchase_orders.py --postgres postgresql://postgres@127.0.0.1:5432/test

Setup (not measured; Core executemany, as bench/replenishment.py does): one company with
purchasing (and materials), 200 vendors, 2,000 products each sold by one vendor (every
third by a second one too), N requisition lines in approved requisitions of 20 lines (half
of the lines name their vendor, the others take the product's preferred one; one line in
500 has a product without any vendor: an exception), in a throw-away database.

Measured: one run making every order in one transaction (draft orders: the company's
default), committed; then a second run, which finds nothing to order. Printed: orders, order
lines, traced requisition lines, exceptions, the wall time and this process's CPU time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import batches, postgres_schema, settle  # bench/sample_data.py
from sqlalchemy import func, insert, select

from addons.materials.models import MaterialsWarehouse
from addons.purchasing.models import (
    PurchasingOrder,
    PurchasingOrderLine,
    PurchasingOrderSource,
    PurchasingRequisition,
    PurchasingRequisitionLine,
)
from core.companies import add_company, enable_addons
from core.config import Config
from core.kernel import lifecycle
from core.models import Partner, Product, ProductVendor
from core.runtime import Runtime

VENDORS, PRODUCTS, PER_REQUISITION = 200, 2000, 20


def load(runtime: Runtime, company_id: int, lines: int) -> None:
    engine = runtime.db.engine
    now = datetime.now(UTC)
    today = date.today()
    with engine.begin() as conn:
        warehouse = conn.scalar(
            select(MaterialsWarehouse.id).where(MaterialsWarehouse.company_id == company_id)
        )
        conn.execute(
            insert(Partner.__table__),
            [
                {"company_id": company_id, "name": f"Tedarikçi {i:03d}", "is_vendor": True}
                for i in range(VENDORS)
            ],
        )
        vendors = list(
            conn.scalars(
                select(Partner.id).where(Partner.company_id == company_id).order_by(Partner.id)
            )
        )
        conn.execute(
            insert(Product.__table__),
            [
                {
                    "company_id": company_id,
                    "code": f"P{i:05d}",
                    "name": f"Ürün {i:05d}",
                    "search_key": f"p{i:05d} urun {i:05d}",
                    "cost_price": Decimal("9"),
                    "created_at": now,
                }
                for i in range(PRODUCTS + 1)  # the last one has no vendor
            ],
        )
        products = list(
            conn.scalars(
                select(Product.id).where(Product.company_id == company_id).order_by(Product.id)
            )
        )
        offers = []
        for n, pid in enumerate(products[:PRODUCTS]):
            offers.append(
                {
                    "company_id": company_id,
                    "product_id": pid,
                    "partner_id": vendors[n % VENDORS],
                    "price": Decimal("10") + n % 7,
                    "sequence": 10,
                }
            )
            if n % 3 == 0:
                offers.append(
                    {
                        "company_id": company_id,
                        "product_id": pid,
                        "partner_id": vendors[(n + 1) % VENDORS],
                        "price": Decimal("12"),
                        "sequence": 20,
                    }
                )
        conn.execute(insert(ProductVendor.__table__), offers)
    requisitions = (lines + PER_REQUISITION - 1) // PER_REQUISITION
    with engine.begin() as conn:
        conn.execute(
            insert(PurchasingRequisition.__table__),
            [
                {
                    "company_id": company_id,
                    "number": f"PR-B-{r:05d}",
                    "state": "approved",
                    "date": today,
                    "currency": "TRY",
                    "warehouse_id": warehouse,
                    "needed_by": today + timedelta(days=7 + r % 14),
                    "note": "",
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for r in range(requisitions)
            ],
        )
        ids = list(
            conn.scalars(
                select(PurchasingRequisition.id)
                .where(PurchasingRequisition.company_id == company_id)
                .order_by(PurchasingRequisition.id)
            )
        )
    for start, stop in batches(lines):
        rows = []
        for m in range(start, stop):
            n = (m * 7) % PRODUCTS
            bare = m % 500 == 499
            product = products[PRODUCTS] if bare else products[n]
            quantity = Decimal(1 + m % 25)
            price = Decimal("10") + n % 7
            rows.append(
                {
                    "company_id": company_id,
                    "requisition_id": ids[m // PER_REQUISITION],
                    "sequence": (m % PER_REQUISITION + 1) * 10,
                    "product_id": product,
                    "description": f"Ürün {n:05d}",
                    "quantity": quantity,
                    "unit_price": price,
                    "discount": Decimal("0"),
                    "tax_rate": 0,
                    "net": quantity * price,
                    "tax": Decimal("0"),
                    "total": quantity * price,
                    "vendor_id": vendors[n % VENDORS] if m % 2 == 0 and not bare else None,
                    "qty_ordered": Decimal("0"),
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(PurchasingRequisitionLine.__table__), rows)
    settle(engine)


def run(url: str, label: str, home: Path, lines: int) -> None:
    from addons.purchasing.ordering import order_requisitions

    runtime = Runtime(
        Config(home=home, database_url=url, addons=["materials", "purchasing"], secret_key="b")
    )
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company_id = add_company(s, "BENCH", "Bench Ticaret A.Ş.").id
    enable_addons(runtime, "BENCH", ["materials", "purchasing"])
    started = time.perf_counter()
    load(runtime, company_id, lines)
    setup = time.perf_counter() - started
    print(f"[{label}] setup: {lines:,} approved requisition lines in {setup:.1f} s")
    with runtime.activate():
        for attempt in ("first run", "second run"):
            cpu = time.process_time()
            started = time.perf_counter()
            with runtime.db.session_for(company_id, write=True) as s:
                result = order_requisitions(s, None)
                made = len(result.orders)
                exceptions = len(result.exceptions)
                s.commit()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            with runtime.db.session_for(company_id) as s:
                order_lines = s.scalar(select(func.count(PurchasingOrderLine.id)))
                sources = s.scalar(select(func.count(PurchasingOrderSource.id)))
                orders = s.scalar(select(func.count(PurchasingOrder.id)))
            print(
                f"[{label}] {attempt}: {made:,} orders made ({orders:,} in all, {order_lines:,}"
                f" order lines, {sources:,} requisition lines traced), {exceptions} exceptions;"
                f" {seconds:.2f} s (this process's CPU {cpu:.2f} s)",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throw-away schema is used)")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, "PostgreSQL", Path(tmp), args.lines)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp), args.lines)


if __name__ == "__main__":
    main()
