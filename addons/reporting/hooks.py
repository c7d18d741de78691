"""reporting: the add-on's face to the kernel."""

from __future__ import annotations

from typing import Any

from core import hookimpl


@hookimpl
def reporting_reports() -> list[Any]:
    """The reports reporting ships (sales data): see ``reports``."""
    from .reports import all_reports

    return all_reports()
