"""Document number sequences: a pattern per company and document type, counters per period."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned


class Sequence(CompanyOwned, Base):
    """How a company numbers one document type, e.g. ``SO-{year}-{seq:05d}`` reset yearly."""

    __tablename__ = "core_sequence"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    __cache_versioned__ = True  # kept per worker (core.numbering): every numbered step reads it

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80))  # the document type, e.g. "sales.order"
    pattern: Mapped[str] = mapped_column(String(100))
    reset: Mapped[str] = mapped_column(String(10), default="yearly")  # never|yearly|monthly


class SequenceCounter(CompanyOwned, Base):
    """The next value of a sequence in one period ("" when it never resets, "2026", "2026-03")."""

    __tablename__ = "core_sequence_counter"

    sequence_id: Mapped[int] = mapped_column(
        ForeignKey("core_sequence.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)
