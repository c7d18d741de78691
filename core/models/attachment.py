"""Files attached to a record (any document or partner), stored in the database.

Stored as data so an attachment is written in the same transaction as everything else and
travels with backups; the size limit (``YAPRAK_ATTACHMENT_MAX_MB``) keeps the table sane.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class Attachment(CompanyOwned, Base):
    __tablename__ = "core_attachment"
    __table_args__ = (Index("ix_core_attachment_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(80))  # a document type or "core.partner"
    record_id: Mapped[int] = mapped_column()
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
