"""Scheduled jobs exist only for companies that enabled their add-on."""

from datetime import datetime

import pytest
from sqlalchemy import select

from core.companies import get_company
from core.kernel.errors import KernelError
from core.scheduler import run_due, run_task, tasks_for


def _things(runtime, code):
    from yk_alpha.models import AlphaThing

    with runtime.db.Session() as s:
        company = get_company(s, code)
        return s.scalars(
            select(AlphaThing.name)
            .where(AlphaThing.company_id == company.id)
            .order_by(AlphaThing.id)
        ).all()


def test_jobs_exist_per_enabled_company(make_company, yaprak_runtime):
    acme = make_company("ACME", addons=["alpha"])
    other = make_company("OTHER")
    assert [t.qualified_name for t in tasks_for(yaprak_runtime, acme.enabled_addons)] == [
        "alpha.nightly"
    ]
    assert tasks_for(yaprak_runtime, other.enabled_addons) == []
    assert tasks_for(yaprak_runtime, None)[0].schedule == "0 2 * * *"


def test_run_due_runs_for_enabled_companies_only(make_company, yaprak_runtime):
    make_company("ACME", addons=["alpha"])
    make_company("OTHER")
    assert run_due(yaprak_runtime, datetime(2026, 11, 28, 2, 1)) == []  # not due at 02:01
    assert run_due(yaprak_runtime, datetime(2026, 11, 28, 2, 0)) == [("alpha.nightly", "ACME")]
    assert _things(yaprak_runtime, "ACME") == ["Default thing", "nightly"]


def test_running_a_job_for_a_company_without_the_addon_is_refused(make_company, yaprak_runtime):
    make_company("OTHER")
    with pytest.raises(KernelError, match=r"no scheduled job 'alpha\.nightly' exists for OTHER"):
        run_task(yaprak_runtime, "alpha.nightly", "OTHER")
