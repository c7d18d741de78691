"""Versions of the per-process caches (see ``core.cache``): one row per cache."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class CacheVersion(Base):
    """Raised in the same transaction as every change to what the cache ``name`` holds."""

    __tablename__ = "core_cache_version"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
