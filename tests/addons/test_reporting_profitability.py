"""Customer profitability (``reporting.profitability``) through the framework functions:
totals and rows equal sums of the invoice lines on random documents, comparison periods,
presets, the drill-down chain, credit notes, currency, bad parameters."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from addons.reporting.framework import ParamsError
from addons.reporting.periods import (
    Period,
    add_months,
    bucket_start,
    comparison_period,
    preset_period,
)
from addons.reporting.reports.profitability import cost_basis_label
from addons.sales.models import SalesInvoice, SalesInvoiceLine
from core.models import Partner, PartnerGroup, Product
from core.money import round_money

from .reporting_world import make_report_world

ID = "reporting.profitability"
TODAY = date(2025, 11, 20)
GROUPS = ("customer_group", "customer", "product", "category", "month", "quarter", "year")


@pytest.fixture
def world(sales_world):
    return make_report_world(sales_world)


def _random_documents(world, seed):
    """Invoices over two years for random customers and products (free lines too), a third
    of them partly credited later; a USD invoice and a draft that must not count."""
    rng = random.Random(seed)
    with world.session() as s:
        for _ in range(36):
            day = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
            lines = [
                (
                    rng.choice([*world.products, None]),
                    str(rng.randint(1, 2000) / Decimal(100)),
                    str(rng.randint(100, 99999) / Decimal(100)),
                    rng.choice(["0", "5", "12.5"]),
                )
                for _ in range(rng.randint(1, 4))
            ]
            invoice = world.invoice(s, rng.choice(world.customers), lines, day)
            if rng.random() < 0.35:
                line = rng.choice(invoice.lines)
                part = (line.quantity * Decimal(rng.choice(["0.5", "1"]))).quantize(
                    Decimal("0.001")
                )
                world.credit(s, invoice, {line.id: part}, day + timedelta(days=rng.randrange(60)))
        world.invoice(
            s, world.usd_customer, [(world.products[0], "3", "10", "0")], date(2025, 3, 3)
        )
        draft = SalesInvoice(partner_id=world.customers[0], date=date(2025, 3, 3), kind="invoice")
        s.add(draft)
        s.commit()


def _expected(session, group_by, start, end, currency="TRY", keep=lambda line: True):
    """Revenue and cost per row key, straight from the posted lines (credit notes negative)."""
    rows = session.execute(
        select(SalesInvoiceLine, SalesInvoice, Partner.group_id, Product.category_id)
        .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.invoice_id)
        .join(Partner, Partner.id == SalesInvoice.partner_id)
        .outerjoin(Product, Product.id == SalesInvoiceLine.product_id)
        .where(
            SalesInvoice.state == "posted",
            SalesInvoice.currency == currency,
            SalesInvoice.date >= start,
            SalesInvoice.date <= end,
        )
    ).all()
    found = defaultdict(lambda: [Decimal("0.00"), Decimal("0.00")])
    for line, invoice, group_id, category_id in rows:
        if not keep(line):
            continue
        keys = {
            "customer_group": group_id or 0,
            "customer": invoice.partner_id,
            "product": line.product_id,
            "category": category_id or 0,
            "invoice": invoice.id,
            "line": line.id,
        }
        key = keys[group_by] if group_by in keys else bucket_start(invoice.date, group_by)
        sign = -1 if invoice.kind == "credit_note" else 1
        found[key][0] += sign * line.net
        found[key][1] += sign * line.cost_amount
    return found


def _by_key(result):
    rows = [result.as_mapping(row) for row in result.rows()]
    return {row["key"]: row for row in rows}


@pytest.mark.parametrize("seed", [7, 2026])
def test_rows_and_totals_equal_the_sums_of_the_lines(world, seed):
    _random_documents(world, seed)
    start, end = date(2024, 1, 1), date(2025, 12, 31)
    with world.session() as s:
        for group_by in (*GROUPS, "invoice", "line"):
            raw = {"date_from": "2024-01-01", "date_to": "2025-12-31", "group_by": group_by}
            result = world.run(s, ID, raw, TODAY)
            rows = _by_key(result)
            expected = _expected(s, group_by, start, end)
            assert set(rows) == set(expected), group_by
            for key, (revenue, cost) in expected.items():
                row = rows[key]
                assert (row["revenue"], row["cost"]) == (revenue, cost), (group_by, key)
                assert row["gross_profit"] == revenue - cost
                margin = round_money((revenue - cost) * 100 / revenue) if revenue else None
                assert row["margin"] == margin
            revenue = sum((v[0] for v in expected.values()), Decimal("0.00"))
            cost = sum((v[1] for v in expected.values()), Decimal("0.00"))
            assert result.totals["revenue"] == revenue, group_by
            assert result.totals["cost"] == cost, group_by
            assert result.totals["gross_profit"] == revenue - cost
            total_margin = round_money((revenue - cost) * 100 / revenue) if revenue else None
            assert result.totals["margin"] == total_margin  # a ratio of the sums, not a sum
        # the line path (a category filter) for groupings otherwise read from the headers
        category = world.categories[1]  # with the category below it
        below = {world.categories[1], world.categories[2]}
        products = {p.id for p in s.scalars(select(Product)) if p.category_id in below}
        for group_by in ("customer", "customer_group", "month", "invoice"):
            raw = {
                "date_from": "2024-01-01",
                "date_to": "2025-12-31",
                "group_by": group_by,
                "category_id": category,
            }
            rows = _by_key(world.run(s, ID, raw, TODAY))
            expected = _expected(
                s, group_by, start, end, keep=lambda line: line.product_id in products
            )
            assert {k: (r["revenue"], r["cost"]) for k, r in rows.items()} == {
                k: tuple(v) for k, v in expected.items()
            }


def test_invoice_counts_and_credit_notes_count_negative(world):
    day = date(2025, 6, 10)
    with world.session() as s:
        customer = world.customers[0]
        invoice = world.invoice(s, customer, [(world.products[0], "10", "100", "0")], day)
        line = invoice.lines[0]
        note = world.credit(s, invoice, {line.id: Decimal("4")}, day + timedelta(days=3))
        s.commit()
        raw = {"date_from": "2025-06-01", "date_to": "2025-06-30", "group_by": "customer"}
        result = world.run(s, ID, raw, TODAY)
        (row,) = [result.as_mapping(r) for r in result.rows()]
        assert row["revenue"] == invoice.amount_untaxed - note.amount_untaxed
        assert row["cost"] == invoice.amount_cost - note.amount_cost
        assert note.amount_cost == round_money(line.cost_unit * 4)
        assert (row["invoices"], row["credit_notes"]) == (1, 1)
        lines = world.run(s, ID, {**raw, "group_by": "line"}, TODAY)
        signs = sorted(r["revenue"] for r in map(lines.as_mapping, lines.rows()))
        assert signs == [-note.amount_untaxed, invoice.amount_untaxed]


def test_comparison_values_are_those_of_the_comparison_period(world):
    _random_documents(world, 11)
    with world.session() as s:
        for comparison, group_by, start, end in (
            ("previous_year", "customer", date(2025, 1, 1), date(2025, 6, 30)),
            ("previous_period", "customer_group", date(2025, 4, 1), date(2025, 9, 30)),
            ("previous_year", "month", date(2025, 1, 1), date(2025, 12, 31)),
            ("previous_period", "quarter", date(2025, 1, 1), date(2025, 6, 30)),
            ("previous_period", "category", date(2025, 3, 5), date(2025, 5, 20)),
        ):
            raw = {
                "date_from": start.isoformat(),
                "date_to": end.isoformat(),
                "group_by": group_by,
                "comparison": comparison,
            }
            rows = _by_key(world.run(s, ID, raw, TODAY))
            before = comparison_period(Period(start, end), comparison)
            expected = _expected(s, group_by, before.start, before.end)
            if group_by in ("month", "quarter"):  # keyed by the bucket they compare with
                months = 12 if comparison == "previous_year" else 6
                expected = {
                    bucket_start(add_months(k, months), group_by): v for k, v in expected.items()
                }
            compared = {k: r["revenue_compared"] for k, r in rows.items() if r["revenue_compared"]}
            assert compared == {k: v[0] for k, v in expected.items() if v[0]}, group_by
            for key, (revenue, cost) in expected.items():
                row = rows[key]
                assert row["gross_profit_compared"] == revenue - cost
                change = (
                    round_money((row["revenue"] - revenue) * 100 / abs(revenue))
                    if revenue
                    else None
                )
                assert row["revenue_change"] == change


def test_presets_resolve_against_the_company_today(world):
    _random_documents(world, 5)
    with world.session() as s:
        for preset in ("this_month", "this_quarter", "this_year", "last_12_months"):
            period = preset_period(preset, TODAY)
            by_preset = world.run(s, ID, {"preset": preset, "group_by": "customer"}, TODAY)
            rows = {k: r["revenue"] for k, r in _by_key(by_preset).items()}
            expected = _expected(s, "customer", period.start, period.end)
            assert rows == {k: v[0] for k, v in expected.items()}, preset


def test_drill_down_group_customer_invoice_lines(world, web):
    day = date(2025, 5, 5)
    with world.session() as s:
        grouped, ungrouped = world.customers[0], world.customers[4]
        first = world.invoice(s, grouped, [(world.products[1], "2", "80", "0")], day)
        world.invoice(s, ungrouped, [(world.products[2], "1", "90", "0")], day)
        world.invoice(s, world.customers[1], [(world.products[2], "3", "90", "0")], day)
        s.commit()
        group_id = s.get(Partner, grouped).group_id
        raw = {"date_from": "2025-05-01", "date_to": "2025-05-31", "group_by": "customer_group"}
        result = world.run(s, ID, raw, TODAY)
        rows = {r["label"]: r for r in map(result.as_mapping, result.rows())}
        assert "No group" in rows
        report, params = result.report, result.params
        ctx = world.ctx(s, TODAY)

        def follow(row, report_params):
            target = report.drill(ctx, report_params, row)
            assert target.report == ID
            drilled = world.run(s, ID, dict(target.params), TODAY)
            return drilled, [drilled.as_mapping(r) for r in drilled.rows()]

        group_name = s.get(PartnerGroup, group_id).name
        customers, crows = follow(rows[group_name], params)
        assert [r["key"] for r in crows] == [grouped]
        _nobody, nrows = follow(rows["No group"], params)
        assert [r["key"] for r in nrows] == [ungrouped]
        invoices, irows = follow(crows[0], customers.params)
        assert [r["key"] for r in irows] == [first.id]
        link = report.drill(ctx, invoices.params, irows[0])
        assert link.url == f"/sales/invoices/{first.id}"
        assert web.get(link.url).status_code == 200  # the invoice's page
        lines, lrows = follow(irows[0], invoices.params)
        assert [r["key"] for r in lrows] == [line.id for line in first.lines]
        line = first.lines[0]
        assert line.cost_basis == "standard"
        assert lrows[0]["cost_basis"] == cost_basis_label("standard") == "standard cost"
        assert (lrows[0]["cost_unit"], lrows[0]["cost"]) == (line.cost_unit, line.cost_amount)
        assert lrows[0]["quantity"] == line.quantity
        assert lines.totals["revenue"] == first.amount_untaxed == irows[0]["revenue"]
        assert report.drill(ctx, lines.params, lrows[0]).url == f"/sales/invoices/{first.id}"
        # a month drills to its customers, a category to its products
        months = world.run(s, ID, {**raw, "group_by": "month"}, TODAY)
        (month,) = map(months.as_mapping, months.rows())
        target = report.drill(ctx, months.params, month)
        assert target.params["group_by"] == "customer"
        assert (target.params["date_from"], target.params["date_to"]) == (
            "2025-05-01",
            "2025-05-31",
        )


def test_an_empty_period_is_an_empty_report(world):
    with world.session() as s:
        for group_by in (*GROUPS, "invoice", "line"):
            raw = {"date_from": "1999-01-01", "date_to": "1999-12-31", "group_by": group_by}
            result = world.run(s, ID, {**raw, "comparison": "previous_year"}, TODAY)
            assert list(result.rows()) == []
            assert result.totals["revenue"] == Decimal("0.00")
            assert any("TRY" in note for note in result.data.notes)


def test_bad_parameters_name_their_field(world, make_company):
    other = make_company("OTHER", addons=["sales"])
    from core.models import ProductCategory

    with world.sales.runtime.db.transaction(other.id) as s:
        group, category = PartnerGroup(name="Yabancı"), ProductCategory(name="Yabancı")
        s.add_all([group, category])
        s.flush()
        foreign = {"customer_group_id": group.id, "category_id": category.id}
    with world.session() as s:
        for raw, field in (
            ({"date_from": "2025-05-02", "date_to": "2025-05-01"}, "date_to"),
            ({"group_by": "salesperson"}, "group_by"),
            ({"comparison": "last_decade"}, "comparison"),
            ({"currency": "XXQ"}, "currency"),
            ({"customer_group_id": foreign["customer_group_id"]}, "customer_group_id"),
            ({"category_id": foreign["category_id"]}, "category_id"),
            ({"customer_id": 999999}, "customer_id"),
        ):
            with pytest.raises(ParamsError) as caught:
                world.run(s, ID, raw, TODAY)
            assert list(caught.value.errors) == [field], raw


def test_currency_filter_counts_only_that_currency(world):
    day = date(2025, 7, 1)
    with world.session() as s:
        usd = world.invoice(s, world.usd_customer, [(world.products[0], "2", "15", "0")], day)
        world.invoice(s, world.customers[0], [(world.products[0], "1", "99", "0")], day)
        s.commit()
        raw = {"date_from": "2025-07-01", "date_to": "2025-07-31", "group_by": "customer"}
        in_usd = world.run(s, ID, {**raw, "currency": "usd"}, TODAY)
        rows = [in_usd.as_mapping(r) for r in in_usd.rows()]
        assert [(r["key"], r["revenue"]) for r in rows] == [
            (world.usd_customer, usd.amount_untaxed)
        ]
        assert in_usd.data.currency == "USD"
        in_try = world.run(s, ID, raw, TODAY)
        assert world.usd_customer not in _by_key(in_try)
