"""Core pages: the home dashboard and the company page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.i18n import _
from core.ui import by_sequence
from core.web.context import current_company, current_user, db_session, hooks, runtime

bp = Blueprint("core", __name__)


def _company_or_404():
    company = current_company()
    if company is None:
        abort(404)
    return company


@bp.get("/")
def home() -> str:
    company = current_company()
    cards = []
    if company is not None:
        cards = by_sequence(hooks().gather("dashboard_cards", company=company, user=current_user()))
    return render_template("core/home.html", company=company, cards=cards)


@bp.get("/company")
def company_page() -> str:
    company = _company_or_404()
    relay = hooks()
    sections = by_sequence(relay.gather("document_form_sections", document=company))
    actions = by_sequence(relay.gather("document_actions", document=company, user=current_user()))
    kernel = runtime().kernel
    addons = [
        (name, kernel.available[name].manifest.summary)
        for name in kernel.order
        if name in company.enabled_addons
    ]
    return render_template(
        "core/company.html", company=company, sections=sections, actions=actions, addons=addons
    )


@bp.post("/views")
def save_view() -> Any:
    """Save the current arguments of a list under a name for this user (and company)."""
    from urllib.parse import parse_qs

    from werkzeug.datastructures import MultiDict

    from core.listing import ListArgumentError, parse_args
    from core.models import SavedView
    from core.web.lists import LISTS, _field_messages

    user, company = current_user(), _company_or_404()
    form = request.form
    view = LISTS.get(form.get("list_key", ""))
    name = (form.get("name") or "").strip()
    errors: dict[str, list[str]] = {}
    if view is None:
        errors["list_key"] = [_("unknown list")]
    if not name or len(name) > 80:
        errors["name"] = [_("a name of 1 to 80 characters")]
    query = form.get("query", "")
    pairs = [
        (k, v)
        for k, values in parse_qs(query, keep_blank_values=False).items()
        if k not in ("after", "before", "page", "view", "csrf_token", "export")
        for v in values
    ]
    if view is not None:
        try:
            parse_args(view.spec, MultiDict(pairs), db_session())
        except ListArgumentError as exc:
            errors.update({f"query.{k}": v for k, v in exc.errors.items()})
    if errors:
        abort(400, description=_field_messages(errors))
    from urllib.parse import urlencode

    session = db_session()
    saved = session.scalar(
        select(SavedView).where(
            SavedView.user_id == user.id,
            SavedView.list_key == view.spec.key,
            SavedView.name == name,
        )
    ) or SavedView(user_id=user.id, list_key=view.spec.key, name=name)
    saved.query = urlencode(pairs)
    saved.is_default = form.get("is_default") == "1"
    if saved.is_default:
        for other in session.scalars(
            select(SavedView).where(
                SavedView.user_id == user.id, SavedView.list_key == view.spec.key
            )
        ):
            if other is not saved:
                other.is_default = False
    session.add(saved)
    session.commit()
    flash(_("View %(name)s saved.", name=name), "success")
    del company
    return redirect(_local(form.get("next")))


@bp.post("/views/<int:view_id>/delete")
def delete_view(view_id: int) -> Any:
    from core.models import SavedView

    session = db_session()
    saved = session.get(SavedView, view_id)
    user = current_user()
    if saved is None or user is None or saved.user_id != user.id:
        abort(404)
    session.delete(saved)
    session.commit()
    flash(_("View %(name)s deleted.", name=saved.name), "success")
    return redirect(_local(request.referrer and urlsplit(request.referrer).path))


def _local(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("core.home")
    return target


def core_menu(user: Any, company: Any) -> list[Any]:
    """Core's own entries of the navigation: the master data, and Settings for admins."""
    from core.auth import has_role
    from core.i18n import lazy_gettext as _l
    from core.ui import MenuItem

    if company is None or user is None:
        return []
    items = [
        MenuItem(str(_l("Partners")), "/partners", sequence=5, group=str(_l("Master data"))),
        MenuItem(str(_l("Products")), "/products", sequence=6, group=str(_l("Master data"))),
    ]
    if has_role(db_session(), runtime().kernel, user, company, "admin"):
        settings = str(_l("Settings"))
        for sequence, label, url in (
            (900, _l("Company"), "/admin/company"),
            (901, _l("Users"), "/admin/users"),
            (902, _l("Add-ons"), "/admin/addons"),
            (903, _l("Workflows"), "/admin/workflows"),
            (904, _l("Number sequences"), "/admin/sequences"),
            (905, _l("Outbox"), "/admin/outbox"),
            (906, _l("New company"), "/admin/companies/new"),
        ):
            items.append(MenuItem(str(label), url, sequence=sequence, group=settings))
    return items
