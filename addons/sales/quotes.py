"""Quotes: create, change while open, send, accept (an order is made and a prospect becomes
a customer: the same partner row), reject, expire, cancel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_

from .lines import apply_header, check_links, new_header, partner_of, replace_lines, require_state
from .models import SalesOrder, SalesOrderLine, SalesQuote, SalesQuoteLine
from .orders import default_shipping_address
from .workflows import service_transition

HEADER = ("date", "salesperson_id", "payment_term_id", "note", "valid_until")
VALIDITY_DAYS = 30  # a new quote's validity when no date is given
LINE_FIELDS = ("product_id", "description", "quantity", "unit_price", "discount", "tax_rate")


def create_quote(session: Session, data: dict[str, Any]) -> SalesQuote:
    """A draft quote from loaded ``QuoteSchema`` data. Without ``valid_until`` it is valid
    ``VALIDITY_DAYS`` days from its date (as Odoo does)."""
    partner = partner_of(session, data.get("partner_id"))
    check_links(session, data)
    quote = SalesQuote(partner_id=partner.id, currency=partner.currency)
    quote.payment_term_id = partner.payment_term_id
    apply_header(quote, new_header(data), HEADER)
    if quote.valid_until is None:
        quote.valid_until = quote.date + timedelta(days=VALIDITY_DAYS)
    replace_lines(session, quote, "lines", SalesQuoteLine, data.get("lines") or [])
    session.add(quote)
    session.flush()
    return quote


def update_quote(session: Session, quote: SalesQuote, data: dict[str, Any]) -> SalesQuote:
    """Change a quote that is still open (draft or sent)."""
    require_state(quote, ("draft", "sent"), N_("only an open quote can be changed"))
    if "partner_id" in data:
        quote.partner_id = partner_of(session, data["partner_id"]).id
    check_links(session, data)
    apply_header(quote, data, HEADER)
    if "lines" in data:
        replace_lines(session, quote, "lines", SalesQuoteLine, data["lines"])
    session.flush()
    return quote


def send_quote(
    session: Session,
    quote: SalesQuote,
    user: Any,
    pdf: Callable[[SalesQuote], bytes] | None = None,
    mail: bool = True,
) -> SalesQuote:
    """Mark the quote sent (it gets its number) and queue the e-mail to the customer in the
    same transaction, with the quote's PDF when ``pdf(quote)`` renders it (called after the
    number is given, so the PDF carries it; the pages pass core's PDF service). With
    ``mail=False`` the quote is only marked sent (it was handed over or sent otherwise)."""
    from core.mail import queue_mail

    if not quote.lines:
        from marshmallow import ValidationError

        raise ValidationError(N_("a quote needs at least one line"), "lines")
    service_transition(session, quote, "send", user)
    if mail and quote.partner is not None and quote.partner.email:
        attachments = None
        if pdf is not None:
            session.flush()
            attachments = [(f"{quote.number}.pdf", pdf(quote), "application/pdf")]
        from core.companies import cached_company

        queue_mail(
            session,
            to=[quote.partner.email],
            template="sales/mail/quote",
            context={
                "quote": quote,
                "partner": quote.partner,
                "company": cached_company(session, quote.company_id),  # the signature
            },
            language=quote.partner.language or "tr",
            attachments=attachments,
        )
    return quote


def accept_quote(
    session: Session, quote: SalesQuote, user: Any, on: date | None = None
) -> SalesOrder:
    """Accept the quote: a draft sales order with its lines, dated ``on`` (default today);
    the prospect becomes a customer."""
    if not quote.lines:
        from marshmallow import ValidationError

        raise ValidationError(N_("a quote needs at least one line"), "lines")
    service_transition(session, quote, "accept", user)
    partner = quote.partner
    if partner is not None and not partner.is_customer:
        partner.is_customer = True  # the same row: nothing to convert or sync
        partner.is_prospect = False
    order = SalesOrder(
        partner_id=quote.partner_id,
        quote_id=quote.id,
        currency=quote.currency,
        salesperson_id=quote.salesperson_id,
        payment_term_id=quote.payment_term_id,
        note=quote.note,
        date=on or date.today(),
        shipping_address=default_shipping_address(partner) if partner is not None else "",
    )
    order.lines = [
        SalesOrderLine(
            sequence=line.sequence,
            product=line.product,
            **{name: getattr(line, name) for name in LINE_FIELDS},
        )
        for line in quote.lines
    ]
    from core.documents import compute_totals

    compute_totals(order, order.lines)
    session.add(order)
    session.flush()
    return order


def reopen_quote(session: Session, quote: SalesQuote, user: Any) -> SalesQuote:
    """A rejected, expired or cancelled quote back to draft, to change and send again."""
    service_transition(session, quote, "reopen", user)
    return quote


def order_of_quote(session: Session, quote: SalesQuote) -> SalesOrder | None:
    return session.scalar(select(SalesOrder).where(SalesOrder.quote_id == quote.id))


def expire_quotes(session: Session, on: date) -> int:
    """Quotes whose validity ended before ``on`` and were never answered become expired
    (the daily job); returns how many."""
    found = session.scalars(
        select(SalesQuote).where(
            SalesQuote.state.in_(["draft", "sent"]),
            SalesQuote.valid_until.is_not(None),
            SalesQuote.valid_until < on,
        )
    ).all()
    for quote in found:
        service_transition(session, quote, "expire", None, system=True)
    return len(found)
