"""Sales by period (``reporting.sales_by_period``): per granularity, each row and the totals
equal the headers of the posted documents of its period; drill-down to profitability."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from addons.reporting.framework import ParamsError
from addons.reporting.periods import GRANULARITIES, bucket_start
from addons.sales.models import SalesInvoice

from .reporting_world import make_report_world

ID = "reporting.sales_by_period"
TODAY = date(2025, 11, 20)


@pytest.fixture
def world(sales_world):
    world = make_report_world(sales_world)
    rng = random.Random(3)
    with world.session() as s:
        for _ in range(25):
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(300))
            product = rng.choice(world.products)
            lines = [(product, str(rng.randint(1, 9)), str(rng.randint(10, 900)), "0")]
            invoice = world.invoice(s, rng.choice(world.customers), lines, day)
            if rng.random() < 0.3:
                world.credit(s, invoice, {invoice.lines[0].id: Decimal(1)}, day)
        s.commit()
    return world


def _expected(session, granularity, customer_ids=None):
    found = defaultdict(lambda: [0, 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")])
    query = select(SalesInvoice).where(
        SalesInvoice.state == "posted",
        SalesInvoice.currency == "TRY",
        SalesInvoice.date >= date(2025, 1, 1),
        SalesInvoice.date <= date(2025, 12, 31),
    )
    for doc in session.scalars(query):
        if customer_ids is not None and doc.partner_id not in customer_ids:
            continue
        row = found[bucket_start(doc.date, granularity)]
        row[0 if doc.kind == "invoice" else 1] += 1
        row[2] += doc.sign * doc.amount_untaxed
        row[3] += doc.sign * doc.amount_tax
        row[4] += doc.sign * doc.amount_total
    return {k: tuple(v) for k, v in found.items()}


def test_each_period_equals_its_documents(world):
    with world.session() as s:
        for granularity in GRANULARITIES:
            raw = {"preset": "this_year", "granularity": granularity}
            result = world.run(s, ID, raw, TODAY)
            rows = [result.as_mapping(r) for r in result.rows()]
            got = {
                r["key"]: (r["invoices"], r["credit_notes"], r["revenue"], r["tax"], r["total"])
                for r in rows
            }
            expected = _expected(s, granularity)
            assert got == expected, granularity
            assert [r["key"] for r in rows] == sorted(expected)  # in time order
            assert result.totals["revenue"] == sum((v[2] for v in expected.values()), Decimal(0))
        group = world.groups[0]
        members = {world.customers[0], world.customers[3]}  # customers n with n % 3 == 0
        result = world.run(s, ID, {"preset": "this_year", "customer_group_id": group}, TODAY)
        got = {r[0]: r[4] for r in result.rows()}
        assert got == {k: v[2] for k, v in _expected(s, "month", members).items()}


def test_a_period_drills_to_profitability_by_customer(world):
    with world.session() as s:
        raw = {"date_from": "2025-02-10", "date_to": "2025-08-31", "granularity": "quarter"}
        result = world.run(s, ID, raw, TODAY)
        rows = [result.as_mapping(r) for r in result.rows()]
        assert rows
        ctx = world.ctx(s, TODAY)
        first = result.report.drill(ctx, result.params, rows[0])
        assert first.report == "reporting.profitability"
        assert first.params["group_by"] == "customer"
        assert first.params["date_from"] == "2025-02-10"  # within the report's range
        drilled = world.run(s, first.report, dict(first.params), TODAY)
        assert drilled.materialise() is not None
        assert drilled.totals["revenue"] == rows[0]["revenue"]


def test_bad_parameters_and_an_empty_period(world):
    with world.session() as s:
        with pytest.raises(ParamsError) as caught:
            world.run(s, ID, {"granularity": "fortnight"}, TODAY)
        assert list(caught.value.errors) == ["granularity"]
        with pytest.raises(ParamsError) as caught:
            world.run(s, ID, {"salesperson_id": 987654}, TODAY)
        assert list(caught.value.errors) == ["salesperson_id"]
        empty = world.run(s, ID, {"date_from": "2001-01-01", "date_to": "2001-12-31"}, TODAY)
        assert list(empty.rows()) == [] and empty.totals["total"] == Decimal("0.00")


@pytest.mark.engine_independent
def test_buckets_of_days():
    from addons.reporting.periods import bucket_end, bucket_label

    sunday = date(2025, 1, 5)
    assert bucket_start(sunday, "week") == date(2024, 12, 30)  # ISO weeks start on Monday
    assert bucket_label(date(2024, 12, 30), "week") == "2025-W01"
    assert bucket_end(date(2024, 12, 30), "week") == sunday
    assert bucket_start(date(2025, 8, 31), "quarter") == date(2025, 7, 1)
    assert bucket_end(date(2025, 7, 1), "quarter") == date(2025, 9, 30)
    assert bucket_label(date(2025, 7, 1), "quarter") == "2025 Q3"
    assert bucket_end(date(2024, 2, 1), "month") == date(2024, 2, 29)
    assert bucket_end(date(2025, 1, 1), "year") == date(2025, 12, 31)
