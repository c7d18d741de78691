"""The web application: ``create_app()``, the per-request company and session, the gate."""

from core.web.app import create_app
from core.web.context import current_company, db_session, hooks

__all__ = ["create_app", "current_company", "db_session", "hooks", "render_pdf_template"]


def render_pdf_template(template: str, document: object, **context: object) -> bytes:
    """Render ``template`` to PDF for ``document`` with every enabled add-on's ``pdf_context``.

    The template sees ``document``, ``extra`` (``extra.<addon>.<key>``) and ``context``.
    """
    from flask import current_app, render_template

    from core.pdf import pdf_extras, render_pdf

    html = render_template(
        template, document=document, extra=pdf_extras(hooks(), document), **context
    )
    return render_pdf(html, current_app.extensions["yaprak.static_dirs"])
