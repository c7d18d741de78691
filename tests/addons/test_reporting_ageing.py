"""Receivables ageing (``reporting.receivables_ageing``): buckets at their boundaries, the
open amounts as of a past date (later payments and credit notes do not count), the
customers' unallocated credit, filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from addons.reporting.framework import ParamsError
from addons.reporting.reports.receivables_ageing import bucket

from .reporting_world import make_report_world

ID = "reporting.receivables_ageing"
AS_OF = date(2025, 9, 30)


@pytest.fixture
def world(sales_world):
    return make_report_world(sales_world)


def _rows(result):
    return {r["key"]: r for r in map(result.as_mapping, result.rows())}


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "days_30"),
        (30, "days_30"),
        (31, "days_60"),
        (60, "days_60"),
        (61, "days_90"),
        (90, "days_90"),
        (91, "older"),
    ],
)
def test_bucket_boundaries(days, expected):
    assert bucket(days) == expected


def test_invoices_fall_in_their_bucket_by_days_past_due(world, web):
    customer = world.customers[0]
    overdue = (-3, 0, 30, 31, 60, 61, 90, 91)
    with world.session() as s:
        made = {}
        for n, days in enumerate(overdue):
            price = str(100 + n)  # a distinct amount per invoice
            due = AS_OF - timedelta(days=days)
            made[days] = world.invoice(
                s, customer, [(world.products[0], "1", price, "0")], due - timedelta(days=5), due
            )
        s.commit()
        result = world.run(s, ID, {"as_of": AS_OF.isoformat()}, AS_OF)
        row = _rows(result)[customer]
        for name in ("not_due", "days_30", "days_60", "days_90", "older"):
            wanted = sum(
                (i.amount_total for d, i in made.items() if bucket(d) == name), Decimal("0.00")
            )
            assert row[name] == wanted, name
        assert row["total"] == sum((i.amount_total for i in made.values()), Decimal("0.00"))
        assert result.totals["total"] == row["total"]
        assert row["balance"] == row["total"]
        link = result.report.drill(world.ctx(s, AS_OF), result.params, row)
        assert link.url == f"/partners/{customer}"
        assert web.get(link.url).status_code == 200  # the customer's page


def test_as_of_a_past_date_ignores_later_payments_and_credit_notes(world):
    customer, other = world.customers[1], world.customers[4]
    day = date(2025, 6, 2)
    with world.session() as s:
        first = world.invoice(s, customer, [(world.products[1], "2", "150", "0")], day)
        second = world.invoice(s, customer, [(world.products[2], "1", "400", "0")], day)
        third = world.invoice(s, other, [(world.products[3], "3", "70", "0")], day)
        # July 10: the first paid in part; August 20: 100 more than the rest (credit)
        world.payment(
            s,
            customer,
            "100",
            date(2025, 7, 10),
            [{"invoice_id": first.id, "amount": Decimal(100)}],
        )
        rest = first.amount_total - Decimal(100)
        world.payment(
            s,
            customer,
            str(rest + 100),
            date(2025, 8, 20),
            [{"invoice_id": first.id, "amount": rest}],
        )
        # September 1: the second credited in part
        note = world.credit(s, second, {second.lines[0].id: Decimal("0.5")}, date(2025, 9, 1))
        s.commit()
        assert first.amount_residual == 0

        def at(day):
            return _rows(world.run(s, ID, {"as_of": day.isoformat()}, date(2025, 11, 1)))

        before = at(date(2025, 7, 9))
        assert before[customer]["total"] == first.amount_total + second.amount_total
        assert before[customer]["credit"] == Decimal("0.00")
        assert before[other]["total"] == third.amount_total
        july = at(date(2025, 7, 10))
        assert july[customer]["total"] == rest + second.amount_total
        august = at(date(2025, 8, 20))
        assert august[customer]["total"] == second.amount_total
        assert august[customer]["credit"] == Decimal("100.00")
        assert august[customer]["balance"] == second.amount_total - Decimal(100)
        now = at(date(2025, 11, 1))
        assert now[customer]["total"] == second.amount_total - note.amount_total
        assert now[customer]["total"] == second.amount_residual
        # before anything was invoiced: nothing
        assert at(date(2025, 6, 1)) == {}
        # a filter on one customer
        only = world.run(s, ID, {"customer_id": other}, date(2025, 11, 1))
        assert list(_rows(only)) == [other]


def test_bad_parameters(world, make_company):
    from core.models import Partner

    other = make_company("OTHER", addons=["sales"])
    with world.sales.runtime.db.transaction(other.id) as s:
        partner = Partner(name="Yabancı", is_customer=True)
        s.add(partner)
        s.flush()
        foreign = partner.id
    with world.session() as s:
        for raw, field in (
            ({"as_of": "not-a-date"}, "as_of"),
            ({"customer_id": foreign}, "customer_id"),
            ({"currency": "EURO"}, "currency"),
        ):
            with pytest.raises(ParamsError) as caught:
                world.run(s, ID, raw, AS_OF)
            assert list(caught.value.errors) == [field]
