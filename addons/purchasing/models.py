"""Purchasing documents: requisitions and their lines.

A requisition asks for goods to be bought for a warehouse by a date. Its lines carry an
estimated unit price (the vendor's price from core's product vendors, else the preferred
vendor's, else the product's cost price) and the vendor to buy from. Estimates carry no KDV:
every line's ``tax_rate`` is 0, so ``amount_total`` is the estimated net amount, which is
what the approval bands compare (KDV on purchases is deductible; the purchase order will
carry it). ``run_id`` names the replenishment report run a line came from (the report's
table, ``materials_replenishment_run``, is a plain integer here for now).
"""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.materials.models import MaterialsWarehouse
from core.db import Base
from core.documents import Document, PricedLine
from core.models import Partner, User
from core.types import Quantity

NO_QTY = Decimal("0.000")


class PurchasingRequisition(Document, Base):
    """A request to buy: who asks, for which warehouse, by when; approved by amount."""

    __tablename__ = "purchasing_requisition"
    __document_type__ = "purchasing.requisition"
    __number_pattern__ = "PR-{year}-{seq:05d}"
    __pdf_template__ = "purchasing/pdf/requisition.html"
    __read_role__ = "purchasing.user"

    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL"), index=True
    )
    needed_by: Mapped[date_type | None] = mapped_column(Date)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    warehouse: Mapped[MaterialsWarehouse] = relationship()
    lines: Mapped[list[PurchasingRequisitionLine]] = relationship(
        back_populates="requisition",
        cascade="all, delete-orphan",
        order_by="(PurchasingRequisitionLine.sequence, PurchasingRequisitionLine.id)",
    )


class PurchasingRequisitionLine(PricedLine, Base):
    """A product to buy: quantity, estimated unit price (``unit_price``), vendor, needed-by
    date; ``qty_ordered`` is what purchase orders took of it so far (later)."""

    __tablename__ = "purchasing_requisition_line"
    __audit_document__ = "requisition"

    requisition_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_requisition.id", ondelete="CASCADE"), index=True
    )
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("core_partner.id"), index=True)
    needed_by: Mapped[date_type | None] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)  # materials_replenishment_run
    qty_ordered: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)

    requisition: Mapped[PurchasingRequisition] = relationship(back_populates="lines")
    vendor: Mapped[Partner | None] = relationship()

    @property
    def qty_to_order(self) -> Decimal:
        return max(self.quantity - self.qty_ordered, NO_QTY)
