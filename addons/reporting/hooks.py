"""reporting: the add-on's face to the kernel."""

from __future__ import annotations

from typing import Any

from core import hookimpl


@hookimpl
def reporting_reports() -> list[Any]:
    """The reports reporting ships (sales data): see ``reports``."""
    from .reports import all_reports

    return all_reports()


# -- the report runner: roles, menu, pages, API, the schedules' job ------------------------
@hookimpl
def roles() -> list[Any]:
    from core.auth import Role

    return [
        Role(
            "reporting.user",
            "Reports: runs reports, keeps own presets and schedules",
            implies=("user",),
        ),
        Role(
            "reporting.manager",
            "Reporting manager: shares presets with the company, manages every schedule",
            implies=("reporting.user",),
        ),
    ]


@hookimpl
def menu_items(company: Any, user: Any) -> list[Any]:
    from core.i18n import _
    from core.ui import MenuItem

    group, roles = _("Reports"), ("reporting.user",)
    return [
        MenuItem(_("Reports"), "/reporting/", 90, group, roles),
        MenuItem(_("Report schedules"), "/reporting/schedules", 91, group, roles),
    ]


@hookimpl
def addon_blueprints() -> list[Any]:
    from .schedule_views import bp as schedule_pages
    from .views import bp

    return [schedule_pages, bp]


@hookimpl
def api_blueprints() -> list[Any]:
    from .api import api

    return [api]


@hookimpl
def periodic_tasks() -> list[Any]:
    from core.jobs import PeriodicTask

    from .schedules import send_due

    return [PeriodicTask("send_schedules", send_due, minute="15")]


@hookimpl
def cli_commands() -> list[Any]:
    """``yaprak reporting list | run | export-cube | grant-readonly | revoke-readonly``."""
    from .cli import (
        export_cube_command,
        grant_readonly_command,
        list_command,
        revoke_readonly_command,
        run_command,
    )

    return [
        list_command,
        run_command,
        export_cube_command,
        grant_readonly_command,
        revoke_readonly_command,
    ]


@hookimpl
def demo_data(company: Any, size: str) -> None:
    """Shared presets and a weekly schedule for the demo company (``demo``)."""
    from .demo import build

    build(company, size)
