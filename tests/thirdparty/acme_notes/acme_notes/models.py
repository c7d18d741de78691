"""acme_notes extends core's company with a table of its own, keyed by the company id."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class CompanyNote(CompanyOwned, Base):
    """One row per company (the company id is the key), filtered like any company data."""

    __tablename__ = "acme_notes_company_note"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("core_company.id", ondelete="CASCADE"), primary_key=True
    )
    note: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
