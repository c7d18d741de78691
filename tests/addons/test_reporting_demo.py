"""The reporting demo: shared presets that run, the default one, a weekly schedule; and
the demo's profitability adds up to its invoices."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from addons.reporting.framework import find_report, load_params, run_report
from addons.reporting.models import ReportingPreset, ReportingSchedule
from addons.reporting.runner import context_for
from addons.sales.models import SalesInvoice
from core import hooks_for
from core.models import Company


@pytest.fixture
def yaprak_database_url(demo_database):
    """The small demo, built once for the modules that read it (``demo``: its company)."""
    return demo_database


def test_the_demo_presets_run_and_the_schedule_waits(yaprak_runtime, demo):
    with yaprak_runtime.db.session_for(demo.id) as s:
        company = s.get(Company, demo.id)
        found = s.scalars(select(ReportingPreset).order_by(ReportingPreset.id)).all()
        assert len(found) == 3 and all(p.user_id is None for p in found)  # shared
        assert [p.report_id for p in found if p.is_default] == [
            "reporting.profitability",
            "reporting.sales_by_period",
        ]
        for preset in found:
            report = find_report(hooks_for(company), preset.report_id)
            ctx = context_for(s, company, None)
            result = run_report(report, ctx, load_params(report, ctx, json.loads(preset.params)))
            result.materialise()
        schedule = s.scalars(select(ReportingSchedule)).one()
        assert schedule.report_id == "reporting.receivables_ageing" and schedule.weekday == 0
        assert schedule.next_run_on >= date.today() and schedule.next_run_on.weekday() == 0


def test_the_demo_profitability_is_its_invoices(yaprak_runtime, demo):
    with yaprak_runtime.db.session_for(demo.id) as s:
        company = s.get(Company, demo.id)
        report = find_report(hooks_for(company), "reporting.profitability")
        ctx = context_for(s, company, None)
        raw = {"date_from": "2000-01-01", "date_to": date.today().isoformat()}
        result = run_report(report, ctx, load_params(report, ctx, raw))
        rows = result.materialise()
        invoices = s.execute(
            select(SalesInvoice.kind, SalesInvoice.amount_untaxed).where(
                SalesInvoice.state == "posted", SalesInvoice.currency == company.currency
            )
        ).all()
        signed = sum((-a if kind == "credit_note" else a for kind, a in invoices), Decimal("0.00"))
        assert rows and result.totals["revenue"] == signed != 0


def test_everyone_in_the_demo_may_open_reports(yaprak_runtime, demo):
    from core.auth import roles_of
    from core.models import Membership, User

    with yaprak_runtime.db.session_for(demo.id) as s:
        company = s.get(Company, demo.id)
        people = s.scalars(
            select(User).join(Membership).where(Membership.company_id == demo.id)
        ).all()
        assert len(people) > 3
        for user in people:
            assert "reporting.user" in roles_of(s, yaprak_runtime.kernel, user, company)
