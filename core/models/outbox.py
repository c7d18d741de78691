"""The e-mail outbox: messages written with the change that causes them, sent after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class OutboxMessage(CompanyOwned, Base):
    __tablename__ = "core_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    to: Mapped[str] = mapped_column(Text)  # comma-separated addresses
    cc: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(200), default="")

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(CompanyOwned, Base):
    __tablename__ = "core_outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("core_outbox.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    content: Mapped[bytes] = mapped_column(LargeBinary)
