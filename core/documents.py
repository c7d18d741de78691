"""Documents: the base every quote, order, invoice and requisition is built on.

A document has a company, a number (given when a transition says so: drafts have none), a
state, a partner, a date, a currency and totals, and who created and last changed it. Every
state change goes through :func:`transition`, in one transaction (a SAVEPOINT inside the
caller's): workflow check (state, role, guards, approvals) -> ``before_transition`` hooks
(an enabled add-on may veto) -> state and number -> ``after_transition`` hooks (other
add-ons add their steps) -> audit record. Any exception undoes all of it.

Field changes of documents (and of their lines, which name their document in
``__audit_document__``) are written to the audit trail on flush, with the acting user.
"""

from __future__ import annotations

from datetime import date as date_type
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from core.db import Base, CompanyOwned, Timestamped, utcnow
from core.kernel.errors import KernelError
from core.money import round_money, to_decimal
from core.types import Money, Quantity, UnitPrice, UTCDateTime

if TYPE_CHECKING:
    from core.models import Partner, Product, User

USER_KEY = "yaprak_user_id"
NOT_AUDITED = {"updated_at", "updated_by_id", "version", "search_key", "created_at"}


class TransitionRefused(KernelError):
    """A state change the workflow, a role, a guard, an approval or an add-on refused."""


class Veto(TransitionRefused):
    """Raised by a ``before_transition`` hook to refuse a state change, with the reason."""


def act_as(session: Session, user: Any) -> None:
    """Record ``user`` (a User or its id) as the one making the session's changes: the
    audit trail and ``created_by``/``updated_by`` name them. The web app, the CLI and
    ``transition()`` do it for you; scripts call it."""
    session.info[USER_KEY] = user if isinstance(user, int) or user is None else user.id


def today() -> date_type:
    return date_type.today()


class Document(CompanyOwned, Timestamped):
    """Mixin for document models. Set ``__document_type__`` (``"<addon>.<name>"``).

    ``__pdf_template__`` names the template of the document's PDF (served at
    ``/documents/<type>/<id>.pdf``); ``__read_role__``, when set, is the role needed to
    read it there.
    """

    __document_type__: ClassVar[str] = ""
    __pdf_template__: ClassVar[str] = ""
    __read_role__: ClassVar[str | None] = None
    __number_pattern__: ClassVar[str] = "DOC-{year}-{seq:05d}"
    __number_reset__: ClassVar[str] = "yearly"
    __audited__: ClassVar[bool] = True
    #: False when the document's steps belong to its add-on's services (accepting a quote
    #: makes an order, posting an invoice freezes its costs): core's generic workflow
    #: buttons and action routes then offer and take only approvals, never transitions.
    __generic_actions__: ClassVar[bool] = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    date: Mapped[date_type] = mapped_column(Date, default=today)
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    amount_untaxed: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    amount_tax: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    amount_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def partner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("core_partner.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    @declared_attr
    def partner(cls) -> Mapped[Partner | None]:
        return relationship("Partner")

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("company_id", "number"),)  # the numbering's backstop

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # Optimistic concurrency: two people changing one document at once (two approvers
        # clicking together) -> the second flush fails instead of overwriting.
        return {"version_id_col": cls.version}

    @property
    def display_name(self) -> str:
        """The number, or the type and id while it has none."""
        return self.number or f"{self.__document_type__} #{self.id}"


def document_classes() -> dict[str, type[Document]]:
    """Every mapped document model, by document type."""
    found = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Document) and cls.__document_type__:
            found[cls.__document_type__] = cls
    return found


# ----------------------------------------------------------------------------- amounts
def line_amounts(
    quantity: object, unit_price: object, discount_percent: object = 0, tax_rate: object = 0
) -> tuple[Decimal, Decimal]:
    """``(net, tax)`` of one line, each rounded once by the rule of ``core.money``."""
    gross = to_decimal(quantity) * to_decimal(unit_price)
    net = round_money(gross * (Decimal(100) - to_decimal(discount_percent)) / Decimal(100))
    tax = round_money(net * to_decimal(tax_rate) / Decimal(100))
    return net, tax


