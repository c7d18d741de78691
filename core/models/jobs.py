"""Runs of background jobs: what ran for which company, how far it got, how it ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class JobRun(CompanyOwned, Base):
    __tablename__ = "core_job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)  # addon.task
    state: Mapped[str] = mapped_column(String(10), default="running")  # running|done|failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
