"""JSON API resources in a few lines, on the same lists, schemas and services as the pages.

An add-on (or core) registers a resource on a ``flask_smorest.Blueprint`` it returns from
the ``api_blueprints`` hook::

    api = Blueprint("requests", __name__)          # flask_smorest.Blueprint
    register_resource(api, "/requests", form=request_form, list_spec=requests_list.spec)

which gives, under ``/api/v1/<addon>``::

    GET    /requests                        the list: ?q= ?f.<filter>= ?sort= ?after= ?before=
                                            ?per_page= (the same ListSpec the list page reads)
    POST   /requests                        create (the form's ``create`` service)
    GET    /requests/<id>                   one record
    PATCH  /requests/<id>                   change it (the form's ``update`` service)
    GET    /requests/<id>/actions           workflow actions the user may take now (documents)
    POST   /requests/<id>/actions/<action>  take one (``core.workflow.take_action``)

Input is checked by the record's schema as extended for the company (``extend_schema``);
protected fields are ``dump_only`` there, so sending them is refused (400 naming them).
Another company's id answers 404, like a missing one. Every route is in the OpenAPI
document at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, jsonify, request
from marshmallow import Schema, ValidationError, fields

from core.listing import INT_MAX, ListArgumentError, ListSpec, fetch_page, parse_args
from core.schemas import mark_extensible
from core.web.context import current_company, current_user, db_session, hooks, require_role

LIST_ARGS = ("q", "sort", "after", "before", "per_page", "page", "count")


class ApiErrorSchema(Schema):
    """Every error answer: ``{"errors": {field: [messages]}}`` for bad input (400), else
    ``{"error": {"status", "title", "message"}}``."""

    class ErrorBody(Schema):
        status = fields.Integer(required=True)
        title = fields.String(required=True)
        message = fields.String(required=True)

    error = fields.Nested(ErrorBody)
    errors = fields.Dict(keys=fields.String())


class CommentSchema(Schema):
    comment = fields.String(load_default="", metadata={"description": "at most 2000 characters"})


class ActionSchema(Schema):
    name = fields.String()
    label = fields.String()
    kind = fields.String()
    needs_comment = fields.Boolean()


class ActionListSchema(Schema):
    actions = fields.List(fields.Nested(ActionSchema))


class ApiRefused(Exception):
    """A refusal answered as ``{"error": ...}`` with ``status`` (409 for a refused action)."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def bad_request(errors: Mapping[str, Any]) -> Any:
    return jsonify({"errors": errors}), 400


def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object (else 400)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError({"_schema": ["send a JSON object"]})
    return payload


@dataclass
class Resource:
    """What ``register_resource`` needs; built from a ``FormView`` or given field by field."""

    model: type
    schema: type[Schema]
    schema_name: str
    list_spec: ListSpec | None
    create: Callable[[Any, dict], Any] | None
    update: Callable[[Any, Any, dict], Any] | None
    read_role: str | None
    write_role: str | None
    record_type: str

    def make_schema(self, **kwargs: Any) -> Schema:
        from core.schemas import extended_schema

        return extended_schema(
            self.schema, self.schema_name, hooks(), company=current_company(), **kwargs
        )

    def load(self, record_id: int) -> Any:
        if self.read_role:
            require_role(self.read_role)
        record = None
        if 0 < record_id <= INT_MAX:
            record = db_session().get(self.model, record_id)
        if record is None:
            abort(404, description=f"no such record: {record_id}")
        return record

    def dump(self, record: Any) -> Any:
        return self.make_schema().dump(record)

    def save(self, record: Any | None) -> Any:
        """Create (``record`` None) or update through the services; 400 naming bad fields."""
        from core.web.saving import save_record

        if self.write_role:
            require_role(self.write_role)
        payload = json_object()
        schema = self.make_schema()
        # a change keeps what is not sent (lines inside still need their required fields)
        partial = tuple(schema.fields) if record is not None else False
        session = db_session()
        try:
            record = save_record(
                record, payload, schema, self.schema, self.create, self.update, self.model, partial
            )
            session.commit()
        except Exception:
            session.rollback()
            raise
        return record


