"""The fixed stack's floor for the sales flow: the same writes as one order of
bench/sales_flow.py (create with 5 lines, confirm, deliver, invoice, post: the same tables'
shapes, the same 5 flushes and the same statements) made by bare SQLAlchemy 2 ORM models,
without any of Yaprak (no tenancy, audit, numbering, workflow, hooks, schemas, prices).

    python bench/orm_floor.py                 # SQLite, 2,000 orders
    python bench/orm_floor.py --orders 500
    python bench/orm_floor.py --postgres postgresql://postgres@127.0.0.1:5432/test
    python bench/orm_floor.py --core          # the same rows by Core statements, no ORM

It prints orders per second and CPU per order. What Yaprak's flow costs beyond this figure is
Yaprak's own work; this figure itself is what SQLAlchemy's unit of work and the driver cost
on this machine, and no change to Yaprak can go below it while documents are ORM objects.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_data import postgres_schema  # bench/sample_data.py
from sqlalchemy import (
    Connection,
    ForeignKey,
    Numeric,
    String,
    bindparam,
    create_engine,
    event,
    insert,
    update,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)


class Base(DeclarativeBase):
    pass


class _Doc:
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int]
    number: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    partner_id: Mapped[int]
    date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    amount_untaxed: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    amount_tax: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    amount_total: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # the same optimistic version check as Yaprak's documents
        return {"version_id_col": cls.__table__.c.version}


class _Line:
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int]
    product_id: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(16, 4), default=0)
    net: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    tax: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)


class Order(_Doc, Base):
    __tablename__ = "order"
    delivery_status: Mapped[str] = mapped_column(String(20), default="no")
    invoice_status: Mapped[str] = mapped_column(String(20), default="no")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order")


class OrderLine(_Line, Base):
    __tablename__ = "order_line"
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    qty_delivered: Mapped[Decimal] = mapped_column(Numeric(16, 4), default=0)
    qty_invoiced: Mapped[Decimal] = mapped_column(Numeric(16, 4), default=0)
    order: Mapped[Order] = relationship(back_populates="lines")


class Delivery(_Doc, Base):
    __tablename__ = "delivery"
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    lines: Mapped[list[DeliveryLine]] = relationship()


class DeliveryLine(_Line, Base):
    __tablename__ = "delivery_line"
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))


class Invoice(_Doc, Base):
    __tablename__ = "invoice"
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    due_date: Mapped[date | None]
    amount_cost: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    lines: Mapped[list[InvoiceLine]] = relationship()


class InvoiceLine(_Line, Base):
    __tablename__ = "invoice_line"
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))
    cost_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)


def one_order(session: Session, n: int) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    today = date.today()
    doc = {"company_id": 1, "partner_id": n % 200, "date": today, "created_at": now}
    order = Order(**doc, updated_at=now)
    for i in range(5):
        order.lines.append(
            OrderLine(
                company_id=1,
                product_id=i,
                description=f"Ürün {i}",
                quantity=Decimal(i + 1),
                unit_price=Decimal("12.50"),
                net=Decimal("12.50") * (i + 1),
                tax=Decimal("2.50") * (i + 1),
            )
        )
    session.add(order)
    session.flush()  # create
    order.state, order.number, order.updated_at = "confirmed", f"SO-{n}", now
    delivery = Delivery(**doc, updated_at=now, order_id=order.id)
    for line in order.lines:
        delivery.lines.append(
            DeliveryLine(
                company_id=1,
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                order_line_id=line.id,
            )
        )
    session.add(delivery)
    session.flush()  # confirm
    delivery.state, delivery.number, delivery.updated_at = "done", f"IRS-{n}", now
    for line in order.lines:
        line.qty_delivered = line.quantity
    order.delivery_status, order.invoice_status = "full", "to_invoice"
    session.flush()  # deliver
    invoice = Invoice(**doc, updated_at=now, order_id=order.id)
    for line in order.lines:
        invoice.lines.append(
            InvoiceLine(
                company_id=1,
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net=line.net,
                tax=line.tax,
                order_line_id=line.id,
            )
        )
    session.add(invoice)
    order.invoice_status = "invoiced"
    session.flush()  # invoice
    invoice.state, invoice.number, invoice.due_date = "posted", f"FTR-{n}", today
    invoice.amount_cost = Decimal("40.00")
    for line, order_line in zip(invoice.lines, order.lines, strict=True):
        line.cost_amount = Decimal("8.00")
        order_line.qty_invoiced = line.quantity
    session.flush()  # post
    session.commit()


def one_order_core(conn: Connection, n: int) -> None:
    """The same rows written with SQLAlchemy Core: no unit of work, no identity map."""
    now = datetime.now(UTC).replace(tzinfo=None)
    today = date.today()
    doc = {"company_id": 1, "partner_id": n % 200, "date": today, "created_at": now}
    doc |= {"updated_at": now, "version": 1, "state": "draft", "currency": "TRY"}
    order_id = conn.scalar(insert(Order.__table__).returning(Order.id), doc)
    lines = [
        {
            "company_id": 1,
            "order_id": order_id,
            "product_id": i,
            "description": f"Ürün {i}",
            "quantity": Decimal(i + 1),
            "unit_price": Decimal("12.50"),
            "net": Decimal("12.50") * (i + 1),
            "tax": Decimal("2.50") * (i + 1),
            "qty_delivered": 0,
            "qty_invoiced": 0,
        }
        for i in range(5)
    ]
    line_ids = conn.scalars(
        insert(OrderLine.__table__).returning(OrderLine.id, sort_by_parameter_order=True), lines
    ).all()
    order = Order.__table__
    conn.execute(
        update(order).where(order.c.id == order_id, order.c.version == 1),
        {"state": "confirmed", "number": f"SO-{n}", "updated_at": now, "version": 2},
    )
    delivery_id = conn.scalar(
        insert(Delivery.__table__).returning(Delivery.id), doc | {"order_id": order_id}
    )
    conn.execute(
        insert(DeliveryLine.__table__),
        [
            {
                "company_id": 1,
                "delivery_id": delivery_id,
                "order_line_id": line_id,
                "product_id": line["product_id"],
                "description": line["description"],
                "quantity": line["quantity"],
            }
            for line_id, line in zip(line_ids, lines, strict=True)
        ],
    )
    conn.execute(
        update(Delivery.__table__).where(Delivery.id == delivery_id),
        {"state": "done", "number": f"IRS-{n}", "updated_at": now, "version": 2},
    )
    order_line = OrderLine.__table__
    conn.execute(
        update(order_line).where(order_line.c.id == bindparam("b_id")),
        [
            {"b_id": i, "qty_delivered": line["quantity"]}
            for i, line in zip(line_ids, lines, strict=True)
        ],
    )
    conn.execute(
        update(order).where(order.c.id == order_id),
        {"delivery_status": "full", "invoice_status": "to_invoice", "version": 3},
    )
    invoice_id = conn.scalar(
        insert(Invoice.__table__).returning(Invoice.id), doc | {"order_id": order_id}
    )
    invoice_line_ids = conn.scalars(
        insert(InvoiceLine.__table__).returning(InvoiceLine.id, sort_by_parameter_order=True),
        [
            {
                "company_id": 1,
                "invoice_id": invoice_id,
                "order_line_id": line_id,
                "product_id": line["product_id"],
                "description": line["description"],
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "net": line["net"],
                "tax": line["tax"],
                "cost_amount": 0,
            }
            for line_id, line in zip(line_ids, lines, strict=True)
        ],
    ).all()
    conn.execute(update(order).where(order.c.id == order_id), {"invoice_status": "invoiced"})
    conn.execute(
        update(Invoice.__table__).where(Invoice.id == invoice_id),
        {"state": "posted", "number": f"FTR-{n}", "due_date": today, "amount_cost": 40},
    )
    invoice_line = InvoiceLine.__table__
    conn.execute(
        update(invoice_line).where(invoice_line.c.id == bindparam("b_id")),
        [{"b_id": i, "cost_amount": Decimal("8.00")} for i in invoice_line_ids],
    )
    conn.execute(
        update(order_line).where(order_line.c.id == bindparam("b_id")),
        [
            {"b_id": i, "qty_invoiced": line["quantity"]}
            for i, line in zip(line_ids, lines, strict=True)
        ],
    )
    conn.commit()


def run(url: str, label: str, orders: int, core: bool = False) -> None:
    engine = create_engine(url)
    if url.startswith("sqlite"):  # the same settings as Yaprak's SQLite engine (core/db.py)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    Base.metadata.create_all(engine)
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(orders):
        if core:
            with engine.connect() as conn:
                one_order_core(conn, n)
        else:
            with Session(engine) as session:
                one_order(session, n)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"[{label}] bare SQLAlchemy {'Core' if core else 'ORM'}, {orders:,} orders x 5 lines,"
        " the sales flow's writes:"
        f" {elapsed:.1f} s, {orders / elapsed:.0f} orders/s ({cpu / orders * 1000:.1f} ms of this"
        f" process's CPU and {statements[0] / orders:.0f} SQL statements per order)",
        flush=True,
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throw-away schema is used)")
    parser.add_argument("--core", action="store_true", help="write with Core statements instead")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            run(url, "PostgreSQL", args.orders, args.core)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/floor.db", "SQLite", args.orders, args.core)


if __name__ == "__main__":
    main()
