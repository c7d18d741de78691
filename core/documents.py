"""Documents: the base every quote, order, invoice and requisition is built on.

A document has a company, a number (given when a transition says so: drafts have none), a
state, a partner, a date, a currency and totals, and who created and last changed it. Every
state change goes through :func:`transition`, in the caller's transaction: workflow check
(state, role, guards, approvals) -> ``before_transition`` hooks (an enabled add-on may veto)
-> state and number -> ``after_transition`` hooks (other add-ons add their steps) -> audit
record. A refusal is raised before anything is written; any later exception must be
followed by a rollback of the caller's transaction or savepoint, which undoes all of it.

Field changes of documents (and of their lines, which name their document in
``__audit_document__``) are written to the audit trail on flush, with the acting user.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date as date_type
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import (
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    orm_insert_sentinel,
    relationship,
)

from core.db import Base, CompanyOwned, Timestamped, utcnow
from core.i18n import N_
from core.kernel.errors import KernelError
from core.money import round_money, to_decimal
from core.types import Money, Quantity, UnitPrice, UTCDateTime

if TYPE_CHECKING:
    from core.models import Partner, Product, User

USER_KEY = "yaprak_user_id"
# never changed by people, or recorded otherwise: a document's state by its "transition"
# entry (state changes only through ``transition()``), the company never changes
NOT_AUDITED = {
    "updated_at",
    "updated_by_id",
    "version",
    "search_key",
    "created_at",
    "_sentinel",
    "company_id",
}


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
    #: Lets a document's lines be inserted in one statement on every database: SQLite
    #: returns new ids in no promised order, so SQLAlchemy numbers the rows it sends here
    #: (an "insert sentinel") instead of inserting them one by one. Never set it yourself.
    _sentinel: Mapped[int | None] = orm_insert_sentinel()
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


AUDIT_PENDING_KEY = "yaprak_audit_pending"  # session.info: rows found before the flush
AUDIT_QUEUE_KEY = "yaprak_audit_queue"  # session.info: [rows, how many written, marks]
AUDIT_QUEUE_LIMIT = 1000  # rows kept at most before they are written


def write_audit(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue audit rows (``AuditEntry`` column values) in the session's transaction.

    The trail is written with Core, not as ORM objects, in one multi-row INSERT when the
    transaction commits (or when the trail is read, see ``flush_audit``): an order of five
    lines taken from quote to posted invoice makes a few dozen entries, and one statement
    costs what one row did. A savepoint rolled back drops the rows queued inside it, and a
    rolled back transaction all of them, exactly as if they had been inserted at once."""
    if not rows:
        return
    now = utcnow()
    for row in rows:
        row.setdefault("at", now)
        row.setdefault("field", "")
        row.setdefault("old", None)
        row.setdefault("new", None)
        row.setdefault("comment", "")
    queue = _audit_queue(session)
    queue[0].extend(rows)
    if len(queue[0]) - queue[1] >= AUDIT_QUEUE_LIMIT:
        flush_audit(session)


def flush_audit(session: Session) -> None:
    """Write the queued audit rows now (before reading ``core_audit`` in the transaction
    that made them: ``audit_trail`` and the record pages do)."""
    queue = session.info.get(AUDIT_QUEUE_KEY)
    if not queue or len(queue[0]) == queue[1]:
        return
    from sqlalchemy import insert

    from core.models.audit import AuditEntry

    session.connection().execute(insert(AuditEntry.__table__), queue[0][queue[1] :])
    if session.in_nested_transaction():
        queue[1] = len(queue[0])  # a savepoint rolled back may need them again
    else:
        queue[0].clear()
        queue[1] = 0


def _audit_queue(session: Session) -> list[Any]:
    queue = session.info.get(AUDIT_QUEUE_KEY)
    if queue is None:
        queue = session.info[AUDIT_QUEUE_KEY] = [[], 0, {}]
    return queue


def _audit_savepoint(session: Session, transaction: Any) -> None:
    if transaction.nested:
        queue = _audit_queue(session)
        queue[2][transaction] = (len(queue[0]), queue[1])


