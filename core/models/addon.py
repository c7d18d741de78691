"""Add-on state in this database: installed add-ons and per-company enablement."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.models.company import Company


class InstalledAddon(Base):
    """An add-on installed in this database: its migrations ran to head when installed.

    The row is written only after every migration of the add-on succeeded, so a failed
    migration leaves the add-on not installed.
    """

    __tablename__ = "core_addon"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CompanyAddon(Base):
    """An add-on enabled (or once enabled, now disabled) for a company.

    Disabling sets ``enabled`` to false and keeps every row the add-on wrote, so enabling
    again shows the same data.
    """

    __tablename__ = "core_company_addon"
    __cache_versioned__ = True  # read with the company on every request (core.cache)

    company_id: Mapped[int] = mapped_column(
        ForeignKey("core_company.id", ondelete="CASCADE"), primary_key=True
    )
    addon: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship(back_populates="addon_rows")
