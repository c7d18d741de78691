"""Form pages: fields from a marshmallow schema (with the fields other add-ons add through
``extend_schema``), errors next to each field, lines for documents, the state badge, the
actions the user may take, attachments, and the activity timeline (notes, audit trail).

An add-on describes a form once::

    partner_form = FormView(
        record_type="core.partner", model=Partner, schema=PartnerSchema,
        schema_name="core.partner", title=_l("Partner"),
        create=create_partner, update=update_partner,      # the same services the API calls
        fields=["name", "is_customer", "email", "group_id", ...],   # order; None: all
        choices={"group_id": group_choices},               # select options for ids
        list_url=lambda: url_for("core.partners"),
    )
    partner_form.register(bp, "/partners")    # GET/POST /partners/new, /partners/<id>

The service raises ``marshmallow.ValidationError`` for bad input: the page is shown again
with the user's input kept and each message next to its field (HTTP 400). Protected fields
(``company_id``, ``state``, ``number``, totals) are ``dump_only`` in the schemas, so they
are shown but never loaded from a form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from core.i18n import _
from core.ui import by_sequence
from core.web.context import current_company, current_user, db_session, hooks, require_role

HIDDEN = frozenset({"id", "state", "company_id"})  # the id is the URL; the state is a badge
RECORDS: dict[str, FormView] = {}  # record type -> form (notes, attachments, actions use it)


@dataclass
class FieldInfo:
    """How one schema field is shown."""

    name: str
    label: str
    widget: str  # text, email, textarea, number, decimal, date, checkbox, select
    required: bool = False
    readonly: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    maxlength: int | None = None
    help: str = ""
    extension: bool = False  # added by another add-on

    def text(self, value: Any) -> Any:
        """How a read-only field shows ``value``: the label of its choice (a ``OneOf`` with
        ``labels``, or the form's ``choices``), else the value itself."""
        if value is None:
            return ""
        return dict(self.choices).get(str(value), value)


@dataclass(frozen=True)
class LinesSpec:
    """The lines of a document: the relationship, the schema field, and the line fields."""

    attribute: str = "lines"
    fields: Sequence[str] = ()
    blank_rows: int = 3  # empty rows offered for new lines (more with the Add line button)
    # line fields the page never shows nor reads (given through the API only), e.g. the
    # order line of a delivery line: its row keeps it through the line's ``id``
    hide: Sequence[str] = ()


def _label(name: str, schema_field: fields.Field) -> str:
    label = schema_field.metadata.get("label")
    if label:
        return str(label)
    return _(name.removesuffix("_id").replace("_", " ").capitalize())


def describe_fields(
    schema: Schema,
    only: Sequence[str] | None,
    choices: Mapping[str, Callable[[Any], Sequence[tuple[Any, str]]]],
    session: Any,
    base_fields: set[str],
) -> list[FieldInfo]:
    """FieldInfo for each field of ``schema`` (``only`` orders and limits the base fields;
    fields added by other add-ons always come after them)."""
    names = list(only) if only is not None else list(schema.fields)
    names += [n for n in schema.fields if n not in base_fields and n not in names]
    out = []
    for name in names:
        f = schema.fields.get(name)
        if name in HIDDEN or f is None or isinstance(f, fields.List | fields.Nested):
            continue
        inner = getattr(f, "inner", f)  # Extension fields wrap the real one
        info = FieldInfo(
            name=name,
            label=_label(name, f),
            widget="text",
            required=bool(f.required),
            readonly=bool(f.dump_only),
            help=str(f.metadata.get("help", "")),
            extension=name not in base_fields,
        )
        validators = list(getattr(inner, "validators", []) or []) + list(f.validators or [])
        for v in validators:
            if isinstance(v, validate.Length) and v.max:
                info.maxlength = v.max
            if isinstance(v, validate.OneOf):
                labels = v.labels or v.choices
                info.widget = "select"
                info.choices = [
                    (str(c), str(lbl)) for c, lbl in zip(v.choices, labels, strict=False)
                ]
        if name in choices:
            info.widget = "select"
            info.choices = [(str(k), str(v)) for k, v in choices[name](session)]
        elif info.widget == "select":
            pass
        elif isinstance(inner, fields.Boolean):
            info.widget = "checkbox"
        elif isinstance(inner, fields.Email):
            info.widget = "email"
        elif isinstance(inner, fields.Decimal):
            info.widget = "decimal"
        elif isinstance(inner, fields.Integer):
            info.widget = "number"
        elif isinstance(inner, fields.Date):
            info.widget = "date"
        elif f.metadata.get("widget") == "textarea":
            info.widget = "textarea"
        out.append(info)
    return out


def decimal_input(text: str) -> str:
    """A number typed the way the user writes it, as the schema reads it (``1234.5``):
    Turkish ``1.234,50`` or ``1234,5``, English ``1,234.50``; a lone ``.`` is the decimal
    point in both (it is how the form shows stored values). Anything else is left for the
    schema to refuse."""
    from core.i18n import current_language

    cleaned = text.replace("₺", "").replace("TL", "").replace(" ", "").replace("\u00a0", "")
    if current_language() == "tr":
        if "," in cleaned:
            return cleaned.replace(".", "").replace(",", ".")
        if cleaned.count(".") > 1:  # 1.234.567: thousands only
            return cleaned.replace(".", "")
        return cleaned
    return cleaned.replace(",", "")


def payload_from_form(
    form: Any, infos: Sequence[FieldInfo], schema: Schema, prefix: str = ""
) -> dict[str, Any]:
    """Form strings to schema input: unticked boxes are False, empty optional values None."""
    payload: dict[str, Any] = {}
    for info in infos:
        if info.readonly:
            continue
        key = prefix + info.name
        if info.widget == "checkbox":
            payload[info.name] = form.get(key) in ("1", "on", "true", "y")
            continue
        if key not in form:
            continue
        value = form.get(key, "").strip()
        if info.widget == "decimal" and value:
            value = decimal_input(value)
        f = schema.fields[info.name]
        if value == "" and (f.allow_none or not f.required):
            if f.allow_none:
                payload[info.name] = None
            continue
        payload[info.name] = value
    return payload


class FormView:
    """A record's page: view and edit in one form; create at ``<rule>/new``."""

    def __init__(
        self,
        record_type: str,
        model: type,
        schema: type[Schema],
        title: Any,
        create: Callable[[Any, dict], Any] | None = None,
        update: Callable[[Any, Any, dict], Any] | None = None,
        schema_name: str | None = None,
        fields: Sequence[str] | None = None,
        choices: Mapping[str, Callable[[Any], Sequence[tuple[Any, str]]]] | None = None,
        lines: LinesSpec | None = None,
        list_url: Callable[[], str] | None = None,
        read_role: str | None = "user",
        write_role: str | None = "user",
        template: str = "core/form.html",
        label: Callable[[Any], str] | None = None,
        sections: Callable[[Any], list[Any]] | None = None,
        links: Mapping[str, Callable[[Any], tuple[str, str] | None]] | None = None,
        editable: Callable[[Any], bool] | None = None,
        lines_editable: Callable[[Any], bool] | None = None,
        defaults: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self.record_type = record_type
        self.model = model
        self.schema = schema
        self.schema_name = schema_name or record_type
        self.title = title
        self.create = create
        self.update = update
        self.fields = fields
        self.choices = dict(choices or {})
        self.lines = lines
        self.list_url = list_url
        self.read_role = read_role
        self.write_role = write_role
        self.template = template
        self.label = label or (
            lambda r: getattr(r, "display_name", None) or getattr(r, "name", None) or str(r.id)
        )
        self.sections = sections  # the page's own sections (FormSection), before add-ons'
        # read-only fields naming another record (``order_id``), shown as a link to it:
        # field name -> ``(text, url)`` of the record, or None (shown as the value)
        self.links = dict(links or {})
        # whether a record may still be changed (e.g. a document in draft): when not, its
        # page shows every field read-only, without a Save button, and a post is refused
        self.editable = editable
        # whether a record's lines may be changed on the page (when its header still may):
        # when not, the lines are shown read-only and never sent to the service
        self.lines_editable = lines_editable
        # the values a new record's page starts with besides the schema's load_default
        # (called in the request: e.g. the logged-in user as the salesperson)
        self.defaults = defaults
        self._endpoint = ""
        RECORDS[record_type] = self

    def can_edit(self, record: Any) -> bool:
        """The record may be changed here (its state allows it; roles are checked apart)."""
        if self.update is None:
            return False
        return self.editable is None or bool(self.editable(record))

    def can_edit_lines(self, record: Any) -> bool:
        if self.lines is None or (record is not None and not self.can_edit(record)):
            return False
        return record is None or self.lines_editable is None or bool(self.lines_editable(record))

    def register(self, bp: Blueprint, rule: str, endpoint: str | None = None) -> None:
        short = endpoint or self.record_type.rsplit(".", 1)[-1]
        bp.add_url_rule(f"{rule}/new", f"{short}_new", self.new, methods=["GET", "POST"])
        bp.add_url_rule(f"{rule}/<int:record_id>", short, self.edit, methods=["GET", "POST"])

    @property
    def endpoint(self) -> str:
        """The full endpoint of the record page (blueprints may be nested: found, not built)."""
        if not self._endpoint:
            from flask import current_app

            self._endpoint = next(
                (name for name, view in current_app.view_functions.items() if view == self.edit),
                "",
            )
        return self._endpoint

    def url(self, record: Any) -> str:
        return url_for(self.endpoint, record_id=record.id)

    def url_maker(self) -> Callable[[Any], str]:
        """``url`` for many records: the route is built once, then only the id changes
        (``url_for`` per row is a good part of a list page's cost)."""
        sentinel = 987654321
        template = url_for(self.endpoint, record_id=sentinel)
        head, _, tail = template.partition(str(sentinel))
        return lambda record: f"{head}{record.id}{tail}"

    # -- pages ----------------------------------------------------------------------------
    def load(self, record_id: int) -> Any:
        """The record through the request's session: another company's is simply not found."""
        if self.read_role:
            require_role(self.read_role)
        record = db_session().get(self.model, record_id)
        if record is None:
            abort(404)
        return record

    def _schema(self, **kwargs: Any) -> Schema:
        from core.schemas import extended_schema

        return extended_schema(
            self.schema, self.schema_name, hooks(), company=current_company(), **kwargs
        )

    def new(self) -> Any:
        if self.create is None:
            abort(404)
        if self.write_role:
            require_role(self.write_role)
        schema = self._schema()
        infos = self._infos(schema)
        if request.method == "GET":
            return self._render(None, schema, infos, values=self._defaults(schema), errors={})
        payload = self._payload(schema, infos, None)
        try:
            record = self._save(None, schema, payload)
        except ValidationError as exc:
            db_session().rollback()
            return self._render(None, schema, infos, request.form, self._errors(exc), status=400)
        flash(_("%(title)s created.", title=self.title), "success")
        return redirect(self.url(record))

    def edit(self, record_id: int) -> Any:
        record = self.load(record_id)
        schema = self._schema()
        infos = self._infos(schema)
        if request.method == "GET":
            return self._render(
                record, schema, infos, values=self._values(schema, record), errors={}
            )
        if self.update is None:
            abort(405)
        if self.write_role:
            require_role(self.write_role)
        if not self.can_edit(record):  # a page shown before the document was locked
            flash(_("This record can no longer be changed."), "warning")
            return redirect(self.url(record))
        payload = self._payload(schema, infos, record)
        try:
            self._save(record, schema, payload)
        except ValidationError as exc:
            db_session().rollback()
            record = self.load(record_id)
            errors = self._errors(exc)
            return self._render(record, schema, infos, request.form, errors, status=400)
        flash(_("Saved."), "success")
        return redirect(self.url(record))

    # -- pieces ---------------------------------------------------------------------------
    def _infos(self, schema: Schema) -> list[FieldInfo]:
        return describe_fields(
            schema, self.fields, self.choices, db_session(), set(self.schema._declared_fields)
        )

    def _payload(self, schema: Schema, infos: list[FieldInfo], record: Any) -> dict[str, Any]:
        payload = payload_from_form(request.form, infos, schema)
        if self.lines is not None and self.can_edit_lines(record):
            payload[self.lines.attribute] = self._lines_payload(schema)
        return payload

    def _lines_payload(self, schema: Schema) -> list[dict[str, Any]]:
        assert self.lines is not None
        nested = schema.fields[self.lines.attribute]
        line_schema = nested.inner.schema if isinstance(nested, fields.List) else nested.schema
        infos = describe_fields(
            line_schema, self.lines.fields, self.choices, db_session(), set(line_schema.fields)
        )
        indexes = sorted(
            {
                int(k.split("-")[1])
                for k in request.form
                if k.startswith("lines-") and k.count("-") >= 2 and k.split("-")[1].isdigit()
            }
        )
        rows = []
        form_rows: list[int] = []  # the form row of each payload line (to place its errors)
        for i in indexes:
            if request.form.get(f"lines-{i}-delete"):
                continue
            row = payload_from_form(request.form, infos, line_schema, prefix=f"lines-{i}-")
            meaningful = {k: v for k, v in row.items() if v not in (None, "", False)}
            if meaningful:
                line_id = request.form.get(f"lines-{i}-id")
                if line_id and line_id.isdigit():
                    row["id"] = int(line_id)
                rows.append(row)
                form_rows.append(i)
        request._yaprak_line_rows = form_rows  # type: ignore[attr-defined]
        return rows

    def _save(self, record: Any, schema: Schema, payload: dict[str, Any]) -> Any:
        """Through ``core.web.saving.save_record`` (as the API does), then commit."""
        from core.web.saving import save_record

        record = save_record(
            record, payload, schema, self.schema, self.create, self.update, self.model
        )
        db_session().commit()
        return record

    def _errors(self, exc: ValidationError) -> dict[str, Any]:
        """The service's errors; line errors re-keyed from its list to the form's rows."""
        errors = _errors(exc)
        if self.lines is not None and isinstance(errors.get(self.lines.attribute), dict):
            rows = getattr(request, "_yaprak_line_rows", [])
            errors[self.lines.attribute] = {
                (rows[i] if isinstance(i, int) and i < len(rows) else i): v
                for i, v in errors[self.lines.attribute].items()
            }
        return errors

    def _defaults(self, schema: Schema) -> dict[str, Any]:
        values = {}
        for name, f in schema.fields.items():
            default = f.load_default
            if default is not None and not callable(default) and default is not fields.missing_:
                values[name] = default
        if self.defaults is not None:
            values.update(self.defaults())
        return values

    def _values(self, schema: Schema, record: Any) -> dict[str, Any]:
        dumped = schema.dump(record)
        values = {k: _short_decimal(v) for k, v in dumped.items()}
        if self.lines is not None and isinstance(values.get(self.lines.attribute), list):
            values[self.lines.attribute] = [
                {k: _short_decimal(v) for k, v in line.items()}
                for line in values[self.lines.attribute]
            ]
        return values

    def _render(
        self,
        record: Any,
        schema: Schema,
        infos: list[FieldInfo],
        values: Mapping[str, Any],
        errors: dict[str, Any],
        status: int = 200,
    ) -> Any:
        relay = hooks()
        user = current_user()
        sections = actions = timeline = attachments = []
        links: dict[str, tuple[str, str] | None] = {}
        workflow_actions: list[Any] = []
        line_rows: list[dict[str, Any]] = []
        line_infos: list[FieldInfo] = []
        if self.lines is not None:
            nested = schema.fields[self.lines.attribute]
            line_schema = nested.inner.schema if isinstance(nested, fields.List) else nested.schema
            line_infos = [
                info
                for info in describe_fields(
                    line_schema, self.lines.fields, self.choices, db_session(), set()
                )
                if info.name not in self.lines.hide
            ]
            if hasattr(values, "getlist") and not self.can_edit_lines(record) and record:
                # lines not sent by the page: shown as saved after a refused header
                saved = schema.dump(record).get(self.lines.attribute) or []
                line_rows = [{k: _short_decimal(v) for k, v in ln.items()} for ln in saved]
            elif hasattr(values, "getlist"):  # a posted form: show the user's lines again
                line_rows = _posted_lines(values, line_infos)
                if record is not None:
                    _keep_readonly(line_rows, line_infos, schema, record, self.lines.attribute)
            else:
                line_rows = [dict(line) for line in values.get(self.lines.attribute, []) or []]
        if record is not None:
            own = self.sections(record) if self.sections is not None else []
            sections = by_sequence(own + relay.gather("document_form_sections", document=record))
            actions = by_sequence(relay.gather("document_actions", document=record, user=user))
            workflow_actions = _workflow_actions(record)
            timeline = activity(self.record_type, record)
            links = {name: make(record) for name, make in self.links.items()}
            attachments = _attachments(self.record_type, record.id)
        writable = self.write_role is None or _has(self.write_role)
        locked = record is not None and not self.can_edit(record)
        from core.i18n import translate_errors

        errors = translate_errors(errors)
        return (
            render_template(
                self.template,
                form=self,
                record=record,
                infos=infos,
                values=values,
                errors=errors,
                line_infos=line_infos,
                line_rows=line_rows,
                line_errors=errors.get(self.lines.attribute, {}) if self.lines else {},
                sections=sections,
                links=links,
                actions=actions,
                workflow_actions=workflow_actions,
                timeline=timeline,
                attachments=attachments,
                writable=writable and not locked,
                # notes and attachments: also on a locked record
                may_write=writable and (record is None or self.update is not None),
                locked=locked,
                lines_locked=locked or not self.can_edit_lines(record),
                general_errors=errors.get("_schema", []),
            ),
            status,
        )


def _short_decimal(value: Any) -> Any:
    """``185.0000`` -> ``185.00`` (a price stored with 4 places shows 2 when that is all it
    has); ``12.3456`` stays. Only decimal strings are touched."""
    from decimal import Decimal, InvalidOperation

    if not isinstance(value, str) or "." not in value:
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite() or number.as_tuple().exponent >= -2:
        return value
    shortened = number.quantize(Decimal("0.01"))
    return str(shortened) if shortened == number else str(number.normalize())


def _posted_lines(form: Any, infos: Sequence[FieldInfo]) -> list[dict[str, Any]]:
    indexes = sorted(
        {int(k.split("-")[1]) for k in form if k.startswith("lines-") and k.split("-")[1].isdigit()}
    )
    rows = []
    for i in indexes:
        row = {info.name: form.get(f"lines-{i}-{info.name}", "") for info in infos}
        row["id"] = form.get(f"lines-{i}-id", "")
        if any(v not in ("", None) for k, v in row.items() if k != "id"):
            rows.append(row)
    return rows


def _keep_readonly(
    rows: list[dict[str, Any]],
    infos: Sequence[FieldInfo],
    schema: Schema,
    record: Any,
    attribute: str,
) -> None:
    """Read-only line columns are not posted: a form shown again after a refusal takes them
    from the saved line of the same id."""
    readonly = [info.name for info in infos if info.readonly]
    if not readonly:
        return
    dumped = schema.dump(record).get(attribute) or []
    saved = {str(line.get("id")): line for line in dumped if isinstance(line, dict)}
    for row in rows:
        line = saved.get(str(row.get("id")))
        if line is not None:
            for name in readonly:
                row[name] = _short_decimal(line.get(name))


def _errors(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    if isinstance(messages, dict):
        return messages
    return {"_schema": list(messages)}


def _has(role: str) -> bool:
    from core.auth import has_role
    from core.web.context import runtime

    return has_role(db_session(), runtime().kernel, current_user(), current_company(), role)


def _workflow_actions(record: Any) -> list[Any]:
    from core.documents import Document
    from core.workflow import available_actions

    if not isinstance(record, Document):
        return []
    return available_actions(db_session(), record, current_user(), current_company())


def _attachments(record_type: str, record_id: int) -> list[Any]:
    from sqlalchemy import select

    from core.models import Attachment

    return list(
        db_session().scalars(
            select(Attachment)
            .where(Attachment.record_type == record_type, Attachment.record_id == record_id)
            .order_by(Attachment.id)
        )
    )


@dataclass
class ActivityItem:
    """One line of a record's timeline."""

    at: Any
    kind: str  # note, create, update, transition, approve, reject, ...
    user: str
    text: str
    field: str = ""
    old: str | None = None
    new: str | None = None


def activity(record_type: str, record: Any) -> list[ActivityItem]:
    """Notes and audit entries of a record, newest first."""
    from sqlalchemy import select

    from core.documents import flush_audit
    from core.models import AuditEntry, Note, User

    session = db_session()
    flush_audit(session)
    items: list[ActivityItem] = []
    names: dict[int | None, str] = {None: _("system")}

    def who(user_id: int | None) -> str:
        if user_id not in names:
            user = session.get(User, user_id)
            names[user_id] = (user.name or user.email) if user else _("deleted user")
        return names[user_id]

    for note in session.scalars(
        select(Note).where(Note.record_type == record_type, Note.record_id == record.id)
    ):
        items.append(ActivityItem(note.created_at, "note", who(note.user_id), note.body))
    for entry in session.scalars(
        select(AuditEntry).where(
            AuditEntry.document_type == record_type, AuditEntry.document_id == record.id
        )
    ):
        items.append(
            ActivityItem(
                entry.at,
                entry.action,
                who(entry.user_id),
                entry.comment,
                entry.field,
                entry.old,
                entry.new,
            )
        )
    items.sort(key=lambda i: i.at, reverse=True)
    return items