def _audit_rolled_back(session: Session, transaction: Any) -> None:
    queue = session.info.get(AUDIT_QUEUE_KEY)
    if queue is None:
        return
    mark = queue[2].get(transaction) if transaction.nested else None
    if mark is not None:  # back to the savepoint: rows queued since are gone, and so is
        queued, written = mark  # what was written since it began
        del queue[0][queued:]
        queue[1] = min(queue[1], written)


def _audit_before_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        session.flush()  # the last changes make rows too
        flush_audit(session)


def _audit_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # committed (written) or rolled back (dropped)
        session.info.pop(AUDIT_QUEUE_KEY, None)


_AUDITED_COLUMNS: dict[Any, frozenset[str]] = {}


def _audited_columns(mapper: Any) -> frozenset[str]:
    keys = _AUDITED_COLUMNS.get(mapper)
    if keys is None:
        keys = _AUDITED_COLUMNS[mapper] = frozenset(
            attr.key for attr in mapper.column_attrs if attr.key not in NOT_AUDITED | {"id"}
        )
    return keys


def _audit(session: Session, _context: Any, _instances: Any) -> None:
    user_id = session.info.get(USER_KEY)
    entries = []
    new = session.new
    for obj in [*new, *session.dirty]:
        document, prefix = obj, ""
        parent_attr = getattr(type(obj), "__audit_document__", None)
        if parent_attr:
            document = getattr(obj, parent_attr)
            if document is None or document.id is None:
                continue  # the lines of a new document: its "create" entry says it
            label = getattr(type(obj), "__audit_label__", "line")
            prefix = f"{label} {obj.id or 'new'}: "
        if audit_type(document) is None:
            continue
        state = inspect(obj)
        is_new = obj in new
        is_document = isinstance(document, Document)
        if obj is document and is_new:
            if user_id is not None and is_document:
                obj.created_by_id = obj.created_by_id or user_id
            continue  # "create" is written after the flush, once the id exists
        if obj is document and user_id is not None and is_document:
            obj.updated_by_id = user_id
        # only what was set since the last flush can have changed (not every column)
        touched = state.dict if is_new else state.committed_state
        audited = _audited_columns(state.mapper)
        if obj is document and is_document:
            audited = audited - {"state"}  # the transition's own entry says it, once
        for key in [k for k in touched if k in audited]:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            if is_new and not history.added:
                continue
            old = history.deleted[0] if history.deleted else None
            new_value = history.added[0] if history.added else None
            if old == new_value:
                continue
            entries.append((document, f"{prefix}{key}", old, new_value))
    rows = [
        {
            "company_id": document.company_id,
            "document_type": audit_type(document),
            "document_id": document.id,
            "user_id": user_id,
            "action": "update",
            "field": field,
            "old": _text(old),
            "new": _text(new_value),
        }
        for document, field, old, new_value in entries
        if document.id is not None
    ]
    # replaced, not added to: rows of a flush that failed after this point are dropped
    session.info[AUDIT_PENDING_KEY] = rows


def _audit_created(session: Session, _context: Any) -> None:
    rows = session.info.pop(AUDIT_PENDING_KEY, [])
    user_id = session.info.get(USER_KEY)
    for obj in session.new:
        kind = audit_type(obj)
        if kind is not None and obj.id is not None:
            rows.append(
                {
                    "company_id": obj.company_id,
                    "document_type": kind,
                    "document_id": obj.id,
                    "user_id": user_id,
                    "action": "create",
                }
            )
    write_audit(session, rows)


def install_audit(session_class: type[Session]) -> None:
    event.listen(session_class, "before_flush", _audit)
    event.listen(session_class, "after_flush", _audit_created)
    event.listen(session_class, "after_transaction_create", _audit_savepoint)
    event.listen(session_class, "after_soft_rollback", _audit_rolled_back)
    event.listen(session_class, "before_commit", _audit_before_commit)
    event.listen(session_class, "after_transaction_end", _audit_transaction_end)
    event.listen(session_class, "after_flush", _hold_inserted)


def audit_trail(session: Session, document: Document) -> list[Any]:
    """The audit entries of ``document``, oldest first."""
    from sqlalchemy import select

    from core.models.audit import AuditEntry

    flush_audit(session)
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


