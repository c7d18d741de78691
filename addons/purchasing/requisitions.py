"""Requisitions: create, change while draft, submit for approval, decide (approve or reject
with a comment, through core's workflow engine), mark ordered, close, cancel, reopen; and
requisitions made from the replenishment report's proposals.

Every service works in the caller's transaction and checks everything before it writes:
bad input raises ``marshmallow.ValidationError`` naming the field (lines by their index), a
refused step ``core.documents.TransitionRefused`` with the reason; nothing is half-written.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from addons.materials.models import MaterialsWarehouse
from core.documents import USER_KEY, compute_totals, today, transition
from core.i18n import N_
from core.models import Membership, Partner, Product, User
from core.tenancy import company_of

from .models import PurchasingRequisition, PurchasingRequisitionLine
from .schemas import RequisitionLineSchema

HEADER = ("date", "requester_id", "warehouse_id", "needed_by", "note")
EDITABLE = ("draft",)
DECISIONS = {"approve": "approved", "reject": "rejected"}


# ----------------------------------------------------------------------------- checks
def _member(session: Session, user_id: int) -> bool:
    return (
        session.scalar(
            select(Membership.id).where(
                Membership.user_id == user_id, Membership.company_id == company_of(session)
            )
        )
        is not None
    )


def _header_errors(session: Session, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.get("requester_id") is not None and not _member(session, data["requester_id"]):
        errors["requester_id"] = [N_("unknown user")]
    if data.get("warehouse_id") is not None:
        warehouse = session.get(MaterialsWarehouse, data["warehouse_id"])
        if warehouse is None:
            errors["warehouse_id"] = [N_("unknown warehouse")]
        elif not warehouse.active:
            errors["warehouse_id"] = [N_("the warehouse is archived")]
    return errors


def default_warehouse_id(session: Session) -> int:
    from addons.materials.stock import default_warehouse

    return default_warehouse(session).id


def estimate(product: Product, vendor_id: int | None, currency: str = "TRY") -> tuple[Any, Any]:
    """``(unit price, vendor id)`` for a line of ``product``: the price ``vendor_id`` gives
    for it (core's product vendors), else the preferred vendor's (who then becomes the
    line's vendor when none was given), else the product's cost price. Vendor prices in
    another currency than the requisition's are not used (no conversion in estimates)."""
    offers = [v for v in product.vendors if v.currency == currency]
    if vendor_id is not None:
        own = next((v for v in offers if v.partner_id == vendor_id), None)
        if own is not None:
            return own.price, vendor_id
    preferred = min(offers, key=lambda v: (v.sequence, v.id or 0), default=None)
    if preferred is not None:
        return preferred.price, vendor_id if vendor_id is not None else preferred.partner_id
    return product.cost_price, vendor_id


def _lines(
    session: Session,
    requisition: PurchasingRequisition | None,
    rows: list[dict[str, Any]],
    currency: str,
) -> list[PurchasingRequisitionLine]:
    """The lines ``rows`` describe, all checked before any is changed: a row with the ``id``
    of one of the requisition's lines changes that line (it keeps its run and what was
    ordered of it), a row without one is a new line."""
    from sqlalchemy.orm import selectinload

    errors: dict[int, dict[str, list[str]]] = {}
    product_ids = {r["product_id"] for r in rows if r.get("product_id") is not None}
    products = (
        {
            p.id: p
            for p in session.scalars(
                select(Product)
                .where(Product.id.in_(product_ids))
                .options(selectinload(Product.vendors))
            )
        }
        if product_ids
        else {}
    )
    vendor_ids = {r["vendor_id"] for r in rows if r.get("vendor_id") is not None}
    vendors = (
        {p.id: p for p in session.scalars(select(Partner).where(Partner.id.in_(vendor_ids)))}
        if vendor_ids
        else {}
    )
    existing = {line.id: line for line in requisition.lines} if requisition is not None else {}
    result: list[tuple[PurchasingRequisitionLine, dict[str, Any]]] = []
    for index, row in enumerate(rows):
        problems: dict[str, list[str]] = {}
        product = products.get(row.get("product_id"))
        if product is None:
            problems["product_id"] = [N_("unknown product")]
        elif not product.active:
            problems["product_id"] = [N_("the product is archived")]
        vendor_id = row.get("vendor_id")
        if vendor_id is not None:
            vendor = vendors.get(vendor_id)
            if vendor is None:
                problems["vendor_id"] = [N_("unknown vendor")]
            elif not vendor.active:
                problems["vendor_id"] = [N_("the vendor is archived")]
        line = None
        if row.get("id") is not None:
            line = existing.get(row["id"])
            if line is None:
                problems["id"] = [N_("not a line of this requisition")]
        if problems:
            errors[index] = problems
            continue
        price, vendor_id = (
            (row["unit_price"], vendor_id)
            if row.get("unit_price") is not None
            else estimate(product, vendor_id, currency)
        )
        values = {
            "sequence": (index + 1) * 10,
            "product_id": product.id,
            "description": (row.get("description") or "").strip() or product.name,
            "quantity": row["quantity"],
            "unit_price": price,
            "discount": Decimal("0"),
            "tax_rate": 0,  # estimates are net: no KDV (see models)
            "vendor_id": vendor_id,
            "needed_by": row.get("needed_by"),
        }
        if line is None:
            line = PurchasingRequisitionLine(run_id=row.get("run_id"))
        result.append((line, {**values, "product": product}))
    if errors:
        raise ValidationError({"lines": errors})
    lines = []
    for line, values in result:
        for key, value in values.items():
            setattr(line, key, value)
        lines.append(line)
    return lines


def _load_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that did not come through the schema (the replenishment hook) are checked as
    the API would check them; ``run_id`` is kept."""
    loaded = []
    errors = {}
    for index, row in enumerate(rows):
        try:
            data = RequisitionLineSchema().load(
                {k: v for k, v in row.items() if k != "run_id" and v is not None}
            )
        except ValidationError as exc:
            errors[index] = exc.messages
            continue
        data["run_id"] = row.get("run_id")
        loaded.append(data)
    if errors:
        raise ValidationError({"lines": errors})
    return loaded


def _apply(requisition: PurchasingRequisition, data: dict[str, Any]) -> None:
    for name in HEADER:
        if name in data:
            value = data[name]
            if name == "date" and value is None:
                value = today()
            if name == "warehouse_id" and value is None:
                continue
            setattr(requisition, name, value.strip() if isinstance(value, str) else value)


def require_state(requisition: PurchasingRequisition, states: tuple[str, ...], message: str):
    if requisition.state not in states:
        raise ValidationError(message, "state")


# ----------------------------------------------------------------------------- services
def create_requisition(session: Session, data: dict[str, Any]) -> PurchasingRequisition:
    """A draft requisition from loaded ``RequisitionSchema`` data. The requester is the
    acting user unless given; the warehouse the company's default unless given."""
    errors = _header_errors(session, data)
    warehouse_id = data.get("warehouse_id")
    if warehouse_id is None and "warehouse_id" not in errors:
        try:
            warehouse_id = default_warehouse_id(session)
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
    line_errors: dict[str, Any] = {}
    requisition = PurchasingRequisition(currency="TRY")
    try:
        lines = _lines(session, None, data.get("lines") or [], requisition.currency)
    except ValidationError as exc:
        line_errors = exc.normalized_messages()
    if errors or line_errors:
        raise ValidationError({**errors, **line_errors})
    _apply(requisition, {"date": None, **data})
    requisition.warehouse_id = warehouse_id
    if requisition.requester_id is None:
        requisition.requester_id = session.info.get(USER_KEY)
    requisition.lines = lines
    compute_totals(requisition, lines)
    session.add(requisition)
    session.flush()
    return requisition


def update_requisition(
    session: Session, requisition: PurchasingRequisition, data: dict[str, Any]
) -> PurchasingRequisition:
    """Change a draft requisition (fields not given are kept; ``lines`` replaces them)."""
    require_state(requisition, EDITABLE, N_("only a draft requisition can be changed"))
    errors = _header_errors(session, data)
    if "needed_by" in data or "date" in data:
        start = data.get("date") or requisition.date
        end = data.get("needed_by", requisition.needed_by)
        if start is not None and end is not None and end < start:
            errors["needed_by"] = [N_("must not be before the requisition's date")]
    lines = None
    if "lines" in data:
        try:
            lines = _lines(session, requisition, data["lines"], requisition.currency)
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
    if errors:
        raise ValidationError(errors)
    _apply(requisition, data)
    if lines is not None:
        requisition.lines = lines
        compute_totals(requisition, lines)
    session.flush()
    return requisition


def submit(session: Session, requisition: PurchasingRequisition, user: Any) -> None:
    """Send for approval: numbered; approved at once when no approval is needed (up to the
    first band's limit), else it waits for the band's approvers (who get an e-mail)."""
    if not requisition.lines:
        raise ValidationError(N_("a requisition needs at least one line"), "lines")
    transition(session, requisition, "submit", user)


def decide(
    session: Session, requisition: PurchasingRequisition, user: Any, action: str, comment: str = ""
) -> None:
    """``approve`` or ``reject`` (a reason is needed) the step waiting for ``user``'s
    role; recorded with its comment in the approvals and the audit trail."""
    from core.workflow import decide as record

    if action not in DECISIONS:
        raise ValidationError(N_("choose approve or reject"), "decision")
    record(session, requisition, user, DECISIONS[action], comment or "")


def take(
    session: Session, requisition: PurchasingRequisition, action: str, user: Any, comment: str = ""
) -> None:
    """Any action of the requisition: ``approve``/``reject`` are decisions, ``submit``
    checks the lines, the others are workflow transitions (``order``, ``close``, ``cancel``,
    ``reopen``)."""
    if action in DECISIONS:
        decide(session, requisition, user, action, comment)
    elif action == "submit":
        submit(session, requisition, user)
    else:
        transition(session, requisition, action, user, comment)


# ----------------------------------------------------------------------------- replenishment
def from_proposals(
    session: Session, proposals: list[Any], user: Any
) -> list[PurchasingRequisition]:
    """Draft requisitions from the replenishment report's proposals (any objects with
    ``product_id``, ``warehouse_id``, ``vendor_id``, ``quantity``, ``needed_by``, ``run_id``,
    ``reason``): one requisition per warehouse, needed by the earliest of its lines' dates;
    each line keeps its own date, vendor and the run it came from. All of them or none."""
    by_warehouse: dict[int, list[Any]] = defaultdict(list)
    for proposal in proposals:
        by_warehouse[proposal.warehouse_id].append(proposal)
    made: list[PurchasingRequisition] = []
    errors: dict[str, Any] = {}
    requester_id = user.id if user is not None else None
    savepoint = session.begin_nested()  # a bad group undoes the groups made before it
    for warehouse_id, group in sorted(by_warehouse.items(), key=lambda kv: kv[0] or 0):
        dates = [p.needed_by for p in group if p.needed_by is not None]
        rows = [
            {
                "product_id": p.product_id,
                "quantity": str(p.quantity) if p.quantity is not None else None,
                "vendor_id": p.vendor_id,
                "needed_by": p.needed_by.isoformat() if p.needed_by else None,
                "description": "",
                "run_id": p.run_id,
            }
            for p in group
        ]
        try:
            loaded = _load_rows(rows)
            if warehouse_id is None:
                raise ValidationError(N_("unknown warehouse"), "warehouse_id")
            data = {
                "warehouse_id": warehouse_id,
                "needed_by": min(dates) if dates else None,
                "requester_id": requester_id,
                "note": _reasons(group),
                "lines": loaded,
            }
            made.append(create_requisition(session, data))
        except ValidationError as exc:
            errors[str(warehouse_id)] = exc.normalized_messages()
    if errors:
        savepoint.rollback()
        raise ValidationError({"warehouses": errors})
    savepoint.commit()
    return made


def _reasons(group: list[Any]) -> str:
    reasons = sorted({str(p.reason) for p in group if getattr(p, "reason", None)})
    return "\n".join(reasons)[:2000]


# ----------------------------------------------------------------------------- lookups
def requisitions_waiting_for(session: Session, user: User, company: Any) -> list[int]:
    """Ids of the requisitions waiting for ``user``'s decision: the pending step is for a
    role they hold (or hold by a delegation for today), and they did not ask for it.
    (Per submitted requisition a few queries: fine for the dozens that wait at a time.)"""
    from core.workflow import available_actions, workflow_of

    step = workflow_of(session, PurchasingRequisition.__document_type__).approval_step
    if step is None:
        return []
    R = PurchasingRequisition
    candidates = session.scalars(
        select(R).where(
            R.state.in_(step.sources),
            (R.requester_id.is_(None)) | (R.requester_id != user.id),
        )
    )
    return [
        doc.id
        for doc in candidates
        if any(a.kind == "approve" for a in available_actions(session, doc, user, company))
    ]
