"""Pages that take a quantity (or an amount) per line of a document, then run one service:
invoice part of an order, credit part of an invoice, set a payment against chosen invoices;
receive part of a purchase order, and so on.

An add-on describes the page once::

    invoice_picker = LinePicker(
        form=order_form,                         # loads the record (404 elsewhere), its URL
        title=_l("Create invoice"),
        columns=[_l("Product"), _l("Delivered"), _l("To invoice")],
        input_label=_l("Quantity to invoice"),
        rows=lambda session, order: [PickRow(line.id, [...], left=..., default=...)],
        run=lambda session, order, picked, user: invoice_order(session, order, picked),
        role="sales.accountant",
        done=_l("Draft invoice made."),
        next_url=lambda order, invoice: invoice_form.url(invoice),
    )
    invoice_picker.register(bp, "/order/<int:record_id>/invoice", "order_invoice")

GET shows a table of the rows (``cells`` as given, numbers in the user's language) with one
input per row, filled with the row's ``default``. POST reads the inputs as the user types
numbers (``1.234,5`` in Turkish), refuses a malformed, negative or too precise number, or one
above the row's ``left``, under its row (400, nothing run); else ``run(session, record,
{row id: quantity}, user)`` (rows left empty or at zero are not in the dict) in one
transaction, then a redirect to ``next_url``. The service's ``ValidationError`` comes back
the same way: messages under a ``{row id: [...]}`` mapping (``{"quantities": {"7": [...]}}``)
go under their rows, any other message above the table; nothing is written.

Offer the page from a document's button with ``DocumentAction(..., method="get")``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from marshmallow import ValidationError

from core.i18n import _, number, translate_errors
from core.web.context import current_user, db_session, require_role
from core.web.forms import decimal_input


@dataclass(frozen=True)
class PickRow:
    """One line offered: ``cells`` are shown before the input (text; numbers and
    ``Amount`` in the user's language); at most ``left`` may be taken (None: no limit);
    the input starts at ``default`` (None: empty)."""

    id: int
    cells: Sequence[Any]
    left: Decimal | None = None
    default: Decimal | None = None
    details: dict[str, Any] = field(default_factory=dict)  # for the template, if replaced


@dataclass(frozen=True)
class Amount:
    """A cell of money: shown in the user's language with its currency, right-aligned."""

    value: Decimal
    currency: str = "TRY"


def plain(value: Decimal | None) -> str:
    """A stored number as an input shows it: ``6.000`` -> ``6``, ``2.500`` -> ``2.5`` (a
    lone ``.`` is the decimal point in both languages, see ``decimal_input``)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def read_picked(
    form: Any, rows: Sequence[PickRow], places: int, prefix: str = "pick-"
) -> dict[int, Decimal]:
    """``{row id: quantity}`` from the inputs ``<prefix><row id>`` (empty and zero left
    out); a malformed, negative, too precise number or one above ``left`` is a
    ``ValidationError({"picked": {"<row id>": [message]}})``."""
    picked: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for row in rows:
        text = (form.get(f"{prefix}{row.id}") or "").strip()
        if not text:
            continue
        try:
            value = Decimal(decimal_input(text))
        except InvalidOperation:
            errors[str(row.id)] = [_("Not a valid number.")]
            continue
        if not value.is_finite():
            errors[str(row.id)] = [_("Not a valid number.")]
        elif value < 0:
            errors[str(row.id)] = [_("must not be negative")]
        elif value.as_tuple().exponent < -places and value != round(value, places):
            errors[str(row.id)] = [_("at most %(places)s decimals", places=places)]
        elif row.left is not None and value > row.left:
            shown = number(row.left, 2 if places == 2 else 0)  # amounts with their cents
            errors[str(row.id)] = [_("at most %(left)s", left=shown)]
        elif value > 0:
            picked[row.id] = value
    if errors:
        raise ValidationError({"picked": errors})
    return picked


def split_errors(messages: Any) -> tuple[dict[str, list[str]], list[str]]:
    """A ValidationError's messages as (row id -> messages, messages for the whole page)."""
    rows: dict[str, list[str]] = {}
    general: list[str] = []
    if not isinstance(messages, dict):
        return rows, [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    for value in messages.values():
        if isinstance(value, dict):
            for key, found in value.items():
                rows.setdefault(str(key), []).extend(_flat(found))
        else:
            general.extend(_flat(value))
    return rows, general


def _flat(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flat(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _flat(v)]
    return [str(value)]


class LinePicker:
    """A page choosing a quantity per line of ``form``'s record, then running ``run``."""

    def __init__(
        self,
        form: Any,
        title: Any,
        columns: Sequence[Any],
        input_label: Any,
        rows: Callable[[Any, Any], list[PickRow]],
        run: Callable[[Any, Any, dict[int, Decimal], Any], Any],
        next_url: Callable[[Any, Any], str],
        role: str | None = None,
        done: Any = "",
        submit: Any = None,
        intro: Any = "",  # text above the table, or (record) -> text
        places: int = 3,
        nothing: Any = None,
        available: Callable[[Any], bool] = lambda _record: True,
        template: str = "core/pick_lines.html",
    ) -> None:
        self.form = form
        self.title = title
        self.columns = list(columns)
        self.input_label = input_label
        self.rows = rows
        self.run = run
        self.next_url = next_url
        self.role = role
        self.done = done
        self.submit = submit
        self.intro = intro
        self.places = places
        self.nothing = nothing  # the message when nothing is chosen; None: nothing is fine
        self.available = available
        self.template = template

    def register(self, bp: Blueprint, rule: str, endpoint: str) -> None:
        bp.add_url_rule(rule, endpoint, self.view, methods=["GET", "POST"])

    def view(self, record_id: int) -> Any:
        record = self.form.load(record_id)  # another company's: 404
        if self.role:
            require_role(self.role)
        if not self.available(record):
            flash(_("This is not possible in the document's present state."), "danger")
            return redirect(self.form.url(record))
        session = db_session()
        rows = self.rows(session, record)
        if request.method == "GET":
            values = {str(row.id): plain(row.default) for row in rows}
            return self._render(record, rows, values, {}, [])
        try:
            picked = read_picked(request.form, rows, self.places)
            if not picked and self.nothing is not None:
                raise ValidationError([str(self.nothing)])
            result = self.run(session, record, picked, current_user())
            session.commit()
        except ValidationError as exc:
            session.rollback()
            row_errors, general = split_errors(translate_errors(exc.messages))
            record = self.form.load(record_id)
            rows = self.rows(session, record)
            values = {str(row.id): request.form.get(f"pick-{row.id}", "") for row in rows}
            return self._render(record, rows, values, row_errors, general, status=400)
        except Exception as exc:
            session.rollback()
            from core.documents import TransitionRefused

            if not isinstance(exc, TransitionRefused):
                raise
            flash(str(exc), "danger")
            return redirect(self.form.url(self.form.load(record_id)))
        if self.done:
            flash(str(self.done), "success")
        return redirect(self.next_url(record, result))

    def _render(
        self,
        record: Any,
        rows: list[PickRow],
        values: dict[str, str],
        row_errors: dict[str, list[str]],
        general: list[str],
        status: int = 200,
    ) -> Any:
        if row_errors and not general:
            general = [_("Please correct the marked fields.")]
        return (
            render_template(
                self.template,
                picker=self,
                record=record,
                record_label=self.form.label(record),
                record_url=self.form.url(record),
                rows=rows,
                values=values,
                row_errors=row_errors,
                general_errors=general,
                intro=self.intro(record) if callable(self.intro) else self.intro,
            ),
            status,
        )
