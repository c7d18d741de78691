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


def run_task(runtime: Runtime, qualified_name: str, code: str) -> None:
    """Run one job for one company now, in one transaction."""
    from core.companies import get_company

    with runtime.activate(), runtime.db.transaction() as session:
        company = get_company(session, code)
        act_for(session, company)
        tasks = {t.qualified_name: t for t in tasks_for(runtime, company.enabled_addons)}
        task = tasks.get(qualified_name)
        if task is None:
            raise KernelError(f"no scheduled job {qualified_name!r} exists for {code}")
        task.func(company)


def run_due(runtime: Runtime, when: datetime) -> list[tuple[str, str]]:
    """Run every job due at ``when`` for every company that has it; ``(job, company)`` pairs."""
    from core.models import Company

    runtime.refresh_state()
    ran = []
    due = [t for t in all_tasks(runtime) if t.is_due(when)]
    if not due:
        return ran
    with runtime.db.Session() as session:
        companies = [
            (c.code, c.enabled_addons)
            for c in session.scalars(select(Company).order_by(Company.code))
        ]
    for code, enabled in companies:
        for task in due:
            if task.addon in enabled and task.addon not in runtime.needs_upgrade:
                run_task(runtime, task.qualified_name, code)
                ran.append((task.qualified_name, code))
    return ran
