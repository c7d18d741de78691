"""What the benchmarks share: sample rows inserted in bulk (Core inserts, no ORM: building
100,000 partners takes seconds) and a throw-away PostgreSQL schema per run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from core.models import Partner

CITIES = ["istanbul", "ankara", "izmir", "bursa", "antalya", "adana", "konya", "trabzon"]


def partner_rows(company_id: int, start: int, stop: int) -> list[dict[str, Any]]:
    """Partners ``start``..``stop - 1`` of a company: every 3rd a customer, 5th a prospect,
    7th a vendor, credit limits 0 to 49,000, a city in the search key."""
    now = datetime.now(UTC)
    return [
        {
            "company_id": company_id,
            "name": f"Partner {i:06d}",
            "is_company": True,
            "is_customer": i % 3 == 0,
            "is_prospect": i % 5 == 0,
            "is_vendor": i % 7 == 0,
            "credit_limit": (i % 50) * 1000,
            "currency": "TRY",
            "language": "tr",
            "active": True,
            "search_key": f"partner {i:06d} {CITIES[i % len(CITIES)]}",
            "created_at": now,
        }
        for i in range(start, stop)
    ]


def batches(total: int, size: int = 20_000) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


def insert_partners(engine: Any, company_id: int, total: int) -> None:
    """``total`` partners for ``company_id``, in batches of 20,000."""
    for start, stop in batches(total):
        with engine.begin() as conn:
            conn.execute(insert(Partner.__table__), partner_rows(company_id, start, stop))


def postgres_schema(url: str) -> Any:
    """A URL to a throw-away schema of the PostgreSQL database at ``url``, dropped after."""
    from core.testing.databases import postgres_schema as schema

    return schema(url, prefix="bench")


def settle(engine: Any) -> None:
    """After the bulk load, what the database does by itself soon after a big import:
    statistics for the planner and, on PostgreSQL, the visibility map (autovacuum's
    ``VACUUM ANALYZE``; without it an index-only scan still visits every table row)."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


