"""Materials: warehouses and their locations, stock moves (the ledger), the stock levels and
average costs kept with them, reservations and reorder rules.

Stock moves are the truth and are never changed: a receipt, issue, transfer (two moves: out
of one warehouse, into the other) or adjustment is a row with a signed quantity, a unit cost
and its value. ``MaterialsStock`` (on hand and reserved per product and warehouse) and
``MaterialsCost`` (the moving average per product and company) are kept by the services of
``stock`` in the same transaction as the moves they sum (``yaprak materials check`` and a
test compare them with the moves), so the replenishment report and the cost hook read one
row per product instead of summing the ledger.
"""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel, relationship

from core.db import Base, CompanyOwned, Timestamped
from core.documents import Document
from core.models import Partner, Product
from core.types import Money, Quantity, UnitPrice

MOVE_KINDS = ("receipt", "issue", "transfer", "adjustment")


class MaterialsWarehouse(CompanyOwned, Timestamped, Base):
    """A warehouse (depo) of the company; stock is counted per warehouse."""

    __tablename__ = "materials_warehouse"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    __cache_versioned__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    locations: Mapped[list[MaterialsLocation]] = relationship(
        back_populates="warehouse", order_by="MaterialsLocation.code"
    )


class MaterialsLocation(CompanyOwned, Base):
    """A place inside a warehouse (aisle, shelf, bin): where a move put or took the goods."""

    __tablename__ = "materials_location"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(
        ForeignKey("materials_warehouse.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    warehouse: Mapped[MaterialsWarehouse] = relationship(back_populates="locations")


class MaterialsMove(CompanyOwned, Timestamped, Base):
    """One line of the stock ledger: ``quantity`` in (positive) or out (negative) of a
    warehouse, at ``unit_cost``; ``value`` = quantity x unit cost, rounded to the cent.
    ``origin_type``/``origin_id`` name the document that made it (``sales.delivery``,
    ``purchasing.receipt``, ``materials.count``), ``origin_line_id`` its line."""

    __tablename__ = "materials_move"
    __table_args__ = (
        Index("ix_materials_move_product_warehouse", "company_id", "product_id", "warehouse_id"),
        Index("ix_materials_move_origin", "origin_type", "origin_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date_type] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # MOVE_KINDS
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("materials_location.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0"))
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    origin_type: Mapped[str] = mapped_column(String(40), default="")
    origin_id: Mapped[int | None] = mapped_column(Integer)
    origin_line_id: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    product: Mapped[Product] = relationship()
    warehouse: Mapped[MaterialsWarehouse] = relationship()
    location: Mapped[MaterialsLocation | None] = relationship()


class MaterialsStock(CompanyOwned, Base):
    """On hand and reserved of a product in a warehouse: the sum of its moves and of its
    open reservations, kept in the same transaction as they change."""

    __tablename__ = "materials_stock"
    __table_args__ = (UniqueConstraint("company_id", "product_id", "warehouse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"))
    on_hand: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    reserved: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))

    # read-only links for the stock levels page (the services write the ids)
    product: Mapped[Product] = relationship(viewonly=True)
    warehouse: Mapped[MaterialsWarehouse] = relationship(viewonly=True)
    cost: Mapped[MaterialsCost | None] = relationship(
        primaryjoin="and_(foreign(MaterialsStock.product_id) == MaterialsCost.product_id, "
        "foreign(MaterialsStock.company_id) == MaterialsCost.company_id)",
        viewonly=True,
        uselist=False,
    )

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def average_cost(self) -> Decimal | None:
        """The product's moving average (company-wide), None before its first receipt."""
        return self.cost.average if self.cost is not None else None

    @property
    def stock_value(self) -> Decimal | None:
        """On hand here at the average, rounded to the cent."""
        from core.money import round_money

        average = self.average_cost
        return None if average is None else round_money(self.on_hand * average)


class MaterialsCost(CompanyOwned, Base):
    """A product's moving average cost in the company: the value of the stock on hand (all
    warehouses) over its quantity; receipts change it, issues leave it as it is."""

    __tablename__ = "materials_cost"
    __table_args__ = (UniqueConstraint("company_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    average: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0"))


class MaterialsReservation(CompanyOwned, Base):
    """Stock promised to a document line (a confirmed sales order's line) and not yet
    issued: ``quantity`` of ``product_id`` in ``warehouse_id``."""

    __tablename__ = "materials_reservation"
    __table_args__ = (
        UniqueConstraint("origin_type", "origin_line_id"),
        Index("ix_materials_reservation_origin", "origin_type", "origin_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    needed_on: Mapped[date_type] = mapped_column(Date)
    origin_type: Mapped[str] = mapped_column(String(40))
    origin_id: Mapped[int] = mapped_column(Integer)
    origin_line_id: Mapped[int] = mapped_column(Integer)


class MaterialsReorderRule(CompanyOwned, Timestamped, Base):
    """Keep ``product_id`` in ``warehouse_id`` between ``minimum`` and ``maximum``: below the
    minimum (projected), the replenishment report proposes up to the maximum, in multiples
    of ``multiple``, from ``vendor_id`` (default: the product's preferred vendor)."""

    __tablename__ = "materials_reorder_rule"
    __table_args__ = (UniqueConstraint("company_id", "product_id", "warehouse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"))
    minimum: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    maximum: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    multiple: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("1"))
    lead_days: Mapped[int | None] = mapped_column(Integer)  # None: the vendor's lead time
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("core_partner.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    product: Mapped[Product] = relationship()
    warehouse: Mapped[MaterialsWarehouse] = relationship()
    vendor: Mapped[Partner | None] = relationship()


class MaterialsSettings(CompanyOwned, Base):
    """The company's materials settings (one row per company; no row: the defaults)."""

    __tablename__ = "materials_settings"
    __cache_versioned__ = True

    company_id: Mapped[int] = mapped_column(  # type: ignore[assignment]
        ForeignKey("core_company.id", ondelete="CASCADE"), primary_key=True
    )
    negative_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    nightly_requisitions: Mapped[bool] = mapped_column(Boolean, default=False)


class MaterialsCount(Document, Base):
    """An inventory count of one warehouse: what was found per product. Posting it records
    each line's on-hand quantity at that moment and makes one ``adjustment`` move per line
    whose counted quantity differs (``addons.materials.counts``)."""

    __tablename__ = "materials_count"
    __document_type__ = "materials.count"
    __number_pattern__ = "SAY-{year}-{seq:05d}"
    __pdf_template__ = "materials/pdf/count.html"
    __read_role__ = "materials.user"

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    warehouse: Mapped[MaterialsWarehouse] = relationship()
    lines: Mapped[list[MaterialsCountLine]] = relationship(
        back_populates="count",
        cascade="all, delete-orphan",
        order_by="MaterialsCountLine.id",
    )


class MaterialsCountLine(CompanyOwned, Base):
    """A product counted: ``counted``; ``on_hand`` is recorded when the count is posted
    (None before), ``difference`` = counted - on hand."""

    __tablename__ = "materials_count_line"
    __audit_document__ = "count"

    id: Mapped[int] = mapped_column(primary_key=True)
    _sentinel: Mapped[int | None] = orm_insert_sentinel()
    count_id: Mapped[int] = mapped_column(
        ForeignKey("materials_count.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    counted: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    on_hand: Mapped[Decimal | None] = mapped_column(Quantity())

    count: Mapped[MaterialsCount] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="selectin")

    @property
    def difference(self) -> Decimal | None:
        return None if self.on_hand is None else self.counted - self.on_hand


class MaterialsReplenishmentRun(CompanyOwned, Timestamped, Base):
    """One run of the Material Replenishment Report that acted on its proposals: who
    (``user_id``, None for the nightly job), when (``created_at``), how (``trigger``:
    ``manual`` from the page or the API, ``nightly`` from the scheduled job) and how many
    lines it passed on (``lines``). Proposals carry its id (``Proposal.run_id``)."""

    __tablename__ = "materials_replenishment_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(10), default="manual")  # manual | nightly
    lines: Mapped[int] = mapped_column(Integer, default=0)
