"""List pages: one ``ListView`` gives a page with search, filters, sort, group-by, pages,
saved views, bulk actions and CSV/XLSX export of exactly what the user sees.

An add-on describes its list once::

    partners = ListView(
        ListSpec("core.partners", Partner, columns=[...], filters=[...],
                 search=[Partner.search_key], default_sort="name"),
        title=_l("Partners"),
        row_url=lambda p: url_for("core.partner_form", partner_id=p.id),
        read_role="user",
        bulk_actions=[BulkAction("archive", _l("Archive"), archive_one, role="manager")],
    )
    partners.register(bp, "/partners")

``register`` adds ``GET /partners`` (the page; ``?export=csv|xlsx`` for exports) and
``POST /partners/bulk``. The JSON API reads the same ``ListSpec`` (``core.web.api``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select

from core.cache import SharedCache
from core.i18n import _
from core.listing import (
    Column,
    ListArgumentError,
    ListRequest,
    ListSpec,
    all_rows,
    fetch_groups,
    fetch_page,
    parse_args,
)
from core.models import SavedView
from core.web.context import current_company, current_user, db_session, require_role

LISTS: dict[str, ListView] = {}  # list key -> view (saved views are checked against these)


@dataclass(frozen=True)
class BulkAction:
    """An action on each selected record. ``run(session, record)`` is the same service the
    record's own button calls; it raises (``ValueError``, ``ValidationError``, a veto) to
    refuse one record, which is rolled back alone while the others go through."""

    name: str
    label: Any
    run: Callable[[Any, Any], Any]
    role: str | None = None
    style: str = "secondary"
    confirm: Any = None  # a question asked before running


class ListView:
    """A list page over a ``ListSpec``."""

    def __init__(
        self,
        spec: ListSpec,
        title: Any,
        row_url: Callable[[Any], str] | None = None,
        read_role: str | None = "user",
        bulk_actions: Sequence[BulkAction] = (),
        new_url: Callable[[], str] | None = None,
        template: str = "core/list.html",
        label: Callable[[Any], str] | None = None,
        form: Any = None,
    ) -> None:
        self.spec = spec
        self.title = title
        self.form = form  # a FormView: rows link to its record pages
        self.row_url = row_url or (form.url if form is not None else None)
        self.read_role = read_role
        self.bulk_actions = list(bulk_actions)
        self.new_url = new_url
        self.template = template
        self.label = label or (
            form.label
            if form is not None
            else lambda r: getattr(r, "display_name", None) or getattr(r, "name", r.id)
        )
        LISTS[spec.key] = self

    # -- routes ---------------------------------------------------------------------------
    def register(self, bp: Blueprint, rule: str, endpoint: str | None = None) -> None:
        endpoint = endpoint or self.spec.key.rsplit(".", 1)[-1]
        bp.add_url_rule(rule, endpoint, self.render, methods=["GET"])
        bp.add_url_rule(f"{rule}/bulk", f"{endpoint}_bulk", self.bulk, methods=["POST"])

    def parse(self, args: Any) -> ListRequest:
        try:
            return parse_args(self.spec, args, db_session())
        except ListArgumentError as exc:
            abort(400, description=_field_messages(exc.errors))

    def render(self) -> Any:
        """The list page, or its export when ``?export=csv|xlsx``."""
        if self.read_role:
            require_role(self.read_role)
        args = request.args
        if "cols_pick" in args:  # the column picker (works without JavaScript)
            picked = ",".join(args.getlist("cols_pick"))
            return redirect(url_with(args, cols_pick=None, cols=picked or None))
        if not [k for k in args if k != "view"]:
            default = self._default_view(args.get("view"))
            if default is not None:
                return redirect(f"{request.path}?{default}")
        if "view" in args or "csrf_token" in args:  # a saved view's name; the bulk form's token
            args = args.copy()
            args.pop("view", None)
            args.pop("csrf_token", None)
        req = self.parse(args)
        export = args.get("export")
        if export:
            if export not in ("csv", "xlsx"):
                abort(400, description=_field_messages({"export": ["choose csv or xlsx"]}))
            return self.export(req, export)
        session = db_session()
        page = groups = None
        if req.group:
            groups = fetch_groups(self.spec, req, session)
        else:
            page = fetch_page(self.spec, req, session)
        columns = [self.spec.column(name) for name in req.columns]
        return render_template(
            self.template,
            view=self,
            spec=self.spec,
            req=req,
            page=page,
            groups=groups,
            columns=columns,
            labels={c.name: str(c.label) for c in self.spec.columns},  # each translated once
            filters=filter_fields(self.spec, req, session),
            saved_views=self._saved_views(),
            url_with=partial(url_with, list(request.args.items(multi=True))),
            table=table_rows(self, columns, page.rows) if page is not None else Markup(""),
            actions=[a for a in self.bulk_actions if _may(a.role)],
        )

    # -- export ---------------------------------------------------------------------------
    def export(self, req: ListRequest, kind: str) -> Response:
        """Every row matching the filters (or the selection), the visible columns."""
        from core.export import to_csv, to_xlsx

        columns = [c for c in (self.spec.column(n) for n in req.columns) if c is not None]
        headers = [str(c.label) for c in columns]
        rows = (
            [_export_value(c, c.value_of(record)) for c in columns]
            for record in all_rows(self.spec, req, db_session())
        )
        name = self.spec.key.replace(".", "-")
        if kind == "csv":
            body, mimetype = to_csv(headers, rows), "text/csv"  # Flask adds the charset
        else:
            body = to_xlsx(headers, rows, [c.kind for c in columns], title=str(self.title))
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
        return response

    # -- bulk actions ---------------------------------------------------------------------
    def bulk(self) -> Any:
        """Run a bulk action on each selected record: one savepoint and one result each."""
        if self.read_role:
            require_role(self.read_role)
        name = request.form.get("action", "")
        action = next((a for a in self.bulk_actions if a.name == name), None)
        if action is None:
            abort(400, description=_field_messages({"action": [_("unknown action")]}))
        if action.role:
            require_role(action.role)
        try:
            ids = sorted({int(i) for i in request.form.getlist("ids")})
        except ValueError:
            abort(400, description=_field_messages({"ids": [_("record ids are whole numbers")]}))
        if not ids:
            abort(400, description=_field_messages({"ids": [_("select at least one record")]}))
        session = db_session()
        results = []
        for record_id in ids:
            record = session.get(self.spec.model, record_id)
            if record is None:  # missing or another company's: the same answer
                results.append((record_id, None, False, _("not found")))
                continue
            label = str(self.label(record))
            try:
                with session.begin_nested():
                    outcome = action.run(session, record)
                results.append((record_id, label, True, str(outcome or _("done"))))
            except Exception as exc:
                results.append((record_id, label, False, _error_text(exc)))
        session.commit()
        done = sum(1 for r in results if r[2])
        flash(
            _(
                "%(action)s: %(done)d of %(total)d done",
                action=action.label,
                done=done,
                total=len(results),
            ),
            "success" if done == len(results) else "warning",
        )
        return render_template(
            "core/bulk_result.html",
            view=self,
            action=action,
            results=results,
            back=request.referrer,
        )

    # -- saved views ----------------------------------------------------------------------
    def _saved_views(self) -> list[Any]:
        """The user's views of this list (read once per request)."""
        from flask import g

        cache = g.setdefault("yaprak_saved_views", {})
        if self.spec.key not in cache:
            cache[self.spec.key] = self._read_saved_views()
        return cache[self.spec.key]

    def _read_saved_views(self) -> list[Any]:
        user, company = current_user(), current_company()
        if user is None or company is None:
            return []
        session = db_session()

        def load() -> list[SavedViewRow]:
            rows = session.execute(
                select(SavedView.id, SavedView.name, SavedView.query, SavedView.is_default)
                .where(SavedView.user_id == user.id, SavedView.list_key == self.spec.key)
                .order_by(SavedView.name)
            )
            return [SavedViewRow(*row) for row in rows]

        return SAVED_VIEWS.get(session, (company.id, user.id, self.spec.key), load)

    def _default_view(self, wanted: str | None) -> str | None:
        if wanted == "all":
            return None
        views = self._saved_views()
        chosen = next((v for v in views if str(v.id) == wanted), None) if wanted else None
        chosen = chosen or next((v for v in views if v.is_default), None)
        return chosen.query if chosen is not None and chosen.query else None


