"""Setting payments against open invoices, for any add-on that has invoices, payments and
allocations between them (sales: customer payments; purchasing: vendor payments).

An add-on describes its three models once in a ``Settlement``:

* the invoice model has ``partner_id``, ``state`` (``posted`` is payable), ``date``,
  ``due_date``, ``amount_total``, ``amount_paid``, ``amount_residual`` and
  ``payment_state`` (``not_paid`` | ``partial`` | ``paid``);
* the payment model (a ``core.documents.Document`` with a ``post`` and a ``cancel``
  transition) has ``partner_id``, ``date``, ``amount_total`` and ``amount_unallocated``;
* the allocation model has ``invoice_id``, ``payment_id``, ``amount``, ``date`` (and
  ``sequence``, filled when the model has one).

``post`` sets a payment against the invoices named, each amount checked against the
invoice's open amount and what is left of the payment (every refusal is kept under the
allocation's index: ``{"allocations": {0: {"invoice_id": [...]}}}``, nothing written), or
else against the partner's open invoices, oldest due first; what is left is
``amount_unallocated``. ``cancel`` undoes the payment's allocations. ``recompute`` derives an
invoice's paid and open amounts and its payment state from its allocations: nothing is
stored that the allocations do not say.

Concurrency: the invoices are locked (``core.documents.lock``, in id order) before their
open amounts are read, so two payments posted at once against one invoice never pay more
than it is open: the second waits for the first and sees what it took.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.documents import lock, service_transition
from core.i18n import N_

ZERO = Decimal("0.00")
CENTS = Decimal("0.01")

OVER_OPEN = N_("more than the invoice's open amount")
OVER_PAYMENT = N_("more than is left of this payment")
NOT_POSITIVE = N_("must be more than zero")


def _default_refusal(invoice: Any, payment: Any) -> str | None:
    if invoice is None or invoice.partner_id != payment.partner_id:
        return N_("unknown invoice of this partner")
    if invoice.state == "cancelled":
        return N_("the invoice is cancelled")
    if invoice.state != "posted":
        return N_("the invoice is not posted")
    return None


@dataclass(frozen=True)
class Settlement:
    """The models one add-on settles with, and its rules.

    ``payable``: extra SQL conditions an open invoice meets (sales: ``kind == "invoice"``).
    ``refuse(invoice, payment)``: why ``invoice`` (``None``: not found) may not be paid by
    ``payment``, a message (``N_``), or ``None``; the default refuses another partner's, a
    cancelled and an unposted invoice. ``over_payment``: the message of an allocation
    beyond what is left of the payment.

    Messages are msgids shared by every catalogue: give your add-on's own (``N_("more than
    is left of the vendor payment")``) where its wording differs from another add-on's
    (sales calls its payments "tahsilat" in Turkish)."""

    invoice: type
    payment: type
    allocation: type
    payable: Sequence[Any] = ()
    refuse: Callable[[Any, Any], str | None] = field(default=_default_refusal)
    over_payment: str = OVER_PAYMENT  # the message of an allocation beyond the payment's rest

    # ----------------------------------------------------------------------- reading
    def open_invoices(self, session: Session, partner_id: int) -> list[Any]:
        """The partner's posted invoices with an open amount, oldest due first."""
        model = self.invoice
        return list(
            session.scalars(
                select(model)
                .where(
                    model.partner_id == partner_id,
                    *self.payable,
                    model.state == "posted",
                    model.amount_residual > 0,
                )
                .order_by(model.due_date, model.date, model.id)
            )
        )

    def allocations_of(self, session: Session, payment: Any) -> list[Any]:
        """What ``payment`` paid: its allocations, in the order they were made."""
        model = self.allocation
        order = [model.sequence, model.id] if hasattr(model, "sequence") else [model.id]
        return list(
            session.scalars(select(model).where(model.payment_id == payment.id).order_by(*order))
        )

    # ----------------------------------------------------------------------- writing
    def plan(
        self, session: Session, payment: Any, allocations: list[dict[str, Any]] | None
    ) -> tuple[list[tuple[Any, Decimal]], Decimal]:
        """Which invoices ``payment`` pays and how much of each, and what is left of it;
        the invoices are locked. Refusals raise ``ValidationError`` under ``allocations``."""
        remaining = payment.amount_total
        plan: list[tuple[Any, Decimal]] = []
        if allocations is not None:
            found = [session.get(self.invoice, row["invoice_id"]) for row in allocations]
            self._lock_all(session, [inv for inv in found if inv is not None])
            errors: dict[int, dict[str, list[str]]] = {}
            taken: dict[int, Decimal] = {}  # an invoice named twice: both rows count
            for index, (row, invoice) in enumerate(zip(allocations, found, strict=True)):
                problem = self.refuse(invoice, payment)
                if problem is None and row["amount"] <= 0:
                    errors[index] = {"amount": [NOT_POSITIVE]}
                    continue
                if problem is None and row["amount"] > invoice.amount_residual - taken.get(
                    invoice.id, ZERO
                ):
                    problem = OVER_OPEN
                if problem is None and row["amount"] > remaining:
                    problem = self.over_payment
                if problem is not None:
                    errors[index] = {"invoice_id": [problem]}
                    continue
                plan.append((invoice, row["amount"]))
                taken[invoice.id] = taken.get(invoice.id, ZERO) + row["amount"]
                remaining -= row["amount"]
            if errors:
                raise ValidationError({"allocations": errors})
            return plan, remaining
        candidates = self.open_invoices(session, payment.partner_id)
        self._lock_all(session, candidates)
        for invoice in candidates:
            if remaining <= 0:
                break
            if invoice.state != "posted" or invoice.amount_residual <= 0:
                continue  # paid or changed by someone else while we waited
            amount = min(remaining, invoice.amount_residual)
            plan.append((invoice, amount))
            remaining -= amount
        return plan, remaining

    def post(
        self,
        session: Session,
        payment: Any,
        user: Any,
        allocations: list[dict[str, Any]] | None = None,
        *,
        already: str = N_("this payment is posted already"),
    ) -> Any:
        """Post ``payment`` (its workflow's ``post``) and set it against invoices:
        ``allocations`` (``invoice_id`` and ``amount`` each), or else the partner's open
        invoices, oldest due first; the rest is ``amount_unallocated``."""
        lock(session, payment)
        if payment.state != "draft":
            raise ValidationError(already, "state")
        plan, remaining = self.plan(session, payment, allocations)
        service_transition(session, payment, "post", user)
        has_sequence = hasattr(self.allocation, "sequence")
        for sequence, (invoice, amount) in enumerate(plan, 1):
            extra = {"sequence": sequence} if has_sequence else {}
            session.add(
                self.allocation(
                    invoice_id=invoice.id,
                    payment_id=payment.id,
                    amount=amount,
                    date=payment.date,
                    **extra,
                )
            )
            session.flush()
            self.recompute(session, invoice)
        payment.amount_unallocated = remaining
        session.flush()
        return payment

    def cancel(self, session: Session, payment: Any, user: Any) -> Any:
        """Cancel ``payment`` (its workflow's ``cancel``); a posted one gives its
        allocations back to the invoices, whose open amounts are computed again."""
        lock(session, payment)
        rows = list(
            session.scalars(select(self.allocation).where(self.allocation.payment_id == payment.id))
        )
        touched = {row.invoice_id: row.invoice for row in rows}
        self._lock_all(session, list(touched.values()))
        for row in rows:
            session.delete(row)
        service_transition(session, payment, "cancel", user)
        session.flush()
        for invoice in touched.values():
            self.recompute(session, invoice)
        payment.amount_unallocated = ZERO
        session.flush()
        return payment

    def recompute(self, session: Session, invoice: Any, column: Any = None) -> None:
        """``invoice``'s paid and open amounts and payment state from its allocations
        (``column``: the allocation column naming it, ``invoice_id`` by default)."""
        if column is None:
            column = self.allocation.invoice_id
        used = session.scalar(
            select(func.coalesce(func.sum(self.allocation.amount), 0)).where(column == invoice.id)
        )
        used = Decimal(used or 0).quantize(CENTS)
        invoice.amount_paid = used
        invoice.amount_residual = invoice.amount_total - used if invoice.state == "posted" else ZERO
        if used <= 0:
            invoice.payment_state = "not_paid"
        elif invoice.amount_residual > 0:
            invoice.payment_state = "partial"
        else:
            invoice.payment_state = "paid"

    @staticmethod
    def _lock_all(session: Session, invoices: list[Any]) -> None:
        """Lock ``invoices`` in id order (two payments locking the same invoices never
        wait for each other in a circle)."""
        for invoice in sorted({inv.id: inv for inv in invoices}.values(), key=lambda i: i.id):
            lock(session, invoice)
