"""The sales demo (``yaprak demo``, small size): a year of history that holds together:
customers and prospects, documents over the months, every case a user looks for (credit
notes, overdue and partly paid invoices, customer credit, backorders, lost quotes), and
balances that agree with the documents."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from addons.sales.ledger import balance, overdue
from addons.sales.models import (
    SalesAllocation,
    SalesDelivery,
    SalesInvoice,
    SalesOrder,
    SalesPayment,
    SalesQuote,
)
from core.models import OutboxMessage, Partner
from core.testing.plugin import client_for

ZERO = Decimal("0.00")


@pytest.fixture
def yaprak_database_url(demo_database):
    """The small demo, built once for the modules that read it (``demo``: its company)."""
    return demo_database


def _all(session, model):
    return list(session.scalars(select(model)))


def test_the_small_demo_holds_a_coherent_year_of_sales(yaprak_runtime, demo):
    today = date.today()
    with yaprak_runtime.db.session_for(demo.id) as s:
        partners = _all(s, Partner)
        quotes, orders = _all(s, SalesQuote), _all(s, SalesOrder)
        deliveries, docs = _all(s, SalesDelivery), _all(s, SalesInvoice)
        paid_in, allocations = _all(s, SalesPayment), _all(s, SalesAllocation)
        posted = [d for d in docs if d.state == "posted"]
        invoices = [d for d in posted if d.kind == "invoice"]
        notes = [d for d in posted if d.kind == "credit_note"]

        # customers, and prospects that only ever had quotes
        customers = [p for p in partners if p.is_customer]
        prospects = [p for p in partners if p.is_prospect]
        assert len(customers) >= 12
        ordered = {o.partner_id for o in orders}
        quoted = {q.partner_id for q in quotes}
        assert [p for p in prospects if p.id in quoted and p.id not in ordered]
        assert all(p.id not in ordered for p in prospects)

        # a year of documents, numbered per year in the order of their dates
        assert all(today - timedelta(days=366) <= d.date <= today for d in [*quotes, *docs])
        assert len({(i.date.year, i.date.month) for i in invoices}) >= 8
        for year in {i.date.year for i in posted}:
            of_year = sorted((d for d in posted if d.date.year == year), key=lambda d: d.number)
            assert all(d.number.startswith(f"FTR-{year}-") for d in of_year)
            assert [d.date for d in of_year] == sorted(d.date for d in of_year)
        assert all(q.salesperson_id is not None for q in quotes)

        # every case: lost quotes, cancelled orders, backorders, credit notes, overdue and
        # partly paid invoices, customer credit from paying too much
        states = {q.state for q in quotes}
        assert {"sent", "accepted", "rejected", "expired", "cancelled"} <= states
        assert any(o.state == "cancelled" for o in orders)
        shipped = defaultdict(list)
        for delivery in deliveries:
            shipped[delivery.order_id].append(delivery.state)
        assert any("done" in s and len(s) > 1 for s in shipped.values())  # partial + backorder
        assert any(o.delivery_status == "partial" for o in orders)
        assert notes and all(n.origin_id is not None for n in notes)
        late = [i for i in invoices if i.is_overdue(today)]
        assert late and sum(overdue(s, pid, today) for pid in {i.partner_id for i in late}) > 0
        by_invoice = defaultdict(list)
        for allocation in allocations:
            by_invoice[allocation.invoice_id].append(allocation)
        assert any(
            i.payment_state == "partial" or len([a for a in by_invoice[i.id] if a.payment_id]) > 1
            for i in invoices
        )
        assert any(p.amount_unallocated > 0 for p in paid_in if p.state == "posted")
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no mail sent

        # the documents agree: paid + open = total, allocations = paid, and each partner's
        # balance is its invoices less credit notes less payments
        for doc in posted:
            assert doc.amount_paid + doc.amount_residual == doc.amount_total
            assert doc.amount_residual >= 0
        for invoice in invoices:
            assert sum((a.amount for a in by_invoice[invoice.id]), ZERO) == invoice.amount_paid
        for partner in partners:
            mine = [d for d in posted if d.partner_id == partner.id]
            payments = [p for p in paid_in if p.partner_id == partner.id and p.state == "posted"]
            sold = sum((d.amount_total for d in mine if d.kind == "invoice"), ZERO)
            credited = sum((d.amount_total for d in mine if d.kind == "credit_note"), ZERO)
            received = sum((p.amount_total for p in payments), ZERO)
            assert balance(s, partner.id) == sold - credited - received, partner.name
            still_open = sum((d.amount_residual * d.sign for d in mine), ZERO)
            credit = sum((p.amount_unallocated for p in payments), ZERO)
            assert balance(s, partner.id) == still_open - credit, partner.name
            assert all(
                p.amount_unallocated
                + sum((a.amount for a in allocations if a.payment_id == p.id), ZERO)
                == p.amount_total
                for p in payments
            )


def test_a_demo_customer_page_shows_its_history(yaprak_runtime, yaprak_app, demo):
    with yaprak_runtime.db.session_for(demo.id) as s:
        counts = s.execute(
            select(SalesInvoice.partner_id, func.count())
            .where(SalesInvoice.state == "posted")
            .group_by(SalesInvoice.partner_id)
            .order_by(func.count().desc(), SalesInvoice.partner_id)
        ).first()
        partner_id = counts[0]
        latest = s.scalar(
            select(SalesInvoice.number)
            .where(SalesInvoice.partner_id == partner_id, SalesInvoice.state == "posted")
            .order_by(SalesInvoice.date.desc(), SalesInvoice.id.desc())
            .limit(1)
        )
        name = s.get(Partner, partner_id).name
    client = client_for(yaprak_app, demo, roles=("admin",))
    client.client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    page = client.get(f"/partners/{partner_id}").get_data(as_text=True)
    assert name.replace("&", "&amp;") in page and "Customer view" in page
    timeline = page[page.index("partner-timeline") :]
    assert latest in timeline
    assert timeline.count("Invoice FTR-") >= 2
