"""The audit trail: who changed which field of which document, from what to what, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class AuditEntry(CompanyOwned, Base):
    __tablename__ = "core_audit"
    __table_args__ = (Index("ix_core_audit_document", "document_type", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(80))
    document_id: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))  # create|update|transition|approve|reject|...
    field: Mapped[str] = mapped_column(String(120), default="")
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
