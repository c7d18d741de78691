"""Workflow data a company owns: its workflow copies, approval decisions, delegations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompanyOwned, utcnow
from core.types import UTCDateTime


class WorkflowSetting(CompanyOwned, Base):
    """A company's own copy of a document type's workflow (JSON, validated)."""

    __tablename__ = "core_workflow"
    __cache_versioned__ = True  # parsed workflows are kept per worker (core.workflow)
    __table_args__ = (UniqueConstraint("company_id", "document_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(80))
    definition: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Approval(CompanyOwned, Base):
    """One decision in a document's approval chain."""

    __tablename__ = "core_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(80))
    document_id: Mapped[int] = mapped_column(index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)  # a reset starts a new round
    step: Mapped[int] = mapped_column(Integer)  # index in the chain
    role: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(10))  # approved | rejected
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    void: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        # two approvers deciding one step at once: only one row can exist
        UniqueConstraint("document_type", "document_id", "round", "step"),
    )


class Delegation(CompanyOwned, Base):
    """``from_user``'s approvals may be given by ``to_user`` from ``start`` to ``end``."""

    __tablename__ = "core_approval_delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
