"""Partners: one table for customers, prospects and vendors (a partner may be several)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, CompanyOwned, Timestamped
from core.types import Money


class PartnerGroup(CompanyOwned, Base):
    """A customer group (for price lists, reports, campaigns)."""

    __tablename__ = "core_partner_group"
    __cache_versioned__ = True  # list filter options (core.cache)
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class PaymentTerm(CompanyOwned, Base):
    """When an invoice falls due: ``days`` after its date (to the month's end if asked)."""

    __tablename__ = "core_payment_term"
    __cache_versioned__ = True  # list filter options (core.cache)
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    days: Mapped[int] = mapped_column(Integer, default=0)
    end_of_month: Mapped[bool] = mapped_column(Boolean, default=False)


class Partner(CompanyOwned, Timestamped, Base):
    """A customer, prospect or vendor: the same row whatever it is (or becomes)."""

    __tablename__ = "core_partner"
    __audit_type__ = "core.partner"  # changes go to the audit trail, shown on its page
    # lists sort by name within a company: keyset pages walk this index
    __table_args__ = (Index("ix_core_partner_company_name", "company_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_company: Mapped[bool] = mapped_column(Boolean, default=True)  # legal entity or a person
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_prospect: Mapped[bool] = mapped_column(Boolean, default=False)
    is_vendor: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_id: Mapped[str | None] = mapped_column(String(10))  # VKN, 10 digits
    national_id: Mapped[str | None] = mapped_column(String(11))  # TCKN, 11 digits
    tax_office: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_partner_group.id"), index=True)
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment_term.id"))
    credit_limit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    language: Mapped[str] = mapped_column(String(5), default="tr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    search_key: Mapped[str] = mapped_column(String(600), default="", index=True)

    group: Mapped[PartnerGroup | None] = relationship()
    payment_term: Mapped[PaymentTerm | None] = relationship()
    addresses: Mapped[list[PartnerAddress]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerAddress.id"
    )

    def address(self, kind: str) -> PartnerAddress | None:
        """The default address of ``kind`` (billing, shipping), else the first one."""
        mine = [a for a in self.addresses if a.kind == kind]
        return next((a for a in mine if a.is_default), mine[0] if mine else None)

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"


class PartnerAddress(CompanyOwned, Base):
    __tablename__ = "core_partner_address"
    __audit_document__ = "partner"  # audited as part of its partner
    __audit_label__ = "address"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("core_partner.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="billing")  # billing | shipping
    street: Mapped[str] = mapped_column(String(300), default="")
    district: Mapped[str] = mapped_column(String(100), default="")  # ilçe
    city: Mapped[str] = mapped_column(String(100), default="")  # il
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    country: Mapped[str] = mapped_column(String(2), default="TR")
    is_default: Mapped[bool] = mapped_column(Boolean, default=True)

    partner: Mapped[Partner] = relationship(back_populates="addresses")

    def one_line(self) -> str:
        parts = [self.street, self.district, self.city, self.postal_code]
        return ", ".join(p for p in parts if p)
