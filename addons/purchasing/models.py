"""Purchasing documents: requisitions, purchase orders, receipts, vendor invoices, vendor
payments, and the company's purchasing settings.

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

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.materials.models import MaterialsWarehouse
from core.db import Base, CompanyOwned
from core.documents import Document, PricedLine
from core.models import Partner, PaymentTerm, Product, User
from core.types import Money, Quantity, UnitPrice

NO_QTY = Decimal("0.000")
ZERO = Decimal("0.00")


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
    __approval_ignore__ = ("qty_ordered",)  # bookkeeping: the approval stands (core.workflow)

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


# ----------------------------------------------------------------------------- settings
class PurchasingSettings(CompanyOwned, Base):
    """The company's purchasing settings (one row per company; no row: the defaults).

    ``group_by``: the keys that split approved requisition lines into purchase orders
    besides vendor, warehouse and currency (always): ``needed_by`` or nothing (comma
    separated, for more keys later). ``order_state``: ``draft`` or ``confirmed`` for orders
    made from requisitions. ``receipt_tolerance``: how many percent more than ordered a
    receipt may bring in (0: never more). ``price_tolerance``: how many percent a vendor
    invoice's price may be over the order's before the invoice needs approval.
    ``nightly_orders``: the job that makes orders from approved requisitions runs nightly."""

    __tablename__ = "purchasing_settings"
    __cache_versioned__ = True

    company_id: Mapped[int] = mapped_column(  # type: ignore[assignment]
        ForeignKey("core_company.id", ondelete="CASCADE"), primary_key=True
    )
    group_by: Mapped[str] = mapped_column(String(100), default="")
    order_state: Mapped[str] = mapped_column(String(12), default="draft")
    receipt_tolerance: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    price_tolerance: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    nightly_orders: Mapped[bool] = mapped_column(Boolean, default=False)


# ----------------------------------------------------------------------------- orders
class PurchasingOrder(Document, Base):
    """A purchase order to a vendor (``partner``) for one warehouse. Each line keeps what
    was received and invoiced of it; ``receipt_status`` and ``invoice_status`` sum them up."""

    __tablename__ = "purchasing_order"
    __document_type__ = "purchasing.order"
    __number_pattern__ = "SAS-{year}-{seq:05d}"
    __pdf_template__ = "purchasing/pdf/order.html"
    __generic_actions__ = False  # its steps are the services' (orders.py)
    __read_role__ = "purchasing.user"

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"), index=True)
    expected_date: Mapped[date_type | None] = mapped_column(Date)
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment_term.id"))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    vendor_reference: Mapped[str] = mapped_column(String(60), default="")
    origin: Mapped[str] = mapped_column(String(20), default="manual")  # manual | requisitions
    note: Mapped[str] = mapped_column(Text, default="")
    receipt_status: Mapped[str] = mapped_column(String(12), default="nothing")
    invoice_status: Mapped[str] = mapped_column(String(12), default="nothing")

    warehouse: Mapped[MaterialsWarehouse] = relationship()
    payment_term: Mapped[PaymentTerm | None] = relationship()
    buyer: Mapped[User | None] = relationship(foreign_keys=[buyer_id])
    lines: Mapped[list[PurchasingOrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="(PurchasingOrderLine.sequence, PurchasingOrderLine.id)",
    )


class PurchasingOrderLine(PricedLine, Base):
    """An ordered product at its price; ``qty_received`` and ``qty_invoiced`` so far."""

    __tablename__ = "purchasing_order_line"
    __audit_document__ = "order"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_order.id", ondelete="CASCADE"), index=True
    )
    needed_by: Mapped[date_type | None] = mapped_column(Date)
    qty_received: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)
    qty_invoiced: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)

    order: Mapped[PurchasingOrder] = relationship(back_populates="lines")
    sources: Mapped[list[PurchasingOrderSource]] = relationship(
        back_populates="order_line", cascade="all, delete-orphan"
    )

    @property
    def qty_to_receive(self) -> Decimal:
        return max(self.quantity - self.qty_received, NO_QTY)

    @property
    def qty_to_invoice(self) -> Decimal:
        """Received and not invoiced yet (the three-way match: never more than received)."""
        return max(self.qty_received - self.qty_invoiced, NO_QTY)

    @property
    def net_unit_price(self) -> Decimal:
        """The unit price after the line's discount (what a receipt values the goods at)."""
        from core.money import round_price

        return round_price(self.unit_price * (Decimal(100) - (self.discount or 0)) / 100)


