"""The reports reporting ships, over sales data: customer profitability, sales by period,
receivables ageing. ``all_reports()`` is what the ``reporting_reports`` hook returns."""

from __future__ import annotations

from typing import Any


def all_reports() -> list[Any]:
    from . import profitability, receivables_ageing, sales_by_period

    return [profitability.REPORT, sales_by_period.REPORT, receivables_ageing.REPORT]
