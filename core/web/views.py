"""Core pages: the home dashboard and the company page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from core.ui import by_sequence
from core.web.context import current_company, current_user, hooks, runtime

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