def list_page(spec: ListSpec, schema: Schema) -> dict[str, Any]:
    """``{"items", "total", "next", "prev"}`` for the request's list arguments."""
    args = request.args
    unknown = [k for k in args if k not in LIST_ARGS and not k.startswith("f.")]
    if unknown:
        raise ListArgumentError({k: ["unknown argument"] for k in unknown})
    session = db_session()
    req = parse_args(spec, args, session)
    page = fetch_page(spec, req, session)
    body: dict[str, Any] = {
        "items": schema.dump(page.rows, many=True),
        "total": page.total,
        "total_exact": page.exact,
        "next": page.next_cursor,
        "prev": page.prev_cursor,
    }
    if not page.keyset:  # a nullable sort column: numbered pages
        assert page.page is not None
        body["page"] = page.page
        body["pages"] = page.pages  # None past the counted rows
    return body


def _list_parameters(spec: ListSpec) -> list[dict[str, Any]]:
    sortable = ["id"] + [c.name for c in spec.columns if c.sortable]
    params: list[dict[str, Any]] = [
        {"in": "query", "name": "q", "schema": {"type": "string"}, "description": "search"},
        {
            "in": "query",
            "name": "sort",
            "schema": {"type": "string", "enum": sortable + [f"-{n}" for n in sortable]},
            "description": "a column, `-` for descending",
        },
        {"in": "query", "name": "after", "schema": {"type": "string"}, "description": "`next`"},
        {"in": "query", "name": "before", "schema": {"type": "string"}, "description": "`prev`"},
        {
            "in": "query",
            "name": "per_page",
            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
        },
        {
            "in": "query",
            "name": "page",
            "schema": {"type": "integer", "minimum": 1},
            "description": "numbered pages when sorting by a column that may be empty",
        },
        {
            "in": "query",
            "name": "count",
            "schema": {"type": "string", "enum": ["all"]},
            "description": "count (and sum) every row; by default counting stops at 10,000",
        },
    ]
    for flt in spec.filters:
        if flt.kind in ("date", "number"):
            fmt = {"type": "string", "format": "date"} if flt.kind == "date" else {"type": "number"}
            for bound in ("from", "to"):
                params.append({"in": "query", "name": f"f.{flt.name}.{bound}", "schema": fmt})
            continue
        schema: dict[str, Any] = {"type": "string"}
        if flt.kind == "bool":
            schema = {"type": "string", "enum": ["1", "0"]}
        elif flt.kind == "choice" and isinstance(flt.choices, Mapping):
            schema = {"type": "string", "enum": [str(k) for k in flt.choices]}
        params.append(
            {
                "in": "query",
                "name": f"f.{flt.name}",
                "schema": {"type": "array", "items": schema},
                "explode": True,
                "description": str(flt.label),
            }
        )
    return params