# ------------------------------------------------------------------ a customer's sales history
def sales_history_rows(
    company_id: int, partner_id: int, orders: int, product_id: int, today: Any, prefix: str
) -> dict[str, list[dict[str, Any]]]:
    """Rows of one customer's sales history, by table, in the states and amounts the sales
    services would leave (numbers ``<KIND>-<prefix>-<n>``, unique per ``prefix``):

    * ``orders`` orders over the last ``orders`` x 1.1 days, each of one line, from an
      accepted quote, shipped (one delivery) and invoiced (one posted invoice, due in 30
      days); plus one quote in ten more left unanswered (sent, or expired when old);
    * a credit note of 10 % for every tenth invoice, set against it (an allocation);
    * payments for the invoices older than 60 days, one or two invoices each, so that the
      documents of the customer number ``orders`` x 5 (with 1,000 orders: 1,100 quotes,
      1,000 orders, 1,000 deliveries, 1,000 invoices, 100 credit notes, 800 payments);
      the newest paid invoice is paid in part; the invoices of the last 60 days stay open
      (those due before ``today`` are overdue).

    Rows that refer to another row hold that row's dict; ``insert_sales_history`` gives
    them ids in the order of the returned tables."""
    from datetime import timedelta
    from decimal import Decimal

    now = datetime.now(UTC)
    cent = Decimal("0.01")
    tables: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in (
            "sales_quote",
            "sales_quote_line",
            "sales_order",
            "sales_order_line",
            "sales_delivery",
            "sales_delivery_line",
            "sales_invoice",
            "sales_invoice_line",
            "sales_payment",
            "sales_allocation",
        )
    }

    def doc(table: str, number: str, state: str, day: Any, untaxed: Decimal) -> dict[str, Any]:
        tax = (untaxed * Decimal("0.20")).quantize(cent)
        row = {
            "company_id": company_id,
            "partner_id": partner_id,
            "number": number,
            "state": state,
            "date": day,
            "currency": "TRY",
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": untaxed + tax,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        tables[table].append(row)
        return row

    def line(table: str, quantity: Decimal, price: Decimal, **refs: Any) -> dict[str, Any]:
        net = (quantity * price).quantize(cent)
        row = {
            "company_id": company_id,
            "sequence": 10,
            "description": "Çimento 50 kg",
            "quantity": quantity,
            "unit_price": price,
            "discount": Decimal("0.00"),
            "tax_rate": 20,
            "net": net,
            "tax": (net * Decimal("0.20")).quantize(cent),
            "product_id": product_id,
            **refs,
        }
        tables[table].append(row)
        return row

    invoices = []
    start = today - timedelta(days=int(orders * 1.1) + 10)  # the newest note: 3 days ago
    for n in range(orders):
        day = start + timedelta(days=int(n * 1.1))
        quantity = Decimal(1 + n % 40).quantize(Decimal("0.001"))
        price = Decimal(80 + n % 50).quantize(Decimal("0.0001"))
        untaxed = (quantity * price).quantize(cent)
        quote = doc("sales_quote", f"TKL-{prefix}-{n:05d}", "accepted", day, untaxed)
        quote.update(valid_until=day + timedelta(days=30), note="")
        line("sales_quote_line", quantity, price, quote_id=quote)
        if n % 10 == 5:
            other = doc(
                "sales_quote",
                f"TKL-{prefix}-{n:05d}B",
                "sent" if day > today - timedelta(days=30) else "expired",
                day,
                untaxed,
            )
            other.update(valid_until=day + timedelta(days=30), note="")
            line("sales_quote_line", quantity, price, quote_id=other)
        order = doc("sales_order", f"SIP-{prefix}-{n:05d}", "confirmed", day, untaxed)
        order.update(
            quote_id=quote,
            client_reference="",
            shipping_address="",
            note="",
            delivery_status="full",
            invoice_status="full",
        )
        order_line = line(
            "sales_order_line",
            quantity,
            price,
            order_id=order,
            qty_delivered=quantity,
            qty_invoiced=quantity,
        )
        shipped = day + timedelta(days=2)
        delivery = doc("sales_delivery", f"IRS-{prefix}-{n:05d}", "done", shipped, untaxed)
        delivery.update(
            order_id=order,
            shipping_address="",
            carrier="",
            tracking_reference="",
            note="",
            amount_untaxed=Decimal("0.00"),
            amount_tax=Decimal("0.00"),
            amount_total=Decimal("0.00"),
        )
        tables["sales_delivery_line"].append(
            {
                "company_id": company_id,
                "delivery_id": delivery,
                "order_line_id": order_line,
                "product_id": product_id,
                "description": "Çimento 50 kg",
                "quantity": quantity,
            }
        )
        invoice = doc("sales_invoice", f"FTR-{prefix}-{n:05d}", "posted", shipped, untaxed)
        invoice.update(
            kind="invoice",
            order_id=order,
            origin_id=None,
            due_date=shipped + timedelta(days=30),
            amount_cost=(quantity * 60).quantize(cent),
            amount_paid=Decimal("0.00"),
            amount_residual=invoice["amount_total"],
            payment_state="not_paid",
            note="",
        )
        line(
            "sales_invoice_line",
            quantity,
            price,
            invoice_id=invoice,
            order_line_id=order_line,
            cost_unit=Decimal("60.0000"),
            cost_amount=(quantity * 60).quantize(cent),
            cost_basis="standard",
        )
        invoices.append(invoice)
        if n % 10 == 9:
            note_untaxed = (untaxed / 10).quantize(cent)
            note = doc(
                "sales_invoice",
                f"IAD-{prefix}-{n:05d}",
                "posted",
                shipped + timedelta(days=5),
                note_untaxed,
            )
            note.update(
                kind="credit_note",
                order_id=None,
                origin_id=invoice,
                due_date=None,
                amount_cost=(invoice["amount_cost"] / 10).quantize(cent),
                amount_paid=note["amount_total"],
                amount_residual=Decimal("0.00"),
                payment_state="paid",
                note="",
            )
            _allocate(tables, company_id, invoice, note["amount_total"], note["date"], note=note)

    # Payments: what is left after documents so far makes orders x 5 documents.
    counted = sum(len(tables[t]) for t in ("sales_quote", "sales_order", "sales_delivery"))
    counted += len(tables["sales_invoice"])
    wanted = max(orders * 5 - counted, 0)
    paid = [i for i in invoices if i["date"] < today - timedelta(days=60)]
    wanted = min(wanted, len(paid))
    groups: list[list[dict[str, Any]]] = [[] for _ in range(wanted)]
    for k, invoice in enumerate(paid):  # spread evenly: one or two invoices per payment
        groups[k * wanted // len(paid)].append(invoice)
    for k, group in enumerate(groups):
        last = k == len(groups) - 1
        day = group[-1]["due_date"] - timedelta(days=k % 7)
        amounts = [i["amount_residual"] for i in group]
        if last:  # the newest payment pays half of its last invoice
            amounts[-1] = (amounts[-1] / 2).quantize(cent)
        total = sum(amounts, Decimal("0.00"))
        payment = {
            "company_id": company_id,
            "partner_id": partner_id,
            "number": f"TAH-{prefix}-{k:05d}",
            "state": "posted",
            "date": day,
            "currency": "TRY",
            "amount_untaxed": total,
            "amount_tax": Decimal("0.00"),
            "amount_total": total,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "method": "bank",
            "amount_unallocated": Decimal("0.00"),
            "reference": "",
            "note": "",
        }
        tables["sales_payment"].append(payment)
        for invoice, amount in zip(group, amounts, strict=True):
            _allocate(tables, company_id, invoice, amount, day, payment=payment)
    return tables


def _allocate(
    tables: dict[str, list[dict[str, Any]]],
    company_id: int,
    invoice: dict[str, Any],
    amount: Any,
    day: Any,
    payment: dict[str, Any] | None = None,
    note: dict[str, Any] | None = None,
) -> None:
    """``amount`` of a payment or a credit note set against ``invoice`` (its open amount
    and payment state follow, as ``payments.recompute`` leaves them)."""
    tables["sales_allocation"].append(
        {
            "company_id": company_id,
            "invoice_id": invoice,
            "payment_id": payment,
            "credit_note_id": note,
            "amount": amount,
            "date": day,
            "sequence": 10,
        }
    )
    invoice["amount_paid"] += amount
    invoice["amount_residual"] = invoice["amount_total"] - invoice["amount_paid"]
    invoice["payment_state"] = "paid" if invoice["amount_residual"] <= 0 else "partial"


def insert_sales_history(engine: Any, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Insert ``sales_history_rows`` (or several merged): rows that point at other rows
    (a dict in place of an id) get the id those were given; ids come from one count
    past the tables' highest."""
    from sqlalchemy import func, select, text

    from core.db import Base  # the mapped tables: their column types (Money, ...) apply

    with engine.begin() as conn:
        for name, rows in tables.items():
            table = Base.metadata.tables[name]
            next_id = (conn.scalar(select(func.max(table.c.id))) or 0) + 1
            for row in rows:
                row["id"] = next_id
                next_id += 1
            resolved = [
                {k: (v["id"] if isinstance(v, dict) else v) for k, v in row.items()} for row in rows
            ]
            for start in range(0, len(resolved), 5000):
                conn.execute(insert(table), resolved[start : start + 5000])
            if engine.dialect.name == "postgresql" and rows:
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                    {"t": name, "n": next_id - 1},
                )
