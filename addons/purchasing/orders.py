"""Purchase orders by hand: create (vendor, warehouse, expected date, payment term from the
vendor, buyer, vendor's reference, note, lines), change while draft, confirm (numbered, the
order's PDF e-mailed to the vendor through core's outbox), cancel, reopen, done.

Every service works in the caller's transaction and checks everything before it writes: bad
input raises ``marshmallow.ValidationError`` naming the field (lines by their index), a
refused step ``core.documents.TransitionRefused``/``Veto`` with the reason. The steps go
through ``core.documents.service_transition`` (``__generic_actions__ = False``): the workflow
checks the role (``purchasing.buyer``) and the guard (an amount above zero).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from addons.materials.models import MaterialsWarehouse
from core.documents import USER_KEY, compute_totals, lock, service_transition, today
from core.i18n import N_
from core.models import Membership, Partner, PaymentTerm, Product
from core.tenancy import company_of

from .models import NO_QTY, PurchasingOrder, PurchasingOrderLine

HEADER = (
    "date",
    "warehouse_id",
    "expected_date",
    "payment_term_id",
    "buyer_id",
    "vendor_reference",
    "note",
)
EDITABLE = ("draft",)
NO_EMAIL = N_("the vendor has no e-mail address: add one, or confirm without sending the order")


# ----------------------------------------------------------------------------- checks
def vendor_of(session: Session, partner_id: Any, field: str = "partner_id") -> Partner:
    """The company's vendor ``partner_id`` (another company's is unknown, like a missing one;
    a partner that is not a vendor is refused)."""
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None or not partner.is_vendor:
        raise ValidationError(N_("unknown vendor"), field)
    if not partner.active:
        raise ValidationError(N_("the vendor is archived"), field)
    return partner


def _header_errors(session: Session, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.get("warehouse_id") is not None:
        warehouse = session.get(MaterialsWarehouse, data["warehouse_id"])
        if warehouse is None:
            errors["warehouse_id"] = [N_("unknown warehouse")]
        elif not warehouse.active:
            errors["warehouse_id"] = [N_("the warehouse is archived")]
    if data.get("buyer_id") is not None:
        member = session.scalar(
            select(Membership.id).where(
                Membership.user_id == data["buyer_id"],
                Membership.company_id == company_of(session),
            )
        )
        if member is None:
            errors["buyer_id"] = [N_("unknown user")]
    term_id = data.get("payment_term_id")
    if term_id is not None and session.get(PaymentTerm, term_id) is None:
        errors["payment_term_id"] = [N_("unknown payment term")]
    return errors


def vendor_price(product: Product, vendor_id: int | None, currency: str) -> Decimal | None:
    """The price ``vendor_id`` sells ``product`` at in ``currency`` (core's product vendors)."""
    for offer in product.vendors:
        if offer.partner_id == vendor_id and offer.currency == currency:
            return offer.price
    return None


def make_lines(
    session: Session, vendor_id: int, currency: str, rows: list[dict[str, Any]]
) -> list[PurchasingOrderLine]:
    """New order lines from loaded ``OrderLineSchema`` rows, all checked first: products
    (this company's, active), price from the vendor's (else the cost price), KDV rate from
    the product."""
    errors: dict[int, dict[str, list[str]]] = {}
    wanted = {r["product_id"] for r in rows if r.get("product_id") is not None}
    products = (
        {
            p.id: p
            for p in session.scalars(
                select(Product).where(Product.id.in_(wanted)).options(selectinload(Product.vendors))
            )
        }
        if wanted
        else {}
    )
    lines: list[PurchasingOrderLine] = []
    for index, row in enumerate(rows):
        product = products.get(row.get("product_id"))
        if product is None:
            errors[index] = {"product_id": [N_("unknown product")]}
            continue
        if not product.active:
            errors[index] = {"product_id": [N_("the product is archived")]}
            continue
        price = row.get("unit_price")
        if price is None:
            price = vendor_price(product, vendor_id, currency)
        if price is None:
            price = product.cost_price
        line = PurchasingOrderLine(
            sequence=(index + 1) * 10,
            product_id=product.id,
            description=(row.get("description") or "").strip() or product.name,
            quantity=row["quantity"],
            unit_price=price,
            discount=row.get("discount") or Decimal("0"),
            tax_rate=row["tax_rate"] if row.get("tax_rate") is not None else product.tax_rate,
            needed_by=row.get("needed_by"),
        )
        line.product = product
        lines.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def _apply(order: PurchasingOrder, data: dict[str, Any]) -> None:
    for name in HEADER:
        if name not in data:
            continue
        value = data[name]
        if name == "date" and value is None:
            value = today()
        if name == "warehouse_id" and value is None:
            continue
        setattr(order, name, value.strip() if isinstance(value, str) else value)


def require_state(order: PurchasingOrder, states: tuple[str, ...], message: str) -> None:
    if order.state not in states:
        raise ValidationError(message, "state")


# ----------------------------------------------------------------------------- services
def create_order(session: Session, data: dict[str, Any]) -> PurchasingOrder:
    """A draft order from loaded ``OrderSchema`` data: currency and payment term from the
    vendor (unless a term is given), the company's default warehouse unless one is given,
    the acting user as buyer unless one is given."""
    from .requisitions import default_warehouse_id

    errors: dict[str, Any] = {}
    try:
        vendor = vendor_of(session, data.get("partner_id"))
    except ValidationError as exc:
        errors.update(exc.normalized_messages())
        vendor = None
    errors.update(_header_errors(session, data))
    warehouse_id = data.get("warehouse_id")
    if warehouse_id is None and "warehouse_id" not in errors:
        try:
            warehouse_id = default_warehouse_id(session)
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
    currency = vendor.currency if vendor is not None else "TRY"
    lines: list[PurchasingOrderLine] = []
    try:
        lines = make_lines(
            session, vendor.id if vendor else None, currency, data.get("lines") or []
        )
    except ValidationError as exc:
        errors.update(exc.normalized_messages())
    if errors:
        raise ValidationError(errors)
    order = PurchasingOrder(
        partner_id=vendor.id,
        currency=currency,
        payment_term_id=vendor.payment_term_id,
        origin="manual",
    )
    _apply(order, {"date": None, **{k: v for k, v in data.items() if k != "payment_term_id"}})
    if data.get("payment_term_id") is not None:
        order.payment_term_id = data["payment_term_id"]
    order.warehouse_id = warehouse_id
    if order.buyer_id is None:
        order.buyer_id = session.info.get(USER_KEY)
    order.lines = lines
    compute_totals(order, lines)
    session.add(order)
    session.flush()
    return order


def update_order(session: Session, order: PurchasingOrder, data: dict[str, Any]) -> PurchasingOrder:
    """Change a draft order (fields not given are kept; ``lines`` replaces them)."""
    require_state(order, EDITABLE, N_("only a draft order can be changed"))
    errors: dict[str, Any] = {}
    vendor = None
    if "partner_id" in data:
        try:
            vendor = vendor_of(session, data["partner_id"])
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
    errors.update(_header_errors(session, data))
    start = data.get("date") or order.date
    end = data.get("expected_date", order.expected_date)
    if start is not None and end is not None and end < start:
        errors["expected_date"] = [N_("must not be before the order's date")]
    lines = None
    traced = any(line.sources for line in order.lines)
    if "lines" in data:
        vendor_id = vendor.id if vendor is not None else order.partner_id
        try:
            lines = make_lines(session, vendor_id, order.currency, data["lines"])
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
        if lines is not None and traced and not _same_goods(order.lines, lines):
            errors["lines"] = [REPLACE_TRACED]
    if errors:
        raise ValidationError(errors)
    if vendor is not None:
        order.partner_id = vendor.id
    _apply(order, data)
    if lines is not None:
        if traced:  # the same products and quantities: prices and terms change in place
            for line, new in zip(order.lines, lines, strict=True):
                for name in ("description", "unit_price", "discount", "tax_rate", "needed_by"):
                    setattr(line, name, getattr(new, name))
            compute_totals(order, order.lines)
        else:
            order.lines = lines
            compute_totals(order, lines)
    session.flush()
    return order


REPLACE_TRACED = N_(
    "an order made from requisitions keeps its products and quantities (change prices,"
    " discounts and dates only)"
)


def _same_goods(old: list[PurchasingOrderLine], new: list[PurchasingOrderLine]) -> bool:
    if len(old) != len(new):
        return False
    pairs = zip(old, new, strict=True)
    return all(a.product_id == b.product_id and a.quantity == b.quantity for a, b in pairs)


def confirm_order(
    session: Session,
    order: PurchasingOrder,
    user: Any,
    pdf: Callable[[PurchasingOrder], bytes] | None = None,
    mail: bool = True,
    system: bool = False,
) -> PurchasingOrder:
    """Confirm the order (it gets its number) and queue the e-mail to the vendor in the same
    transaction, with the order's PDF when ``pdf(order)`` renders it (the pages and the API
    pass core's PDF service). A vendor without an e-mail address is refused (nothing is
    written) unless ``mail=False``: then the order is only confirmed (sent otherwise)."""
    lock(session, order)
    if not order.lines:
        raise ValidationError(N_("an order needs at least one line"), "lines")
    vendor = order.partner
    if mail and (vendor is None or not vendor.email):
        raise ValidationError(NO_EMAIL, "partner_id")
    service_transition(session, order, "confirm", user, system=system)
    if mail:
        send_order(session, order, pdf)
    return order


def send_order(
    session: Session, order: PurchasingOrder, pdf: Callable[[PurchasingOrder], bytes] | None
) -> None:
    """Queue the order's e-mail (with its PDF when ``pdf`` is given) to the vendor."""
    from core.companies import cached_company
    from core.mail import queue_mail

    vendor = order.partner
    attachments = None
    if pdf is not None:
        session.flush()
        attachments = [(f"{order.number}.pdf", pdf(order), "application/pdf")]
    queue_mail(
        session,
        to=[vendor.email],
        template="purchasing/mail/order",
        context={
            "order": order,
            "partner": vendor,
            "company": cached_company(session, order.company_id),
        },
        language=vendor.language or "tr",
        attachments=attachments,
    )


def cancellable(order: PurchasingOrder) -> bool:
    """Nothing of the order was received or invoiced."""
    return not any(line.qty_received > 0 or line.qty_invoiced > 0 for line in order.lines)


def cancel_order(session: Session, order: PurchasingOrder, user: Any) -> PurchasingOrder:
    """Cancel an order of which nothing was received or invoiced. The requisition lines it
    was made from stay ordered (they are not offered to the ordering again)."""
    lock(session, order)
    if not cancellable(order):
        raise ValidationError(
            N_("part of the order was received or invoiced: it cannot be cancelled"), "state"
        )
    service_transition(session, order, "cancel", user)
    return order


def reopen_order(session: Session, order: PurchasingOrder, user: Any) -> PurchasingOrder:
    """A cancelled order back to draft (to change and confirm again)."""
    service_transition(session, order, "reopen", user)
    return order


def done_order(session: Session, order: PurchasingOrder, user: Any) -> PurchasingOrder:
    """Close a confirmed order: nothing more is expected of it (what was not received is
    no longer counted as on order)."""
    lock(session, order)
    service_transition(session, order, "done", user)
    return order


def open_quantity(line: PurchasingOrderLine) -> Decimal:
    return max(line.quantity - line.qty_received, NO_QTY)
