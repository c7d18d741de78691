"""The reporting demo: presets the company shares and a weekly schedule.

- Shared presets of customer profitability (this quarter by customer group against the
  same quarter last year, the default when the report opens; the last twelve months by
  product category) and of sales by period (this year by month), as a reporting manager
  would set them up for the company.
- Every person of the demo may open Reports (``reporting.user``); each report still asks
  for its own roles (gross profit for sales managers and accountants).
- A weekly schedule e-mailing the receivables ageing (Excel) to the demo administrator
  every Monday; a demo sends no mail (``core.mail.MAIL_HELD``), so it waits in the outbox.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from core.db import session_of
from core.demo import demo_email
from core.models import User

from . import presets, schedules

PRESETS = [
    (
        "Bu çeyrek, müşteri gruplarına göre (geçen yılla)",
        "reporting.profitability",
        {"preset": "this_quarter", "group_by": "customer_group", "comparison": "previous_year"},
        True,
    ),
    (
        "Son 12 ay, ürün kategorilerine göre",
        "reporting.profitability",
        {"preset": "last_12_months", "group_by": "category"},
        False,
    ),
    (
        "Bu yıl, aylık",
        "reporting.sales_by_period",
        {"preset": "this_year", "granularity": "month"},
        True,
    ),
]


def build(company: Any, size: str = "full", today: date | None = None) -> None:
    session = session_of(company)
    admin = session.scalar(select(User).where(User.email == demo_email(company.code)))
    if admin is None:  # a demo company made by other means: nobody to own them
        return
    for name, report_id, raw, default in PRESETS:
        presets.save(
            session, admin.id, report_id, name, raw, shared=True, is_default=default, manager=True
        )
    # everyone in the demo may open Reports (each report still asks for its own roles: the
    # salespeople see sales by period and the ageing, the managers profitability too)
    from core.auth import grant
    from core.models import Membership
    from core.runtime import current_runtime

    kernel = current_runtime().kernel
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.company_id == company.id)
    )
    for user in list(members):
        grant(session, kernel, user, company, ["reporting.user"])
    schedules.save(
        session,
        admin.id,
        {
            "name": "Haftalık alacak yaşlandırma",
            "report_id": "reporting.receivables_ageing",
            "format": "xlsx",
            "frequency": "weekly",
            "weekday": 0,
            "monthday": None,
            "recipients": admin.email,
            "active": True,
            "params": {},
        },
        today or date.today(),
    )
