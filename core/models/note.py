"""Notes people write on a record: with the audit trail they make its activity timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class Note(CompanyOwned, Base):
    __tablename__ = "core_note"
    __table_args__ = (Index("ix_core_note_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(80))
    record_id: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
