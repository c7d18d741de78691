"""Products and services, their categories and their vendors."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, CompanyOwned, Timestamped
from core.models.partner import Partner
from core.types import Quantity, UnitPrice


class ProductCategory(CompanyOwned, Base):
    __tablename__ = "core_product_category"
    __cache_versioned__ = True  # list filter options (core.cache)
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("core_product_category.id"))


class Product(CompanyOwned, Timestamped, Base):
    __tablename__ = "core_product"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    __audit_type__ = "core.product"  # changes go to the audit trail, shown on its page

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10), default="goods")  # goods | service
    uom: Mapped[str] = mapped_column(String(3), default="C62")  # UN/ECE Rec 20 (core.units)
    list_price: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0"))
    cost_price: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0"))
    tax_rate: Mapped[int] = mapped_column(Integer, default=20)  # KDV %: 0, 1, 10, 20
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_product_category.id"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    search_key: Mapped[str] = mapped_column(String(300), default="", index=True)

    category: Mapped[ProductCategory | None] = relationship()
    vendors: Mapped[list[ProductVendor]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductVendor.sequence"
    )

    def __repr__(self) -> str:
        return f"<Product {self.code}>"


class ProductVendor(CompanyOwned, Base):
    """Who sells us a product: their code, price, lead time and minimum quantity."""

    __tablename__ = "core_product_vendor"
    __table_args__ = (UniqueConstraint("product_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("core_product.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("core_partner.id"), index=True)
    vendor_code: Mapped[str] = mapped_column(String(60), default="")
    price: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    lead_days: Mapped[int] = mapped_column(Integer, default=0)
    min_qty: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    sequence: Mapped[int] = mapped_column(Integer, default=10)  # the first is the preferred one

    product: Mapped[Product] = relationship(back_populates="vendors")
    partner: Mapped[Partner] = relationship()