def register_resource(
    blp: Any,
    path: str,
    *,
    form: Any = None,
    list_spec: ListSpec | None = None,
    model: type | None = None,
    schema: type[Schema] | None = None,
    schema_name: str | None = None,
    create: Callable[[Any, dict], Any] | None = None,
    update: Callable[[Any, Any, dict], Any] | None = None,
    record_type: str | None = None,
    read_role: str | None = "user",
    write_role: str | None = "user",
    name: str | None = None,
) -> Resource:
    """Add the JSON routes of one resource to ``blp`` (a ``flask_smorest.Blueprint``).

    ``form`` (a ``core.web.forms.FormView``) gives the model, schema, services, roles and
    record type the pages use; each may also be given (or overridden) by keyword.
    """
    from core.documents import Document

    if form is not None:
        model = model or form.model
        schema = schema or form.schema
        schema_name = schema_name or form.schema_name
        create = create or form.create
        update = update or form.update
        record_type = record_type or form.record_type
        read_role = form.read_role if read_role == "user" else read_role
        write_role = form.write_role if write_role == "user" else write_role
    if model is None or schema is None:
        raise TypeError("register_resource needs a form, or a model and a schema")
    record_type = record_type or schema_name or model.__name__.lower()
    mark_extensible(schema)  # add-ons may add fields to it (extend_schema)
    resource = Resource(
        model=model,
        schema=schema,
        schema_name=schema_name or record_type,
        list_spec=list_spec,
        create=create,
        update=update,
        read_role=read_role,
        write_role=write_role,
        record_type=record_type,
    )
    name = name or path.strip("/").replace("/", "_")
    title = record_type.rsplit(".", 1)[-1]
    page_schema = type(
        f"{schema.__name__.removesuffix('Schema')}PageSchema",
        (Schema,),
        {
            "items": fields.List(fields.Nested(schema), required=True),
            "total": fields.Integer(required=True),
            "total_exact": fields.Boolean(
                required=True,
                metadata={"description": "false: more rows than total (count=all counts all)"},
            ),
            "next": fields.String(allow_none=True, required=True),
            "prev": fields.String(allow_none=True, required=True),
            "page": fields.Integer(),
            "pages": fields.Integer(allow_none=True),
        },
    )
    json_body = {"required": True, "content": {"application/json": {"schema": schema}}}

    def _routes(rule: str, endpoint: str, view: Callable[..., Any], method: str) -> None:
        blp.add_url_rule(rule, endpoint, view, methods=[method])

    if list_spec is not None:

        @blp.doc(summary=f"List {title} records", parameters=_list_parameters(list_spec))
        @blp.response(200, page_schema)
        @blp.alt_response(400, schema=ApiErrorSchema, description="bad list arguments")
        def list_view() -> Any:
            if read_role:
                require_role(read_role)
            return jsonify(list_page(list_spec, resource.make_schema()))

        _routes(path, f"{name}_list", list_view, "GET")

    if create is not None:

        @blp.doc(summary=f"Create a {title}", requestBody=json_body)
        @blp.response(201, schema)
        @blp.alt_response(400, schema=ApiErrorSchema, description="bad input")
        def create_view() -> Any:
            record = resource.save(None)
            return jsonify(resource.dump(record)), 201

        _routes(path, f"{name}_create", create_view, "POST")

    @blp.doc(summary=f"One {title}")
    @blp.response(200, schema)
    def get_view(record_id: int) -> Any:
        return jsonify(resource.dump(resource.load(record_id)))

    _routes(f"{path}/<int:record_id>", f"{name}_get", get_view, "GET")

    if update is not None:

        @blp.doc(summary=f"Change a {title}", requestBody=json_body)
        @blp.response(200, schema)
        @blp.alt_response(400, schema=ApiErrorSchema, description="bad input")
        def update_view(record_id: int) -> Any:
            record = resource.save(resource.load(record_id))
            return jsonify(resource.dump(record))

        _routes(f"{path}/<int:record_id>", f"{name}_update", update_view, "PATCH")

    if isinstance(model, type) and issubclass(model, Document):

        @blp.doc(summary=f"Actions the user may take on a {title} now")
        @blp.response(200, ActionListSchema)
        def actions_view(record_id: int) -> Any:
            from core.workflow import available_actions

            record = resource.load(record_id)
            found = available_actions(db_session(), record, current_user(), current_company())
            return jsonify(
                {
                    "actions": [
                        {
                            "name": a.name,
                            "label": str(a.label),
                            "kind": a.kind,
                            "needs_comment": a.needs_comment,
                        }
                        for a in found
                    ]
                }
            )

        _routes(f"{path}/<int:record_id>/actions", f"{name}_actions", actions_view, "GET")

        @blp.doc(
            summary=f"Take a workflow action on a {title}",
            requestBody={
                "required": False,
                "content": {"application/json": {"schema": CommentSchema}},
            },
        )
        @blp.response(200, schema)
        @blp.alt_response(409, schema=ApiErrorSchema, description="the action was refused")
        def action_view(record_id: int, action: str) -> Any:
            from core.documents import TransitionRefused
            from core.workflow import take_action, workflow_for

            record = resource.load(record_id)
            comment = ""
            if request.get_data():
                body = CommentSchema().load(json_object())
                comment = body["comment"].strip()
                if len(comment) > 2000:
                    raise ValidationError({"comment": ["at most 2000 characters"]})
            session = db_session()
            steps = workflow_for(session, record).steps
            if action not in steps and action not in ("approve", "reject"):
                raise ValidationError(
                    {"action": [f"unknown action {action[:50]!r}: one of {', '.join(steps)}"]}
                )
            try:
                take_action(session, record, action, current_user(), current_company(), comment)
                session.commit()
            except TransitionRefused as exc:
                session.rollback()
                raise ApiRefused(409, "Conflict", str(exc)) from exc
            return jsonify(resource.dump(record))

        _routes(f"{path}/<int:record_id>/actions/<action>", f"{name}_action", action_view, "POST")
    return resource
