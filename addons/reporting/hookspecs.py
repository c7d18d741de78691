"""Hooks the reporting add-on publishes: reports and cube dimensions from any add-on.

An add-on that does not depend on reporting implements them with
``@hookimpl(optionalhook=True)`` and imports ``addons.reporting.framework`` inside the
function, so it loads (and works) without reporting installed or enabled.
"""

from __future__ import annotations

from typing import Any

from core import hookspec


@hookspec
def reporting_reports() -> list[Any]:
    """Return this add-on's reports, a list of ``addons.reporting.framework.Report``. Each
    report's ``id`` starts with the add-on's name (``"materials.replenishment"``). The
    framework runs them for the companies that have the add-on enabled (elsewhere the
    report answers 404) and gives each one the report page, its API endpoint, exports,
    presets and schedules."""


@hookspec
def reporting_cube_dimensions() -> list[Any]:
    """Return this add-on's dimensions of the sales cube, a list of
    ``addons.reporting.cube.Dimension``: a key column added to the sales-line fact table
    (from a select of (invoice line or invoice id, key), joined in SQL) and a dimension
    table (``yaprak reporting export-cube``; docs/addons/reporting.md)."""
