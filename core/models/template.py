"""Templates a company edited: its own source for a PDF template, rendered in the sandbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, Timestamped, utcnow
from core.types import UTCDateTime


class TemplateOverride(CompanyOwned, Timestamped, Base):
    """A company's source for template ``name`` (e.g. ``docs/request.pdf.html``)."""

    __tablename__ = "core_template_override"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
