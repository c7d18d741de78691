"""The partner page's sales figures over a long history (2,000 documents of the customer,
bulk-inserted as bench/partner_page.py does, plus other customers' and documents that must
not count), each checked against its own SQL: open balance, overdue, revenue and gross
profit this year, last sale; and the timeline shows the newest documents."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text

from addons.sales import ledger
from bench.sample_data import insert_sales_history, sales_history_rows
from core.companies import get_company
from core.testing.plugin import client_for
from core.types import Money

FIGURE = r'<dt class="small text-muted fw-normal">([^<]+)</dt>\s*<dd[^>]*>\s*([^<]+?)\s*</dd>'


def _history(w, today):
    tables = sales_history_rows(w.company_id, w.customer_id, 400, w.goods_id, today, "A")
    other = sales_history_rows(w.company_id, w.prospect_id, 50, w.goods_id, today, "B")
    for name, rows in other.items():
        tables[name].extend(rows)
    newest = max(
        (i for i in tables["sales_invoice"] if i["partner_id"] == w.customer_id),
        key=lambda i: i["date"],
    )
    # Documents that must not count: a draft invoice of today, a cancelled one, a draft
    # payment (none has a number).
    for state, day in (("draft", today), ("cancelled", today - timedelta(days=1))):
        tables["sales_invoice"].append(
            {**newest, "number": None, "state": state, "date": day, "due_date": day}
        )
    payment = tables["sales_payment"][0]
    tables["sales_payment"].append(
        {**payment, "number": None, "state": "draft", "date": today - timedelta(days=1)}
    )
    insert_sales_history(w.runtime.db.engine, tables)


def _sql(w, sql, **params):
    query = text(sql).columns(v=Money())
    with w.runtime.db.engine.connect() as conn:
        return conn.execute(query, {"p": w.customer_id, **params}).scalar() or Decimal("0.00")


def test_figures_over_a_long_history_match_sql(sales_world, yaprak_app):
    w = sales_world
    today = date.today()
    _history(w, today)
    invoiced = _sql(
        w,
        "SELECT SUM(CASE kind WHEN 'invoice' THEN amount_total ELSE -amount_total END) AS v"
        " FROM sales_invoice WHERE partner_id = :p AND state = 'posted'",
    )
    paid = _sql(
        w,
        "SELECT SUM(amount_total) AS v FROM sales_payment"
        " WHERE partner_id = :p AND state = 'posted'",
    )
    # what is open per invoice: the total less what payments and credit notes settle
    owed = _sql(
        w,
        "SELECT SUM(i.amount_total - (SELECT COALESCE(SUM(a.amount), 0) FROM sales_allocation a"
        " WHERE a.invoice_id = i.id)) AS v FROM sales_invoice i"
        " WHERE i.partner_id = :p AND i.kind = 'invoice' AND i.state = 'posted'",
    )
    unused_credit = _sql(
        w,
        "SELECT SUM(n.amount_total - (SELECT COALESCE(SUM(a.amount), 0) FROM sales_allocation a"
        " WHERE a.credit_note_id = n.id)) AS v FROM sales_invoice n"
        " WHERE n.partner_id = :p AND n.kind = 'credit_note' AND n.state = 'posted'",
    )
    overdue = _sql(
        w,
        "SELECT SUM(amount_residual) AS v FROM sales_invoice WHERE partner_id = :p"
        " AND kind = 'invoice' AND state = 'posted' AND due_date < :d",
        d=today,
    )
    year = {"d": date(today.year, 1, 1), "e": today}
    signed = "CASE kind WHEN 'invoice' THEN {0} ELSE -{0} END"
    revenue = _sql(
        w,
        f"SELECT SUM({signed.format('amount_untaxed')}) AS v FROM sales_invoice"
        " WHERE partner_id = :p AND state = 'posted' AND date BETWEEN :d AND :e",
        **year,
    )
    cost = _sql(
        w,
        f"SELECT SUM({signed.format('amount_cost')}) AS v FROM sales_invoice"
        " WHERE partner_id = :p AND state = 'posted' AND date BETWEEN :d AND :e",
        **year,
    )
    with w.runtime.db.engine.connect() as conn:
        last = conn.scalar(
            text(
                "SELECT MAX(date) FROM sales_invoice"
                " WHERE partner_id = :p AND kind = 'invoice' AND state = 'posted'"
            ),
            {"p": w.customer_id},
        )
        documents = conn.scalar(
            text(
                "SELECT (SELECT COUNT(*) FROM sales_quote WHERE partner_id = :p)"
                " + (SELECT COUNT(*) FROM sales_order WHERE partner_id = :p)"
                " + (SELECT COUNT(*) FROM sales_delivery WHERE partner_id = :p)"
                " + (SELECT COUNT(*) FROM sales_invoice WHERE partner_id = :p AND state = 'posted')"
                " + (SELECT COUNT(*) FROM sales_payment WHERE partner_id = :p AND state = 'posted')"
            ),
            {"p": w.customer_id},
        )
    assert documents == 2000
    assert owed - unused_credit == invoiced - paid  # the history is consistent
    assert Decimal(0) < overdue < invoiced - paid
    assert date.fromisoformat(str(last)) < today  # the draft of today is not a sale

    with w.runtime.db.Session() as s:
        company = get_company(s, "SATIS")
    client = client_for(yaprak_app, company, roles=("user",))
    client.client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    page = client.get(f"/partners/{w.customer_id}").get_data(as_text=True)
    shown = dict(re.findall(FIGURE, page))

    def money(value: Decimal) -> str:
        return f"-₺{-value:,.2f}" if value < 0 else f"₺{value:,.2f}"

    assert shown["Open balance"] == money(invoiced - paid)
    assert shown["Overdue"] == money(overdue)
    assert shown["Revenue this year"] == money(revenue)
    assert shown["Gross profit this year"] == money(revenue - cost)
    last_day = date.fromisoformat(str(last))
    assert shown["Last sale"] == f"{last_day:%b} {last_day.day}, {last_day.year}"

    with w.session() as s:  # the page's two-query summary agrees with the single figures
        figures = ledger.summary(s, w.customer_id, today)
        assert figures.balance == ledger.balance(s, w.customer_id) == invoiced - paid
        assert figures.overdue == ledger.overdue(s, w.customer_id, today)
        assert (figures.revenue, figures.profit) == ledger.revenue(
            s, w.customer_id, date(today.year, 1, 1), today
        )
        assert figures.last_sale == ledger.last_sale(s, w.customer_id)

    timeline = page[page.index("partner-timeline") :]
    items = re.findall(r"<li class=\"d-flex", timeline)
    assert len(items) == 50  # the newest 50 of every kind together
    with w.runtime.db.engine.connect() as conn:
        newest_quote = conn.scalar(
            text(
                "SELECT number FROM sales_quote WHERE partner_id = :p"
                " ORDER BY date DESC, id DESC LIMIT 1"
            ),
            {"p": w.customer_id},
        )
        oldest_order = conn.scalar(
            text("SELECT number FROM sales_order WHERE partner_id = :p ORDER BY date LIMIT 1"),
            {"p": w.customer_id},
        )
    assert newest_quote in timeline and oldest_order not in timeline
    first = re.search(r'<span class="small text-muted text-nowrap">([^<]+)</span>', timeline)
    assert first and first.group(1) == f"{today:%b} {today.day}, {today.year}"  # the draft's
    assert "TKL-B" not in timeline  # another customer's
