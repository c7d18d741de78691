"""Replenishment report benchmark: the Material Replenishment Report over 100,000 products
with reorder rules and 1,000,000 stock moves.

    python bench/replenishment.py                   # SQLite (target: the report under 2 s)
    python bench/replenishment.py --products 20000 --moves 200000
    python bench/replenishment.py --postgres postgresql://postgres@127.0.0.1:5432/test

Setup (not measured; Core executemany in batches, as bench/sample_data.py does): one
company with materials enabled, 2 warehouses, 20 vendors, N products (every 10th in a
category), each with one or two vendors (``ProductVendor``) and one reorder rule in one of
the warehouses; M moves (receipts and issues, spread over the products), the
``materials_stock`` rows their sums (on hand) and one product in 20 with a reservation
(reserved, with its ``materials_reservation`` row); a stand-in for purchasing answering
``materials_incoming`` with two statements over a table of 20,000 open order and
requisition lines (so the report's UNION ALL and grouping are measured too).

Measured: ``addons.materials.replenishment.report`` (the shortage lines, as the page and the
nightly job ask for them), best and median of 5 runs, then the same filtered to one
warehouse and to one vendor, and every rule (``only_short=False``). Printed with the number
of lines and the CPU time of this process (which does not depend on how busy the machine is).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import batches, postgres_schema, settle  # bench/sample_data.py
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, literal, select

from addons.materials.models import (
    MaterialsMove,
    MaterialsReorderRule,
    MaterialsReservation,
    MaterialsStock,
    MaterialsWarehouse,
)
from core import hookimpl
from core.companies import add_company, enable_addons
from core.config import Config
from core.kernel import lifecycle
from core.models import Partner, Product, ProductCategory, ProductVendor
from core.runtime import Runtime
from core.types import Quantity

BENCH = MetaData()
# what purchasing would keep: open order lines and requisition lines still to come in
INCOMING = Table(
    "bench_incoming",
    BENCH,
    Column("id", Integer, primary_key=True),
    Column("company_id", Integer, index=True),
    Column("product_id", Integer),
    Column("warehouse_id", Integer),
    Column("quantity", Quantity()),
    Column("kind", String(10)),
    Column("due", Date),
)


@dataclass(eq=False)
class StandIn:
    """Answers ``materials_incoming`` as purchasing will: its open lines, as SQL."""

    @hookimpl
    def materials_incoming(self, session: Any) -> list[Any]:
        from core.tenancy import company_of

        company_id = company_of(session)
        return [
            select(
                INCOMING.c.product_id,
                INCOMING.c.warehouse_id,
                INCOMING.c.quantity,
                literal(kind).label("kind"),
                INCOMING.c.due,
            ).where(INCOMING.c.company_id == company_id, INCOMING.c.kind == kind)
            for kind in ("on_order", "requested")
        ]


def load(runtime: Runtime, company_id: int, products: int, moves: int) -> None:
    engine = runtime.db.engine
    now = datetime.now(UTC)
    today = date.today()
    with engine.begin() as conn:
        warehouses = [
            conn.execute(
                insert(MaterialsWarehouse.__table__).returning(MaterialsWarehouse.id),
                {"company_id": company_id, "code": code, "name": name, "is_default": False},
            ).scalar_one()
            for code, name in (("A", "Merkez depo"), ("B", "İzmir depo"))
        ]
        category = conn.execute(
            insert(ProductCategory.__table__).returning(ProductCategory.id),
            {"company_id": company_id, "name": "Hırdavat"},
        ).scalar_one()
        conn.execute(
            insert(Partner.__table__),
            [
                {"company_id": company_id, "name": f"Tedarikçi {i:02d}", "is_vendor": True}
                for i in range(20)
            ],
        )
        vendors = list(conn.scalars(select(Partner.id).where(Partner.company_id == company_id)))
    for start, stop in batches(products):
        with engine.begin() as conn:
            conn.execute(
                insert(Product.__table__),
                [
                    {
                        "company_id": company_id,
                        "code": f"P{i:06d}",
                        "name": f"Ürün {i:06d}",
                        "category_id": category if i % 10 == 0 else None,
                        "search_key": f"p{i:06d} urun {i:06d}",
                        "created_at": now,
                    }
                    for i in range(start, stop)
                ],
            )
    with engine.connect() as conn:
        ids = list(
            conn.scalars(
                select(Product.id).where(Product.company_id == company_id).order_by(Product.id)
            )
        )
    for start, stop in batches(len(ids)):
        chunk = ids[start:stop]
        vendor_rows, rule_rows = [], []
        for n, pid in enumerate(chunk, start):
            vendor_rows.append(
                {
                    "company_id": company_id,
                    "product_id": pid,
                    "partner_id": vendors[n % 20],
                    "price": Decimal("10"),
                    "lead_days": 3 + n % 10,
                    "min_qty": Decimal(n % 4 * 25),
                    "sequence": 10,
                }
            )
            if n % 3 == 0:
                vendor_rows.append(
                    {
                        "company_id": company_id,
                        "product_id": pid,
                        "partner_id": vendors[(n + 7) % 20],
                        "price": Decimal("11"),
                        "lead_days": 2,
                        "min_qty": Decimal(0),
                        "sequence": 20,
                    }
                )
            rule_rows.append(
                {
                    "company_id": company_id,
                    "product_id": pid,
                    "warehouse_id": warehouses[n % 2],
                    "minimum": Decimal(50 + n % 100),
                    "maximum": Decimal(150 + n % 100),
                    "multiple": Decimal((1, 5, 12)[n % 3]),
                    "lead_days": 4 if n % 5 == 0 else None,
                    "vendor_id": vendors[(n + 7) % 20] if n % 11 == 0 else None,
                    "created_at": now,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(ProductVendor.__table__), vendor_rows)
            conn.execute(insert(MaterialsReorderRule.__table__), rule_rows)
    # the moves: per product, receipts then issues; the stock rows are their sums
    on_hand: dict[int, Decimal] = {}
    per_product = max(1, moves // len(ids))
    for start, stop in batches(moves, 50_000):
        rows = []
        for m in range(start, stop):
            n = (m // per_product) % len(ids)
            k = m % per_product
            quantity = Decimal(10 + (n + k) % 15) if k % 3 != 2 else -Decimal(5 + (n + k) % 7)
            if on_hand.get(n, Decimal(0)) + quantity < 0:
                quantity = -quantity
            on_hand[n] = on_hand.get(n, Decimal(0)) + quantity
            rows.append(
                {
                    "company_id": company_id,
                    "date": today - timedelta(days=(moves - m) % 365),
                    "kind": "receipt" if quantity > 0 else "issue",
                    "product_id": ids[n],
                    "warehouse_id": warehouses[n % 2],
                    "quantity": quantity,
                    "unit_cost": Decimal("10"),
                    "value": quantity * 10,
                    "reference": f"B{m}",
                    "created_at": now,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(MaterialsMove.__table__), rows)
    stock_rows, reservations, incoming = [], [], []
    for n, quantity in on_hand.items():
        reserved = Decimal(15) if n % 20 == 0 else Decimal(0)
        stock_rows.append(
            {
                "company_id": company_id,
                "product_id": ids[n],
                "warehouse_id": warehouses[n % 2],
                "on_hand": quantity,
                "reserved": reserved,
            }
        )
        if reserved:
            reservations.append(
                {
                    "company_id": company_id,
                    "product_id": ids[n],
                    "warehouse_id": warehouses[n % 2],
                    "quantity": reserved,
                    "needed_on": today,
                    "origin_type": "bench.order",
                    "origin_id": n,
                    "origin_line_id": n,
                }
            )
        if n % 5 == 0 and len(incoming) < 20_000:
            incoming.append(
                {
                    "company_id": company_id,
                    "product_id": ids[n],
                    "warehouse_id": warehouses[n % 2],
                    "quantity": Decimal(30),
                    "kind": "on_order" if n % 10 == 0 else "requested",
                    "due": today + timedelta(days=7),
                }
            )
    for start, stop in batches(len(stock_rows)):
        with engine.begin() as conn:
            conn.execute(insert(MaterialsStock.__table__), stock_rows[start:stop])
    with engine.begin() as conn:
        conn.execute(insert(MaterialsReservation.__table__), reservations)
        BENCH.create_all(conn)
        conn.execute(insert(INCOMING), incoming)
    settle(engine)


def timed(runtime: Runtime, company_id: int, repeat: int, **filters: Any) -> tuple[list, int]:
    from addons.materials.replenishment import report

    seconds, lines = [], 0
    for _ in range(repeat):
        with runtime.db.session_for(company_id) as s:
            started = time.perf_counter()
            lines = len(report(s, **filters))
            seconds.append(time.perf_counter() - started)
    return seconds, lines


def run(url: str, label: str, home: Path, products: int, moves: int) -> None:
    runtime = Runtime(Config(home=home, database_url=url, addons=["materials"], secret_key="b"))
    lifecycle.init_database(runtime)
    with runtime.db.transaction() as s:
        company_id = add_company(s, "BENCH", "Bench Ticaret A.Ş.").id
    enable_addons(runtime, "BENCH", ["materials"])
    started = time.perf_counter()
    load(runtime, company_id, products, moves)
    print(
        f"[{label}] setup: {products:,} products with rules, {moves:,} moves:"
        f" {time.perf_counter() - started:.0f} s (not measured)",
        flush=True,
    )
    runtime.kernel.pm.register(StandIn(), name="bench_purchasing")
    with runtime.activate():
        measure(runtime, company_id, label)
    runtime.db.dispose()


def measure(runtime: Runtime, company_id: int, label: str) -> None:
    with runtime.db.session_for(company_id) as s:
        warehouse = s.scalars(select(MaterialsReorderRule.warehouse_id).limit(1)).first()
        vendor = s.scalars(select(Partner.id).order_by(Partner.id)).first()
    timed(runtime, company_id, 1)  # warm: the first query reads the tables from disk
    cases = [
        ("shortage lines (the page, the nightly job)", {}),
        ("one warehouse", {"warehouse_id": warehouse}),
        ("one vendor", {"vendor_id": vendor}),
        ("every rule (only_short=False)", {"only_short": False}),
    ]
    for name, filters in cases:
        cpu = time.process_time()
        seconds, lines = timed(runtime, company_id, 5, **filters)
        cpu = (time.process_time() - cpu) / 5
        print(
            f"[{label}] report, {name}: {lines:,} lines; best {min(seconds):.2f} s, median"
            f" {statistics.median(seconds):.2f} s (this process's CPU {cpu:.2f} s per run)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throw-away schema is used)")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, "PostgreSQL", Path(tmp), args.products, args.moves)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp), args.products, args.moves)


if __name__ == "__main__":
    main()
