"""PDFs in the web app: ``render_pdf_template`` and the generic document PDF route.

``GET /documents/<document_type>/<id>.pdf`` renders any document whose class names a
template (``__pdf_template__``). It answers 404, the same as for a missing id, when the
company has not enabled the document's add-on, when the user lacks the document's read role
(``__read_role__``: a 403 would tell that the document exists), or when the id is another
company's (the request's session only sees the current company's rows).
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app
from jinja2 import ChoiceLoader, Environment, FunctionLoader, TemplateNotFound
from sqlalchemy import select

from core.web.context import current_company, current_user, db_session, hooks, runtime

bp = Blueprint("pdf", __name__)

TRUSTED_ENV = "yaprak.pdf_env"
SANDBOXES = "yaprak.pdf_sandboxes"
MAX_SANDBOXES = 32
_CACHE_LOCK = threading.Lock()


def _gettext(app: Flask) -> Any:
    """The app's ``gettext`` when translations are installed (Flask-Babel), else None."""
    return app.jinja_env.globals.get("gettext")


def pdf_environment(app: Flask, company_id: int | None) -> Environment:
    """The environment to render ``company_id``'s PDFs in: the file templates, or, when the
    company edited templates, a sandbox whose loader finds its own versions first."""
    from core.models import TemplateOverride
    from core.pdf import template_environment

    rows = []
    if company_id is not None:
        rows = (
            db_session()
            .execute(
                select(TemplateOverride.id, TemplateOverride.name, TemplateOverride.updated_at)
                .where(TemplateOverride.company_id == company_id)
                .order_by(TemplateOverride.name)
            )
            .all()
        )
    if not rows:
        env = app.extensions.get(TRUSTED_ENV)
        if env is None:
            env = app.extensions[TRUSTED_ENV] = template_environment(
                app.jinja_loader, sandboxed=False, gettext=_gettext(app)
            )
        return env
    cache: OrderedDict = app.extensions.setdefault(SANDBOXES, OrderedDict())
    key = (company_id, tuple(tuple(row) for row in rows))
    with _CACHE_LOCK:
        env = cache.get(key)
        if env is not None:
            cache.move_to_end(key)
            return env
    found = db_session().execute(
        select(TemplateOverride.name, TemplateOverride.source).where(
            TemplateOverride.company_id == company_id
        )
    )
    sources = {name: source for name, source in found}

    def own(name: str) -> tuple[str, str, Any] | None:
        if name not in sources:
            return None
        return sources[name], name, lambda: True  # named in errors ("... line 3")

    loader = ChoiceLoader([FunctionLoader(own), app.jinja_loader])
    env = template_environment(loader, sandboxed=True, gettext=_gettext(app))
    with _CACHE_LOCK:
        cache[key] = env
        while len(cache) > MAX_SANDBOXES:
            cache.popitem(last=False)
    return env


def _logo_url(company: Any) -> str | None:
    if company is None or not company.logo_type:
        return None
    return f"data:{company.logo_type};base64,{base64.b64encode(company.logo or b'').decode()}"


def document_html(template: str, document: object, deadline: float, **context: Any) -> str:
    """The HTML of ``template`` for ``document``: context below, plus ``context``.

    ``document``, ``extra`` (``extra.<addon>.<key>`` from ``pdf_context``), ``company``,
    ``company_logo`` (a ``data:`` URL or None) and ``pdf_locale``, all in the document's
    language (``document_language``: its partner's, else the user's).
    """
    from core.i18n import in_language
    from core.pdf import PdfRenderError, render_template_text

    company = current_company()
    language = document_language(document, current_user())
    config = runtime().config
    env = pdf_environment(current_app, company.id if company is not None else None)
    with in_language(language):
        values = {
            "document": document,
            "extra": _extras(document),
            "company": company,
            "company_logo": _logo_url(company),
            "pdf_locale": language,
            **context,
        }
        try:
            compiled = env.get_template(template)
        except TemplateNotFound as exc:
            raise PdfRenderError(f"no template {exc.name!r}") from None
        except Exception as exc:  # a company's template that no longer compiles
            raise PdfRenderError(f"template {template}: {type(exc).__name__}: {exc}") from None
        max_chars = config.pdf_memory_mb * 65536  # HTML a PDF may start from: 1/16 of it
        return render_template_text(compiled, values, deadline, max_chars, config.pdf_timeout)