# ----------------------------------------------------------------------------- row locks
LOCKS_KEY = "yaprak_locked"  # session.info: (root transaction, {(class, id)} held in it)


def lock(session: Session, record: Any) -> None:
    """Read ``record`` again with a row lock (PostgreSQL ``FOR UPDATE``): two people
    confirming or invoicing the same order wait for each other, and the second sees what the
    first did. SQLite writers are serialised by ``BEGIN IMMEDIATE`` already.

    A row locked, or inserted, by this transaction outside a savepoint stays locked until
    the transaction ends, and nobody else can have changed it: locking it again costs
    nothing (no second read), so services may lock what they work on without counting."""
    session.flush()
    key = (type(record), record.id)
    root = session.get_transaction()
    held = session.info.get(LOCKS_KEY)
    if (
        held is not None
        and held[0] is root
        and key in held[1]
        and not inspect(record).expired_attributes & _audited_columns(inspect(record).mapper)
    ):
        return  # (a savepoint rolled back expires what it changed: then it is read again)
    session.refresh(record, with_for_update=True)
    _hold(session, [key])


def _hold(session: Session, keys: list[tuple[type, Any]]) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back would release it
        return
    root = session.get_transaction()
    held = session.info.get(LOCKS_KEY)
    if held is None or held[0] is not root:
        held = session.info[LOCKS_KEY] = (root, set())
    held[1].update(keys)


def _hold_inserted(session: Session, _context: Any) -> None:
    inserted = [(type(obj), obj.id) for obj in session.new if isinstance(obj, Document)]
    if inserted:
        _hold(session, inserted)


# ----------------------------------------------------------------------------- transitions
# -- documents whose steps belong to their add-on's services ----------------------------------
# A step of such a document does more than change its state (accepting a quote makes its
# order, posting a receipt moves stock). Core's generic workflow buttons and action routes
# leave these documents alone (``__generic_actions__ = False``), and ``transition()`` refuses
# any step of theirs that does not come through ``service_transition`` - from whatever code -
# so the step's work is never skipped. Approval decisions (core's engine) stay open to all.
_IN_SERVICE: ContextVar[bool] = ContextVar("yaprak_in_service", default=False)
SERVICE_ONLY = N_("use the document's own buttons for this action")


def service_transition(
    session: Session, document: Document, action: str, user: User | None, **kwargs: Any
) -> Document:
    """``transition()`` from the service that owns the step (the only way to move a document
    with ``__generic_actions__ = False``; the same arguments)."""
    token = _IN_SERVICE.set(True)
    try:
        return transition(session, document, action, user, **kwargs)
    finally:
        _IN_SERVICE.reset(token)


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
    from core.companies import cached_company
    from core.numbering import next_number
    from core.workflow import check_transition, workflow_for

    company = cached_company(session, document.company_id)
    if company is None:  # pragma: no cover - the tenant filter already hid it
        raise KernelError("document without a company")
    if user is not None:
        session.info[USER_KEY] = user.id
    workflow = workflow_for(session, document)
    step = check_transition(session, workflow, document, action, user, company, system=system)
    if not document.__generic_actions__ and step.approval is None and not _IN_SERVICE.get():
        raise Veto(SERVICE_ONLY)
    before = document.state
    # No savepoint of its own (it was one until the sales benchmark showed what it costs: two
    # statements and a flush per state change, about a fifth of a sales order's statements).
    # Refusals are raised before anything is written, so they leave nothing to undo; an
    # exception after that (an after_transition hook, the database) is undone with the
    # caller's transaction, or with the caller's savepoint (bulk actions take one per record).
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
    if document.id is None:  # a new document: the hooks and the audit record need its id
        session.flush()
    relay.after_transition(document=document, action=action, user=user)
    write_audit(
        session,
        [
            {
                "company_id": document.company_id,
                "document_type": document.__document_type__,
                "document_id": document.id,
                "user_id": user.id if user else None,
                "action": "transition",
                "field": "state",
                "old": before,
                "new": step.to,
                "comment": f"{action}: {comment}".rstrip(": "),
            }
        ],
    )
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
