"""``create_app()``: one Flask app serving every company."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from apispec import BasePlugin
from flask import Blueprint, Flask, abort, g, render_template, request, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from jinja2 import ChoiceLoader, FileSystemLoader
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.config import Config
from core.listing import ListArgumentError
from core.pdf import PdfRenderError
from core.runtime import Runtime
from core.tenancy import TenantViolation
from core.web import gate as gate_module
from core.web.api_resources import ApiErrorSchema, ApiRefused
from core.web.context import close_db_session, hooks

WEB_DIR = Path(__file__).resolve().parent


def create_app(
    config: Config | None = None, runtime: Runtime | None = None, **flask_config: Any
) -> Flask:
    """Build the app: kernel, database, add-on blueprints (gated), templates, errors."""
    runtime = runtime or Runtime(config)
    config = runtime.config
    runtime.refresh_state()
    log = logging.getLogger("yaprak")
    for line in runtime.load_warnings():
        log.warning("%s", line)

    app = Flask(
        "core.web",
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=config.get_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=(config.attachment_max_mb + 1) * 1024 * 1024,  # uploads + form
    )
    app.config.update(flask_config)
    app.extensions["yaprak"] = runtime
    kernel = runtime.kernel
    from core.templates import WEB_BYTECODE

    app.jinja_options = {**app.jinja_options, "bytecode_cache": WEB_BYTECODE}

    # Templates: core's, then each add-on's templates/ folder in load order.
    from core.templates import template_folders

    loaders = [FileSystemLoader(str(folder)) for folder in template_folders(kernel)]
    app.jinja_loader = ChoiceLoader(loaders)  # type: ignore[assignment]
    static_dirs = [WEB_DIR / "static"]
    for name in kernel.order:
        folder = kernel.available[name].path / "static"
        if folder.is_dir():
            static_dirs.append(folder)
    app.extensions["yaprak.static_dirs"] = static_dirs

    def static(filename: str) -> Any:
        """``/static/<file>`` from core's or an add-on's ``static/`` folder (first found)."""
        for folder in static_dirs:
            if (folder / filename).is_file():
                return send_from_directory(folder, filename)
        abort(404)

    app.view_functions["static"] = static

    from core.i18n import init_i18n
    from core.web import admin, api, master_data, records, views
    from core.web import pdf as pdf_views
    from core.web.auth import init_auth, require_login

    init_auth(app)
    init_i18n(app, runtime)
    app.register_blueprint(views.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(master_data.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pdf_views.bp)
    rest = init_api(app)
    rest.register_blueprint(api.bp, url_prefix="/api/v1/core")

    owners: dict[str, str] = {}
    for hook, root, prefix in (
        ("addon_blueprints", "{}", "/{}"),
        ("api_blueprints", "api_{}", "/api/v1/{}"),
    ):
        parents: dict[str, Blueprint] = {}
        for addon, blueprint in kernel.registrations(hook):
            if isinstance(blueprint, SmorestBlueprint):  # documented in the OpenAPI document
                name = f"{root.format(addon)}__{blueprint.name}"
                url_prefix = prefix.format(addon) + (blueprint.url_prefix or "")
                rest.register_blueprint(blueprint, name=name, url_prefix=url_prefix)
                owners[name] = addon
                continue
            parent = parents.get(addon)
            if parent is None:
                parent = parents[addon] = Blueprint(
                    root.format(addon), f"yaprak.addon.{addon}", url_prefix=prefix.format(addon)
                )
                owners[parent.name] = addon
            parent.register_blueprint(blueprint)
        for parent in parents.values():
            app.register_blueprint(parent)
    app.extensions[gate_module.BLUEPRINT_OWNERS] = owners

    @app.before_request
    def _before() -> Any:
        if not runtime.core_ready:
            runtime.refresh_state()
            if not runtime.core_ready and request.endpoint != "static":
                return _error_response(
                    503, "Database not initialised", "Run `yaprak init` (or `yaprak db upgrade`)."
                )
        if not runtime.core_ready:
            return None
        refused = require_login()
        if refused is not None:
            return refused
        gate_module.gate()
        return None

    app.teardown_appcontext(close_db_session)

    @app.context_processor
    def _shell() -> dict[str, Any]:
        if g.get("yaprak_error_page"):
            try:  # the request failed: the shell shows what it still can
                return _shell_context(runtime)
            except Exception:
                log.warning("error page without the shell's menu", exc_info=True)
                return _empty_shell(runtime)
        return _shell_context(runtime)

    @app.errorhandler(gate_module.NeedsUpgrade)
    def _needs_upgrade(exc: gate_module.NeedsUpgrade) -> Any:
        return _error_response(503, "Needs upgrade", exc.message)

    @app.errorhandler(TenantViolation)
    def _tenant_violation(_exc: TenantViolation) -> Any:
        # The flush check refused a write across companies: to the user it is a record that
        # does not exist, exactly like a missing id (nothing is written, nothing named).
        from core.web.context import close_db_session

        close_db_session()
        return _error_response(404, "Not Found", "")

    @app.errorhandler(PdfRenderError)
    def _pdf_error(exc: PdfRenderError) -> Any:
        log.warning("PDF %s: %s", request.path, exc)
        return _error_response(exc.status, exc.title, str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if exc.code == 404:
            unavailable = gate_module.unavailable_addon()
            if unavailable:  # enabled here, but cannot load: say so instead of "not found"
                return _error_response(503, "Add-on unavailable", unavailable)
        messages = (getattr(exc, "data", None) or {}).get("messages")
        if exc.code == 422 and isinstance(messages, dict) and request.path.startswith("/api/"):
            # webargs (flask_smorest's @blp.arguments) answers 422 {location: {field: [..]}}:
            # the API answers every bad input the same way, 400 {"errors": {field: [...]}}
            errors: dict[str, Any] = {}
            for by_location in messages.values():
                errors.update(by_location if isinstance(by_location, dict) else {})
            return {"errors": errors or messages}, 400
        # werkzeug's generic English text stays in the API; the page says it in the user's
        # language instead
        generic = exc.description == type(exc).description
        return _error_response(exc.code or 500, exc.name, exc.description or "", generic)

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError) -> Any:
        """An unhandled exception (logged by Flask before this runs): the shell's 500 page
        or a JSON error, never a traceback. With ``PROPAGATE_EXCEPTIONS`` (testing) the
        exception reaches the caller instead."""
        db = g.get("yaprak_db")
        if db is not None:
            try:
                db.rollback()
            except Exception:
                log.warning("rollback after an error failed", exc_info=True)
        try:
            return _error_response(500, exc.name, "Something went wrong.", generic=True)
        except Exception:
            log.exception("the error page itself failed")
            return BARE_500, 500, {"Content-Type": "text/html; charset=utf-8"}

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError) -> Any:
        close_db_session()  # nothing half-written
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        if request.path.startswith("/api/"):
            return {"errors": messages}, 400
        return _error_response(400, "Bad Request", str(messages))

    @app.errorhandler(ListArgumentError)
    def _list_argument_error(exc: ListArgumentError) -> Any:
        if request.path.startswith("/api/"):
            return {"errors": exc.errors}, 400
        return _error_response(400, "Bad Request", str(exc))

    @app.errorhandler(ApiRefused)
    def _api_refused(exc: ApiRefused) -> Any:
        return _error_response(exc.status, exc.title, exc.message)

    return app


# The last resort when even the error page cannot be rendered (both languages, no database).
BARE_500 = """<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>500</title>
<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css"></head>
<body class="p-4"><main class="container"><h1>500</h1>
<p>Bir hata oluştu; kaydedildi. Lütfen biraz sonra yeniden deneyin.</p>
<p lang="en">Something went wrong; it has been logged. Please try again later.</p>
<p><a href="/">Yaprak</a></p></main></body></html>
"""


def _nav_active(url: str) -> bool:
    """Is the current page the menu entry ``url`` or below it? (``/`` only for itself.)"""
    path = request.path
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def _empty_shell(runtime: Runtime) -> dict[str, Any]:
    from core.i18n import LANGUAGE_NAMES

    return {
        "yaprak_company": None,
        "yaprak_user": None,
        "yaprak_companies": [],
        "yaprak_menu": [],
        "yaprak_nav": [],
        "yaprak_nav_active": _nav_active,
        "yaprak_language_names": LANGUAGE_NAMES,
        "yaprak_runtime": runtime,
    }


def _shell_context(runtime: Runtime) -> dict[str, Any]:
    """What base.html needs: user, company, the user's companies, the company's menu."""
    from sqlalchemy import select
    from sqlalchemy.orm import lazyload

    from core.models import Company
    from core.ui import by_sequence, menu_tree
    from core.web.context import current_company, current_user, db_session

    shell = _empty_shell(runtime)
    if not runtime.core_ready:
        return shell
    company = current_company()
    user = current_user()
    if company is not None:
        from core.web.views import core_menu

        addons = hooks().gather("menu_items", company=company, user=user)
        if any(item.roles for item in addons):
            from core.auth import roles_of

            held = roles_of(db_session(), runtime.kernel, user, company)
            addons = [i for i in addons if not i.roles or any(r in held for r in i.roles)]
        shell["yaprak_menu"] = by_sequence(core_menu(user, company) + addons)
        shell["yaprak_nav"] = menu_tree(shell["yaprak_menu"])
    if user is not None:
        ids = [m.company_id for m in user.memberships]
        if company is not None and ids == [company.id]:
            shell["yaprak_companies"] = [company]  # the usual case: no query
        else:
            shell["yaprak_companies"] = (
                db_session()
                .scalars(
                    select(Company)
                    .where(Company.id.in_(ids))
                    .order_by(Company.code)
                    .options(lazyload(Company.addon_rows))  # the switcher needs code and name
                )
                .all()
            )
    shell["yaprak_company"] = company
    shell["yaprak_user"] = user
    return shell


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yaprak")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


class ExtensibleSchemas(BasePlugin):
    """apispec plugin: schemas other add-ons extend (``core.schemas.mark_extensible``) allow
    more properties than they list: the fields of the add-ons a company enabled, each named
    with its add-on's prefix (``acme_notes_note``)."""

    def schema_helper(self, name: str, definition: dict, **kwargs: Any) -> dict | None:
        from core.schemas import EXTENSIBLE

        schema = kwargs.get("schema")
        cls = schema if isinstance(schema, type) else type(schema)
        if cls in EXTENSIBLE:
            note = "Add-ons enabled for the company may add properties, named <addon>_<field>."
            return {"additionalProperties": True, "description": note}
        return None


