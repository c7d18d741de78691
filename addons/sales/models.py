"""Sales documents: quotes, orders, deliveries, customer invoices (and credit notes) and
received payments, with their lines and the allocations of payments and credit notes to
invoices. Amounts are ``Decimal`` (``core.types``), rounded once per line (``core.money``).
"""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel, relationship

from core.db import Base, CompanyOwned
from core.documents import Document, PricedLine
from core.models import PaymentTerm, User
from core.types import Money, Quantity, UnitPrice

ZERO = Decimal("0.00")
NO_QTY = Decimal("0.000")


class SalesQuote(Document, Base):
    """An offer to a customer or a prospect; accepted, it becomes a sales order."""

    __tablename__ = "sales_quote"
    __document_type__ = "sales.quote"
    __number_pattern__ = "TKL-{year}-{seq:05d}"
    __pdf_template__ = "sales/pdf/quote.html"
    __generic_actions__ = False  # its steps are the services' (quotes.py, ...)
    __read_role__ = "sales.user"

    salesperson_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL")
    )
    valid_until: Mapped[date_type | None] = mapped_column(Date)
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment_term.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    salesperson: Mapped[User | None] = relationship(foreign_keys=[salesperson_id])
    payment_term: Mapped[PaymentTerm | None] = relationship()
    lines: Mapped[list[SalesQuoteLine]] = relationship(
        back_populates="quote",
        cascade="all, delete-orphan",
        order_by="(SalesQuoteLine.sequence, SalesQuoteLine.id)",
    )


class SalesQuoteLine(PricedLine, Base):
    __tablename__ = "sales_quote_line"
    __audit_document__ = "quote"

    quote_id: Mapped[int] = mapped_column(
        ForeignKey("sales_quote.id", ondelete="CASCADE"), index=True
    )
    quote: Mapped[SalesQuote] = relationship(back_populates="lines")


class SalesOrder(Document, Base):
    """A confirmed sale: what is to be delivered and invoiced. Each line keeps the quantities
    delivered and invoiced so far; ``delivery_status`` and ``invoice_status`` sum them up."""

    __tablename__ = "sales_order"
    __document_type__ = "sales.order"
    __number_pattern__ = "SIP-{year}-{seq:05d}"
    __pdf_template__ = "sales/pdf/order.html"
    __generic_actions__ = False  # its steps are the services' (quotes.py, ...)
    __read_role__ = "sales.user"

    quote_id: Mapped[int | None] = mapped_column(ForeignKey("sales_quote.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL")
    )
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment_term.id"))
    client_reference: Mapped[str] = mapped_column(String(60), default="")  # their PO number
    commitment_date: Mapped[date_type | None] = mapped_column(Date)  # promised delivery
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    delivery_status: Mapped[str] = mapped_column(String(12), default="nothing")
    invoice_status: Mapped[str] = mapped_column(String(12), default="nothing")

    quote: Mapped[SalesQuote | None] = relationship()
    salesperson: Mapped[User | None] = relationship(foreign_keys=[salesperson_id])
    payment_term: Mapped[PaymentTerm | None] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="(SalesOrderLine.sequence, SalesOrderLine.id)",
    )


class SalesOrderLine(PricedLine, Base):
    __tablename__ = "sales_order_line"
    __audit_document__ = "order"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("sales_order.id", ondelete="CASCADE"), index=True
    )
    qty_delivered: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)
    qty_invoiced: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)

    order: Mapped[SalesOrder] = relationship(back_populates="lines")

    @property
    def is_service(self) -> bool:
        """Services are invoiced on the ordered quantity; nothing is delivered."""
        return self.product is not None and self.product.type == "service"

    @property
    def qty_to_deliver(self) -> Decimal:
        if self.is_service:
            return NO_QTY
        return max(self.quantity - self.qty_delivered, NO_QTY)

    @property
    def qty_to_invoice(self) -> Decimal:
        """Delivered (ordered, for services) and not yet invoiced; negative after a return
        that was invoiced already is never offered."""
        basis = self.quantity if self.is_service else self.qty_delivered
        return max(basis - self.qty_invoiced, NO_QTY)


class SalesDelivery(Document, Base):
    """Goods leaving for the customer (an irsaliye): part or all of an order."""

    __tablename__ = "sales_delivery"
    __document_type__ = "sales.delivery"
    __number_pattern__ = "IRS-{year}-{seq:05d}"
    __pdf_template__ = "sales/pdf/delivery.html"
    __generic_actions__ = False  # its steps are the services' (quotes.py, ...)
    __read_role__ = "sales.user"

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking_reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[SalesOrder] = relationship()
    lines: Mapped[list[SalesDeliveryLine]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by="SalesDeliveryLine.id"
    )