class PurchasingOrderSource(CompanyOwned, Base):
    """Which requisition line an order line was made from. A requisition line appears here
    at most once (the unique key): two order-making jobs at once cannot both take it."""

    __tablename__ = "purchasing_order_source"
    __table_args__ = (UniqueConstraint("requisition_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_order_line.id", ondelete="CASCADE"), index=True
    )
    requisition_line_id: Mapped[int] = mapped_column(ForeignKey("purchasing_requisition_line.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)

    order_line: Mapped[PurchasingOrderLine] = relationship(back_populates="sources")
    requisition_line: Mapped[PurchasingRequisitionLine] = relationship()


# ----------------------------------------------------------------------------- receipts
class PurchasingReceipt(Document, Base):
    """Goods received from the vendor against one order (part or all of it). Posting it
    makes one materials receipt move per line at the order line's net price."""

    __tablename__ = "purchasing_receipt"
    __document_type__ = "purchasing.receipt"
    __number_pattern__ = "MKB-{year}-{seq:05d}"
    __pdf_template__ = "purchasing/pdf/receipt.html"
    __generic_actions__ = False
    __read_role__ = "purchasing.user"

    order_id: Mapped[int] = mapped_column(ForeignKey("purchasing_order.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("materials_warehouse.id"), index=True)
    vendor_reference: Mapped[str] = mapped_column(String(60), default="")  # their irsaliye
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[PurchasingOrder] = relationship()
    warehouse: Mapped[MaterialsWarehouse] = relationship()
    lines: Mapped[list[PurchasingReceiptLine]] = relationship(
        back_populates="receipt",
        cascade="all, delete-orphan",
        order_by="PurchasingReceiptLine.id",
    )


class PurchasingReceiptLine(CompanyOwned, Base):
    """A quantity of an order line received; ``unit_cost`` is the price it entered stock at."""

    __tablename__ = "purchasing_receipt_line"
    __audit_document__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_receipt.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchasing_order_line.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("core_product.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)
    unit_cost: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0.0000"))
    move_id: Mapped[int | None] = mapped_column(ForeignKey("materials_move.id"))

    receipt: Mapped[PurchasingReceipt] = relationship(back_populates="lines")
    order_line: Mapped[PurchasingOrderLine] = relationship()
    product: Mapped[Product | None] = relationship()


# ----------------------------------------------------------------------------- vendor bills
class PurchasingInvoice(Document, Base):
    """A vendor's invoice, entered from an order (its received, not yet invoiced lines).

    Three-way match: a line never invoices more than was received of its order line; a
    price above the order's by more than the company's ``price_tolerance`` sets
    ``price_excess`` (the amount over the order price), and the invoice's workflow then
    needs ``purchasing.approver`` before it posts. ``amount_residual`` is what is still to
    pay."""

    __tablename__ = "purchasing_invoice"
    __document_type__ = "purchasing.invoice"
    __number_pattern__ = "ALF-{year}-{seq:05d}"
    __pdf_template__ = "purchasing/pdf/invoice.html"
    __generic_actions__ = False
    __read_role__ = "purchasing.user"

    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchasing_order.id"), index=True)
    vendor_number: Mapped[str] = mapped_column(String(60), default="")  # the vendor's own
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment_term.id"))
    due_date: Mapped[date_type | None] = mapped_column(Date, index=True)
    price_excess: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    amount_residual: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    payment_state: Mapped[str] = mapped_column(String(10), default="not_paid")
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[PurchasingOrder | None] = relationship()
    payment_term: Mapped[PaymentTerm | None] = relationship()
    lines: Mapped[list[PurchasingInvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="(PurchasingInvoiceLine.sequence, PurchasingInvoiceLine.id)",
    )


class PurchasingInvoiceLine(PricedLine, Base):
    """An invoiced quantity of an order line at the vendor's price (``order_price``: the
    order line's net price it is matched against)."""

    __tablename__ = "purchasing_invoice_line"
    __audit_document__ = "invoice"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("purchasing_invoice.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchasing_order_line.id"), index=True
    )
    order_price: Mapped[Decimal | None] = mapped_column(UnitPrice())

    invoice: Mapped[PurchasingInvoice] = relationship(back_populates="lines")
    order_line: Mapped[PurchasingOrderLine | None] = relationship()


class PurchasingPayment(Document, Base):
    """Money paid to a vendor (``amount_total``), allocated to its invoices; what is not
    allocated is an advance to the vendor."""

    __tablename__ = "purchasing_payment"
    __document_type__ = "purchasing.payment"
    __number_pattern__ = "ODM-{year}-{seq:05d}"
    __pdf_template__ = "purchasing/pdf/payment.html"
    __generic_actions__ = False
    __read_role__ = "purchasing.user"

    method: Mapped[str] = mapped_column(String(20), default="bank")  # bank|cash|card|cheque
    amount_unallocated: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class PurchasingAllocation(CompanyOwned, Base):
    """Part of a vendor payment set against a vendor invoice."""

    __tablename__ = "purchasing_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("purchasing_invoice.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("purchasing_payment.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    date: Mapped[date_type] = mapped_column(Date)

    invoice: Mapped[PurchasingInvoice] = relationship()
    payment: Mapped[PurchasingPayment] = relationship()
