"""A user's saved list views: a name for the URL arguments of a list (filters, sort, columns)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class SavedView(CompanyOwned, Base):
    """``query`` is the list's query string, re-checked against the list each time it is used."""

    __tablename__ = "core_saved_view"
    __cache_versioned__ = True  # kept per worker (core.cache): list pages read them
    __table_args__ = (UniqueConstraint("company_id", "user_id", "list_key", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    list_key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