class YaprakApi(Api):
    """flask-smorest's ``Api`` with Yaprak's error shape (its HTTP error handler is replaced
    by the app's own, registered after it)."""

    ERROR_SCHEMA = ApiErrorSchema


def _decimal_as_string(_converter: Any, field: Any, ret: dict[str, Any], **_: Any) -> dict:
    """Amounts travel as strings ("12.50"): say so in the document, with no numeric bounds
    (JSON Schema compares numbers only; the API still enforces them, answering 400)."""
    from marshmallow import fields

    if isinstance(field, fields.Decimal) and field.as_string:
        ret.pop("minimum", None)
        ret.pop("maximum", None)
        ret.pop("exclusiveMinimum", None)
        ret.pop("exclusiveMaximum", None)
        return {"type": "string", "format": "decimal"}
    return {}


def init_api(app: Flask) -> Api:
    """The OpenAPI document at ``/api/v1/openapi.json``: core's and every add-on's resources
    registered as ``flask_smorest.Blueprint``, with the bearer token as security scheme."""
    app.config.setdefault("API_TITLE", "Yaprak")
    app.config.setdefault("API_VERSION", _version())
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": [{"bearerAuth": []}],
            "info": {"description": "Send `Authorization: Bearer <token>` (yaprak token create)."},
        },
    )
    rest = YaprakApi(app, spec_kwargs={"extra_plugins": [ExtensibleSchemas()]})
    app.extensions["yaprak.api"] = rest
    rest.ma_plugin.converter.add_attribute_function(_decimal_as_string)
    rest.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "yk_..."}
    )
    return rest


def _error_response(status: int, title: str, message: str, generic: bool = False) -> Any:
    """JSON under ``/api/``, else the shell's error page. ``generic``: ``message`` is
    werkzeug's stock English text, replaced on the page by the status's own explanation."""
    if request.path.startswith("/api/"):
        return {"error": {"status": status, "title": title, "message": message}}, status
    g.yaprak_error_page = True
    from werkzeug.http import HTTP_STATUS_CODES

    from core.i18n import translate_message

    specific = title != HTTP_STATUS_CODES.get(status)  # e.g. "PDF took too long": shown as is
    page = render_template(
        "core/error.html",
        status=status,
        title=title,
        specific_title=title if specific else "",
        message="" if generic else translate_message(message),
    )
    return page, status