class SalesDeliveryLine(CompanyOwned, Base):
    __tablename__ = "sales_delivery_line"
    __audit_document__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    _sentinel: Mapped[int | None] = orm_insert_sentinel()  # one INSERT for all lines (PricedLine)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("sales_delivery.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("core_product.id"))
    description: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity(), default=NO_QTY)

    delivery: Mapped[SalesDelivery] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()


class SalesInvoice(Document, Base):
    """A customer invoice, or a credit note (``kind``) that reverses (part of) one.

    Amounts are stored positive on both kinds; ``sign`` says how they count. Posting freezes
    the document: its lines, amounts and each line's cost (so its gross profit) never change
    afterwards. ``amount_residual`` is what is still owed (invoices) or still to be used
    (credit notes)."""

    __tablename__ = "sales_invoice"
    __document_type__ = "sales.invoice"
    __number_pattern__ = "FTR-{year}-{seq:05d}"
    __pdf_template__ = "sales/pdf/invoice.html"
    __generic_actions__ = False  # its steps are the services' (quotes.py, ...)
    __read_role__ = "sales.user"

    kind: Mapped[str] = mapped_column(String(12), default="invoice")  # invoice | credit_note
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_user.id", ondelete="SET NULL")
    )
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment_term.id"))
    due_date: Mapped[date_type | None] = mapped_column(Date, index=True)
    amount_cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    amount_residual: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    payment_state: Mapped[str] = mapped_column(String(10), default="not_paid")
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[SalesOrder | None] = relationship()
    origin: Mapped[SalesInvoice | None] = relationship(remote_side="SalesInvoice.id")
    salesperson: Mapped[User | None] = relationship(foreign_keys=[salesperson_id])
    payment_term: Mapped[PaymentTerm | None] = relationship()
    lines: Mapped[list[SalesInvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="(SalesInvoiceLine.sequence, SalesInvoiceLine.id)",
    )

    @property
    def sign(self) -> int:
        return -1 if self.kind == "credit_note" else 1

    @property
    def gross_profit(self) -> Decimal:
        return self.amount_untaxed - self.amount_cost

    def is_overdue(self, on: date_type) -> bool:
        return (
            self.kind == "invoice"
            and self.state == "posted"
            and self.amount_residual > 0
            and self.due_date is not None
            and self.due_date < on
        )


class SalesInvoiceLine(PricedLine, Base):
    """An invoice line. At posting it stores its cost: the unit cost, the amount and where
    the cost came from (``standard``: the product's cost price; another basis when an
    add-on answers ``sales_line_cost``, e.g. the moving average of materials)."""

    __tablename__ = "sales_invoice_line"
    __audit_document__ = "invoice"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("sales_invoice.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    origin_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice_line.id"))
    cost_unit: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0.0000"))
    cost_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_basis: Mapped[str] = mapped_column(String(40), default="")

    invoice: Mapped[SalesInvoice] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine | None] = relationship()


class SalesPayment(Document, Base):
    """Money received from a customer (``amount_total``), allocated to invoices; what is
    not allocated is the customer's credit."""

    __tablename__ = "sales_payment"
    __document_type__ = "sales.payment"
    __number_pattern__ = "TAH-{year}-{seq:05d}"
    __pdf_template__ = "sales/pdf/payment.html"
    __generic_actions__ = False  # its steps are the services' (quotes.py, ...)
    __read_role__ = "sales.user"

    method: Mapped[str] = mapped_column(String(20), default="bank")  # bank|cash|card|cheque
    amount_unallocated: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # credit
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class SalesAllocation(CompanyOwned, Base):
    """Part of a payment or of a credit note set against an invoice."""

    __tablename__ = "sales_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("sales_payment.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    date: Mapped[date_type] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer, default=10)

    invoice: Mapped[SalesInvoice] = relationship(foreign_keys=[invoice_id])
    payment: Mapped[SalesPayment | None] = relationship()
    credit_note: Mapped[SalesInvoice | None] = relationship(foreign_keys=[credit_note_id])


# A customer's documents newest first (the partner page's timeline: ledger.documents_of):
# every query carries the company (core.tenancy), then the partner, in date order - read
# from the index, the newest rows first, without sorting all of a customer's documents.
for _model in (SalesQuote, SalesOrder, SalesDelivery, SalesInvoice, SalesPayment):
    Index(
        f"ix_{_model.__tablename__}_partner_date",
        _model.company_id,
        _model.partner_id,
        _model.date,
        _model.id,
    )

# Reports over posted documents (addons/reporting: profitability, sales by period): one
# company's posted invoices of one currency in a date range, summed per customer, day or
# kind - read from this index alone, without visiting the table.
Index(
    "ix_sales_invoice_report",
    SalesInvoice.company_id,
    SalesInvoice.state,
    SalesInvoice.currency,
    SalesInvoice.date,
    SalesInvoice.kind,
    SalesInvoice.partner_id,
    SalesInvoice.amount_untaxed,
    SalesInvoice.amount_cost,
)