class FilterField(NamedTuple):
    """A filter as the list's form shows it, every text resolved in the user's language.
    ``options`` (choice and bool): (value, label, selected); ``low``/``high`` (date and
    number ranges) and ``text`` (text filters): the values the URL gave."""

    name: str
    kind: str
    label: str
    options: list[tuple[str, str, bool]]
    low: Any = ""
    high: Any = ""
    text: str = ""


def filter_fields(spec: ListSpec, req: ListRequest, session: Any) -> list[FilterField]:
    """The filters of a list page, built in Python (a Jinja loop over filters, their options
    and lazy labels costs a good part of a list page)."""
    fields = []
    for flt in spec.filters:
        given = req.filters.get(flt.name) or []
        label = str(flt.label)
        if flt.kind in ("date", "number"):
            low, high = [*given, None, None][:2]
            fields.append(
                FilterField(
                    flt.name,
                    flt.kind,
                    label,
                    [],
                    "" if low is None else low,
                    "" if high is None else high,
                )
            )
        elif flt.kind == "text":
            text = given[0] if given else ""
            fields.append(FilterField(flt.name, flt.kind, label, [], text=text))
        else:
            chosen = {str(v) for v in given}
            translate = flt.kind == "bool"
            options = [
                (str(value), _(str(text)) if translate else str(text), str(value) in chosen)
                for value, text in flt.options(session).items()
            ]
            fields.append(FilterField(flt.name, flt.kind, label, options))
    return fields


class SavedViewRow(NamedTuple):
    """A saved view as lists show and apply it."""

    id: int
    name: str
    query: str
    is_default: bool


SAVED_VIEWS = SharedCache("core.saved_views", watches=[SavedView])  # see core.cache


