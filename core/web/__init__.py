"""The web application: ``create_app()``, the per-request company and session, the gate."""

from core.web.app import create_app
from core.web.context import current_company, db_session, hooks

__all__ = ["create_app", "current_company", "db_session", "hooks", "render_pdf_template"]


def render_pdf_template(template: str, document: object, **context: object) -> bytes:
    """Render ``template`` to PDF for ``document`` with every enabled add-on's ``pdf_context``,
    the company's own version of the template if it has one, within the time and memory
    limits (see ``core.web.pdf``).

    The template sees ``document``, ``extra`` (``extra.<addon>.<key>``), ``company``,
    ``company_logo``, ``pdf_locale`` and ``context``.
    """
    from core.web.pdf import render_pdf_template as render

    return render(template, document, **context)