def totals(lines: list[tuple[Decimal, Decimal, int]]) -> dict[str, Any]:
    """Document totals from ``(net, tax, rate)`` per line: sums, never rounded again, and
    the tax per rate (the KDV breakdown)."""
    untaxed = sum((net for net, _, _ in lines), Decimal("0.00"))
    tax = sum((t for _, t, _ in lines), Decimal("0.00"))
    by_rate: dict[int, dict[str, Decimal]] = {}
    for net, line_tax, rate in lines:
        entry = by_rate.setdefault(rate, {"base": Decimal("0.00"), "tax": Decimal("0.00")})
        entry["base"] += net
        entry["tax"] += line_tax
    return {"untaxed": untaxed, "tax": tax, "total": untaxed + tax, "by_rate": by_rate}


class PricedLine(CompanyOwned):
    """Mixin for a priced document line (sales and purchase quotes, orders, invoices):
    a product (or a free description), a quantity, a unit price, a discount in percent and
    a KDV rate, with the net and tax amounts rounded once by ``compute()``. The line names
    its document in ``__audit_document__`` (the relationship's name) for the audit trail."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=10)
    description: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("1.000"))
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal("0.0000"))
    discount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # percent
    tax_rate: Mapped[int] = mapped_column(Integer, default=20)  # KDV %: 0, 1, 10, 20
    net: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    tax: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))

    @declared_attr
    def product_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("core_product.id"), index=True)

    @declared_attr
    def product(cls) -> Mapped[Product | None]:
        return relationship("Product", lazy="selectin")  # with the lines: one query, not one each

    def compute(self) -> None:
        """``net`` and ``tax`` from quantity, price, discount and rate (``line_amounts``)."""
        self.net, self.tax = line_amounts(
            self.quantity, self.unit_price, self.discount or 0, self.tax_rate
        )


def compute_totals(document: Document, lines: list[PricedLine]) -> dict[str, Any]:
    """Compute every line, then the document's untaxed, tax and total amounts (sums of the
    rounded lines, never rounded again). Returns ``totals()`` with the KDV breakdown."""
    for line in lines:
        line.compute()
    result = totals([(line.net, line.tax, line.tax_rate) for line in lines])
    document.amount_untaxed = result["untaxed"]
    document.amount_tax = result["tax"]
    document.amount_total = result["total"]
    return result


# ----------------------------------------------------------------------------- audit
def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date_type | datetime):
        return value.isoformat()
    return str(value)


def audit_type(record: Any) -> str | None:
    """The type under which ``record``'s changes are audited: a document's type, or the
    ``__audit_type__`` of another record (partners: ``core.partner``); None: not audited."""
    if isinstance(record, Document):
        return record.__document_type__ if record.__audited__ else None
    return getattr(type(record), "__audit_type__", None)


def _audit(session: Session, _context: Any, _instances: Any) -> None:
    from core.models.audit import AuditEntry

    user_id = session.info.get(USER_KEY)
    entries = []
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, AuditEntry):
            continue
        document, prefix = obj, ""
        parent_attr = getattr(type(obj), "__audit_document__", None)
        if parent_attr:
            document = getattr(obj, parent_attr)
            label = getattr(type(obj), "__audit_label__", "line")
            prefix = f"{label} {obj.id or 'new'}: "
        if audit_type(document) is None:
            continue
        state = inspect(obj)
        is_document = isinstance(document, Document)
        if obj is document and obj in session.new:
            if user_id is not None and is_document:
                obj.created_by_id = obj.created_by_id or user_id
            continue  # "create" is written after the flush, once the id exists
        if obj is document and user_id is not None and is_document:
            obj.updated_by_id = user_id
        for attr in state.mapper.column_attrs:
            if attr.key in NOT_AUDITED or attr.key == "id":
                continue
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            if obj in session.new and not history.added:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            entries.append((document, f"{prefix}{attr.key}", old, new))
    for document, field, old, new in entries:
        if document.id is None:
            continue
        session.add(
            AuditEntry(
                company_id=document.company_id,
                document_type=audit_type(document),
                document_id=document.id,
                user_id=user_id,
                action="update",
                field=field,
                old=_text(old),
                new=_text(new),
            )
        )


def _audit_created(session: Session, _context: Any) -> None:
    from core.models.audit import AuditEntry

    for obj in session.new:
        kind = audit_type(obj)
        if kind is not None and obj.id is not None:
            session.add(
                AuditEntry(
                    company_id=obj.company_id,
                    document_type=kind,
                    document_id=obj.id,
                    user_id=session.info.get(USER_KEY),
                    action="create",
                )
            )


def install_audit(session_class: type[Session]) -> None:
    event.listen(session_class, "before_flush", _audit)
    event.listen(session_class, "after_flush", _audit_created)


def audit_trail(session: Session, document: Document) -> list[Any]:
    """The audit entries of ``document``, oldest first."""
    from sqlalchemy import select

    from core.models.audit import AuditEntry

    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.document_type == document.__document_type__,
                AuditEntry.document_id == document.id,
            )
            .order_by(AuditEntry.id)
        )
    )


# ----------------------------------------------------------------------------- transitions
def transition(
    session: Session,
    document: Document,
    action: str,
    user: User | None,
    comment: str = "",
    system: bool = False,
) -> Document:
    """Take ``action`` on ``document`` (see the module docstring). ``system=True`` is for the
    kernel's own automatic steps (no role check, no user)."""
    from core import hooks_for
    from core.models import Company
    from core.models.audit import AuditEntry
    from core.numbering import next_number
    from core.workflow import check_transition, workflow_for

    company = session.get(Company, document.company_id)
    if company is None:  # pragma: no cover - the tenant filter already hid it
        raise KernelError("document without a company")
    if user is not None:
        session.info[USER_KEY] = user.id
    workflow = workflow_for(session, document)
    step = check_transition(session, workflow, document, action, user, company, system=system)
    before = document.state
    with session.begin_nested():
        relay = hooks_for(company)
        relay.before_transition(document=document, action=action, user=user)
        document.state = step.to
        if step.number and document.number is None:
            document.number = next_number(
                session,
                document.__document_type__,
                document.date,
                default_pattern=document.__number_pattern__,
                default_reset=document.__number_reset__,
            )
        session.flush()
        relay.after_transition(document=document, action=action, user=user)
        session.add(
            AuditEntry(
                company_id=document.company_id,
                document_type=document.__document_type__,
                document_id=document.id,
                user_id=user.id if user else None,
                action="transition",
                field="state",
                old=before,
                new=step.to,
                comment=f"{action}: {comment}".rstrip(": "),
            )
        )
        session.flush()
        if step.approval is None:  # entering approval with an empty chain approves at once
            from core.workflow import maybe_complete

            maybe_complete(session, document, user)
    return document


def copy_document(session: Session, document: Document, lines: str | None = None) -> Document:
    """A new draft from ``document``: no number, the workflow's first state, no approvals,
    the lines (relationship ``lines``) copied too."""
    from core.workflow import workflow_for

    skip = {
        "id",
        "number",
        "state",
        "version",
        "created_at",
        "updated_at",
        "created_by_id",
        "updated_by_id",
    }
    cls = type(document)
    values = {
        a.key: getattr(document, a.key) for a in cls.__mapper__.column_attrs if a.key not in skip
    }
    clone = cls(**values)
    clone.state = workflow_for(session, document).initial
    if lines:
        line_skip = {"id", "created_at"}
        for line in getattr(document, lines):
            line_cls = type(line)
            data = {
                a.key: getattr(line, a.key)
                for a in line_cls.__mapper__.column_attrs
                if a.key not in line_skip
                and not any(
                    fk.column.table is cls.__table__ for c in a.columns for fk in c.foreign_keys
                )
            }
            getattr(clone, lines).append(line_cls(**data))
    session.add(clone)
    session.flush()
    return clone
