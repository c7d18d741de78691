"""What every sales document's services share: reading links (partner, products, users,
terms) through the company's session, filling lines from their products, checking that a
document may still change, and payment terms."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.documents import Document, PricedLine, compute_totals, today
from core.i18n import N_
from core.models import Partner, PaymentTerm, Product, User


def partner_of(session: Session, partner_id: Any, field: str = "partner_id") -> Partner:
    """The company's partner ``partner_id`` (another company's is unknown, like a missing one)."""
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None:
        raise ValidationError(N_("unknown customer"), field)
    if not partner.active:
        raise ValidationError(N_("the customer is archived"), field)
    return partner


def check_links(session: Session, data: dict[str, Any]) -> None:
    """Salesperson (a member of the company) and payment term must exist."""
    from core.tenancy import company_of

    errors: dict[str, list[str]] = {}
    user_id = data.get("salesperson_id")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or all(m.company_id != company_of(session) for m in user.memberships):
            errors["salesperson_id"] = [N_("unknown salesperson")]
    term_id = data.get("payment_term_id")
    if term_id is not None and session.get(PaymentTerm, term_id) is None:
        errors["payment_term_id"] = [N_("unknown payment term")]
    if errors:
        raise ValidationError(errors)


def fill_lines(
    session: Session, line_cls: type[PricedLine], rows: list[dict[str, Any]]
) -> list[PricedLine]:
    """New lines from loaded ``LineSchema`` rows: products checked (this company's, active),
    description, price and KDV rate taken from the product where not given."""
    from sqlalchemy import select

    lines: list[PricedLine] = []
    errors: dict[int, dict[str, list[str]]] = {}
    wanted = {row["product_id"] for row in rows if row.get("product_id") is not None}
    products = (  # one query for all the lines (another company's products are not found)
        {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}
        if wanted
        else {}
    )
    for index, row in enumerate(rows):
        product = None
        if row.get("product_id") is not None:
            product = products.get(row["product_id"])
            if product is None:
                errors[index] = {"product_id": [N_("unknown product")]}
                continue
        line = line_cls(
            sequence=(index + 1) * 10,
            product_id=product.id if product is not None else None,
            description=(row.get("description") or "").strip() or (product.name if product else ""),
            quantity=row["quantity"],
            unit_price=(
                row["unit_price"]
                if row.get("unit_price") is not None
                else (product.list_price if product is not None else None)
            ),
            discount=row.get("discount") or 0,
            tax_rate=(
                row["tax_rate"]
                if row.get("tax_rate") is not None
                else (product.tax_rate if product is not None else 20)
            ),
        )
        if line.unit_price is None:
            errors[index] = {"unit_price": [N_("give a price for a line without a product")]}
            continue
        line.product = product
        lines.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def replace_lines(
    session: Session,
    document: Document,
    attribute: str,
    line_cls: type[PricedLine],
    rows: list[dict[str, Any]],
) -> None:
    """The document's lines become ``rows``; totals recomputed."""
    lines = fill_lines(session, line_cls, rows)
    setattr(document, attribute, lines)
    compute_totals(document, lines)


def new_header(data: dict[str, Any]) -> dict[str, Any]:
    """The header of a new document: no date is today, and a payment term left empty (the
    schemas load a missing one as None) keeps the customer's, set before."""
    return {
        "date": None,
        **{k: v for k, v in data.items() if not (k == "payment_term_id" and v is None)},
    }


def apply_header(document: Document, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Copy the given header fields (strings stripped); a missing date is today."""
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        if name == "date" and value is None:
            value = today()
        setattr(document, name, value.strip() if isinstance(value, str) else value)


def require_state(document: Document, states: tuple[str, ...], message: str) -> None:
    """Refuse a change unless ``document`` is in one of ``states`` (named field: state)."""
    if document.state not in states:
        raise ValidationError(message, "state")


def due_date(term: PaymentTerm | None, on: date) -> date:
    """When an invoice dated ``on`` falls due: ``days`` later, moved to that month's last
    day when the term says "end of month"; on the day itself without a term."""
    if term is None:
        return on
    due = on + timedelta(days=term.days)
    if term.end_of_month:
        due = due.replace(day=monthrange(due.year, due.month)[1])
    return due