def document_language(document: object, user: object) -> str:
    """The language a document is printed in: its partner's (the customer reads it, as
    Odoo prints), else the user's, else Turkish."""
    from core.i18n import LANGUAGES

    own = getattr(document, "pdf_language", None)  # a printout that names its reader's
    if own in LANGUAGES:
        return own
    partner = getattr(document, "partner", None)
    language = getattr(partner, "language", None)
    if language in LANGUAGES:
        return language
    return getattr(user, "language", None) or "tr"


def _extras(document: object) -> dict[str, dict[str, Any]]:
    from core.pdf import pdf_extras

    return pdf_extras(hooks(), document)


def render_pdf_template(template: str, document: object, **context: Any) -> bytes:
    """Render ``template`` to PDF for ``document`` with every enabled add-on's ``pdf_context``,
    within the configured time and memory limits (``core.pdf``)."""
    from core.pdf import render_pdf

    config = runtime().config
    started = time.monotonic()
    html = document_html(template, document, started + config.pdf_timeout, **context)
    static_dirs = current_app.extensions["yaprak.static_dirs"]
    return render_pdf(html, static_dirs, config.pdf_timeout, config.pdf_memory_mb, started)


def document_pdf_bytes(session: Any, document: Any) -> bytes:
    """``document``'s PDF (its ``__pdf_template__``) from anywhere: in a web request as the
    PDF route makes it, and outside one (a scheduled job, the worker, a script) through an
    app of the current runtime made once per runtime, in a request context of its own that
    reads with ``session`` and acts for the document's company. The same templates, add-ons'
    ``pdf_context``, company templates and limits apply either way."""
    return template_pdf_bytes(session, document.company_id, document.__pdf_template__, document)


def template_pdf_bytes(
    session: Any, company_id: int, template: str, document: Any, **context: Any
) -> bytes:
    """``render_pdf_template`` from anywhere (``document_pdf_bytes``, for any template and
    printable object: a report, a statement), acting for ``company_id`` outside a request."""
    from flask import has_request_context

    if has_request_context():
        return render_pdf_template(template, document, **context)
    from core.web.context import request_for

    with request_for(session, company_id):
        return render_pdf_template(template, document, **context)


def owner_of(cls: type) -> str | None:
    """The add-on whose package defines ``cls`` (None for core's own documents)."""
    kernel = runtime().kernel
    for name, spec in kernel.available.items():
        if cls.__module__ == spec.module or cls.__module__.startswith(spec.module + "."):
            return name
    return None


@bp.get("/documents/<document_type>/<int:document_id>.pdf")
def document_pdf(document_type: str, document_id: int) -> Response:
    """The PDF of one document (see the module docstring for who gets a 404)."""
    from core.auth import has_role
    from core.documents import document_classes
    from core.web.gate import NeedsUpgrade

    company = current_company()
    cls = document_classes().get(document_type)
    if company is None or cls is None or not cls.__pdf_template__:
        abort(404)
    addon = owner_of(cls)
    rt = runtime()
    if addon is not None:
        if addon not in company.enabled_addons:
            abort(404)
        if addon in rt.needs_upgrade:
            raise NeedsUpgrade(addon, rt.needs_upgrade[addon])
    role = cls.__read_role__
    if role and not has_role(db_session(), rt.kernel, current_user(), company, role):
        abort(404)
    document = db_session().get(cls, document_id)
    if document is None:
        abort(404)
    pdf = render_pdf_template(cls.__pdf_template__, document)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", document.display_name).strip("_") or "document"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )
