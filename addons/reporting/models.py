"""Reporting's tables: saved parameter presets and e-mailed report schedules.

``params`` hold the report's raw parameters as JSON (what its form or API takes), loaded
and checked again each time they are used: a preset of a report whose parameters changed,
or that names a record since deleted, is refused with field messages, never run wrongly.
A relative period is kept as its preset ("this_quarter"), so it moves with the calendar.
"""

from __future__ import annotations

from datetime import date as date_type
from datetime import datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class ReportingPreset(CompanyOwned, Base):
    """A named set of parameters of one report; ``user_id`` None: shared with the company."""

    __tablename__ = "reporting_preset"
    __table_args__ = (UniqueConstraint("company_id", "user_id", "report_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[str] = mapped_column(Text, default="{}")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportingSchedule(CompanyOwned, Base):
    """A report e-mailed on a schedule (through core's outbox), run with its owner's roles.

    ``frequency``: daily, weekly (on ``weekday``, 0 = Monday) or monthly (on ``monthday``,
    the last day of a shorter month when it has no such day). ``next_run_on`` is the next
    date it is due; the periodic job sends every active schedule due on or before today."""

    __tablename__ = "reporting_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[str] = mapped_column(Text, default="{}")
    format: Mapped[str] = mapped_column(String(8), default="xlsx")  # xlsx | pdf | csv
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    weekday: Mapped[int | None] = mapped_column(Integer)
    monthday: Mapped[int | None] = mapped_column(Integer)
    recipients: Mapped[str] = mapped_column(Text, default="")  # addresses, one per line
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_on: Mapped[date_type | None] = mapped_column(Date, index=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
