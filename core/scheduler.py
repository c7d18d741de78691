"""Which scheduled jobs exist for a company, and running them.

A job exists for a company only when its add-on is enabled there (and not waiting for a
database upgrade). ``run_due`` is what the worker calls once a minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.kernel.errors import KernelError
from core.tenancy import act_for

if TYPE_CHECKING:
    from core.jobs import PeriodicTask
    from core.runtime import Runtime


def all_tasks(runtime: Runtime) -> list[PeriodicTask]:
    tasks = []
    seen: dict[str, str] = {}
    for addon, task in runtime.kernel.registrations("periodic_tasks"):
        task = replace(task, addon=addon)
        if task.qualified_name in seen:
            raise KernelError(f"{addon}: two scheduled jobs are named {task.name!r}")
        try:
            task.matcher()
        except ValueError as exc:
            raise KernelError(
                f"{task.qualified_name}: invalid schedule {task.schedule!r}: {exc}"
            ) from None
        seen[task.qualified_name] = addon
        tasks.append(task)
    return tasks


def tasks_for(runtime: Runtime, enabled: Iterable[str] | None) -> list[PeriodicTask]:
    """The jobs of ``enabled`` add-ons (all jobs when ``enabled`` is None)."""
    tasks = all_tasks(runtime)
    if enabled is None:
        return tasks
    active = set(enabled) - set(runtime.needs_upgrade)
    return [t for t in tasks if t.addon in active]


def run_task(runtime: Runtime, qualified_name: str, code: str) -> int:
    """Run one job for one company now; its run is recorded (``core_job_run``). Returns the
    run's id. The job's work is committed at the end (or in chunks by the job itself); a
    failure rolls back what was not committed and marks the run failed with the reason."""
    from core.companies import get_company
    from core.jobs import _current_run
    from core.mail import now
    from core.models import JobRun

    with runtime.activate():
        with runtime.db.transaction() as session:
            company = get_company(session, code)
            act_for(session, company)
            tasks = {t.qualified_name: t for t in tasks_for(runtime, company.enabled_addons)}
            task = tasks.get(qualified_name)
            if task is None:
                raise KernelError(f"no scheduled job {qualified_name!r} exists for {code}")
            record = JobRun(name=qualified_name)
            session.add(record)
            session.flush()
            run_id, company_id = record.id, company.id
        token = _current_run.set(run_id)
        session = runtime.db.session_for(company_id, write=True)
        try:
            company = get_company(session, code)
            task.func(company)
            row = session.get(JobRun, run_id)
            row.state, row.finished_at = "done", now()
            session.commit()
        except Exception as exc:
            session.rollback()
            with runtime.db.transaction(company_id) as failed:
                row = failed.get(JobRun, run_id)
                row.state, row.finished_at = "failed", now()
                reason = (str(exc).strip().splitlines() or [""])[0]
                row.message = f"{type(exc).__name__}: {reason}"[:2000]
            raise
        finally:
            session.close()
            _current_run.reset(token)
    return run_id


def due_now(runtime: Runtime, when: datetime) -> list[tuple[PeriodicTask, str]]:
    """``(job, company code)`` for every job due at ``when`` and every company that has it."""
    from core.models import Company

    runtime.refresh_state()
    due = [t for t in all_tasks(runtime) if t.is_due(when)]
    if not due:
        return []
    with runtime.db.Session() as session:
        companies = [
            (c.code, c.enabled_addons)
            for c in session.scalars(select(Company).order_by(Company.code))
        ]
    return [
        (task, code)
        for code, enabled in companies
        for task in due
        if task.addon in enabled and task.addon not in runtime.needs_upgrade
    ]


def run_due(runtime: Runtime, when: datetime) -> list[tuple[str, str]]:
    """Run (in this process) every job due at ``when``; ``(job, company)`` pairs."""
    ran = []
    for task, code in due_now(runtime, when):
        run_task(runtime, task.qualified_name, code)
        ran.append((task.qualified_name, code))
    return ran