def _may(role: str | None) -> bool:
    if role is None:
        return True
    from core.auth import has_role
    from core.web.context import runtime

    return has_role(db_session(), runtime().kernel, current_user(), current_company(), role)


def _error_text(exc: Exception) -> str:
    from marshmallow import ValidationError

    if isinstance(exc, ValidationError):
        messages = exc.messages
        if isinstance(messages, dict):
            return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in messages.items())
        return "; ".join(map(str, messages))
    message = getattr(exc, "message", None) or str(exc)
    if type(exc).__module__.startswith(("sqlalchemy", "builtins")) and not isinstance(
        exc, ValueError
    ):
        return _("failed")  # never show SQL or internals
    return str(message)


def _field_messages(errors: dict[str, list[Any]]) -> str:
    return "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in errors.items())


def url_with(args: Any, **changes: Any) -> str:
    """The current query string with some arguments changed (``None`` removes one); paging
    cursors are dropped whenever anything else changes."""
    if isinstance(args, list):  # (key, value) pairs
        items = args
    else:
        items = list(args.items(multi=True)) if hasattr(args, "items") else []
    keys = {k.replace("__", "."): v for k, v in changes.items()}
    # a position is one of after/before/page: changing anything else starts from the top,
    # moving drops the other two (a "next" link kept from a "previous" page would mix them)
    for position in ("after", "before", "page"):
        keys.setdefault(position, None)
    kept = [(k, v) for k, v in items if k not in keys]
    for key, value in keys.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            kept.extend((key, v) for v in value)
        else:
            kept.append((key, value))
    return "?" + urlencode(kept)


def cell_formatter(column: Column, language: str) -> Callable[[Any], str]:
    """A function from a row to its cell's HTML for ``column``: money and numbers in
    ``language``, states as badges, everything escaped. Built once per column and page (a
    page of 50 rows has hundreds of cells)."""
    name = column.name
    value_of = column.value or (lambda row: getattr(row, name, None))  # Column.value_of
    text = _value_text(column, language)

    def cell(row: Any) -> str:
        value = value_of(row)
        if value is None or value == "":
            return ""
        return text(value, row)

    return cell


def _value_text(column: Column, language: str) -> Callable[[Any, Any], str]:
    """``(value, row) -> HTML`` for a column's kind (the value is never None or empty)."""
    from core.i18n import date_filter, datetime_filter, format_number
    from core.money import format_money

    kind, choices = column.kind, column.choices or {}
    if kind == "money":
        currency_of = column.currency
        return lambda value, row: escape(
            format_money(value, currency_of(row) if currency_of else "TRY", language)
        )
    if kind == "bool":
        return lambda value, row: "✓" if value else ""
    if kind == "number":  # whole numbers (counts, attempts) without decimals
        return lambda value, row: format_number(value, 0 if isinstance(value, int) else 2, language)
    if kind in ("date", "datetime"):
        shown: dict[Any, str] = {}  # dates repeat down a list, and Babel is slow
        format_one = date_filter if kind == "date" else datetime_filter

        def moment(value: Any, row: Any) -> str:
            found = shown.get(value)
            if found is None:
                found = shown[value] = escape(format_one(value))
            return found

        return moment
    if kind == "state":
        return lambda value, row: (
            f'<span class="badge state state-{escape(value)}">'
            f"{escape(str(choices.get(value, value)))}</span>"
        )
    if choices:
        return lambda value, row: escape(str(choices.get(value, value)))
    return lambda value, row: escape(str(value))


def render_cell(column: Column, record: Any, language: str | None = None) -> Markup:
    """One cell's HTML (see ``cell_formatter``; lists build a formatter per column)."""
    from core.i18n import current_language

    return Markup(cell_formatter(column, language or current_language())(record))


def table_rows(view: ListView, columns: list[Column], rows: list[Any]) -> Markup:
    """The ``<tr>`` of every row (a selection checkbox, then the cells), built in Python: a
    Jinja output per cell costs more than the cell itself (a page of 50 rows has hundreds)."""
    from core.i18n import current_language

    language = current_language()
    cells = []
    for column in columns:
        numeric = column.kind in ("money", "number")
        cells.append((cell_formatter(column, language), numeric))
    row_url = view.form.url_maker() if view.form is not None and rows else view.row_url
    label_of = view.label
    select = escape(_("Select"))
    out = []
    for row in rows:
        parts = [
            f'<tr>\n<td><input type="checkbox" name="ids" value="{int(row.id)}" '
            f'aria-label="{select} {escape(str(label_of(row)))}"></td>'
        ]
        for index, (cell, numeric) in enumerate(cells):
            html = cell(row)
            if index == 0 and row_url:  # an empty first cell (a draft's number): its label
                html = f'<a href="{escape(row_url(row))}">{html or escape(str(label_of(row)))}</a>'
            parts.append(f'<td class="text-end">{html}</td>' if numeric else f"<td>{html}</td>")
        parts.append("</tr>\n")
        out.append("".join(parts))
    return Markup("".join(out))


def _export_value(column: Column, value: Any) -> Any:
    if column.kind in ("state", "choice") and column.choices and value is not None:
        return str(column.choices.get(value, value))
    return value
