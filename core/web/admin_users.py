"""Administration: the company's users and their roles."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.i18n import _
from core.web.admin import bp
from core.web.context import current_company, current_user, db_session, require_role, runtime


def _roles_for(company: Any) -> list[Any]:
    """Core's roles and those of the add-ons enabled for the company."""
    from core.auth import all_roles

    enabled = company.enabled_addons
    return [
        r
        for r in sorted(
            all_roles(runtime().kernel).values(), key=lambda r: (r.addon != "core", r.name)
        )
        if r.addon == "core" or r.addon in enabled
    ]


def _members(company: Any) -> list[Any]:
    from core.models import Membership, User

    return list(
        db_session().execute(
            select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.company_id == company.id)
            .order_by(User.email)
        )
    )


@bp.get("/users")
def users() -> Any:
    require_role("admin")
    company = current_company()
    return render_template(
        "core/admin/users.html",
        members=_members(company),
        roles=_roles_for(company),
        errors={},
        values={},
    )


@bp.post("/users")
def add_member() -> Any:
    """Add a user to the company (a new user, or one who belongs to another company)."""
    from core.auth import add_user, find_user, grant, membership
    from core.companies import InvalidField

    require_role("admin")
    company = current_company()
    form = request.form
    session = db_session()
    errors: dict[str, list[str]] = {}
    email = (form.get("email") or "").strip()
    roles = [r for r in form.getlist("roles") if r]
    known = {r.name for r in _roles_for(company)}
    if [r for r in roles if r not in known]:
        errors["roles"] = [_("unknown role")]
    if not roles:
        errors["roles"] = [_("choose at least one role")]
    user = find_user(session, email) if email else None
    if not email:
        errors["email"] = [_("an e-mail address is needed")]
    elif user is not None and membership(session, user, company) is not None:
        errors["email"] = [_("already a member of this company")]
    if not errors:
        try:
            if user is None:
                user = add_user(
                    session,
                    email,
                    form.get("name", ""),
                    form.get("password") or None,
                    form.get("language", "tr"),
                )
            grant(session, runtime().kernel, user, company, roles)
            session.commit()
        except InvalidField as exc:  # e-mail form, password rules, language
            session.rollback()
            errors[exc.field] = [exc.message]
    if errors:
        company = current_company()
        return (
            render_template(
                "core/admin/users.html",
                members=_members(company),
                roles=_roles_for(company),
                errors=errors,
                values=form,
            ),
            400,
        )
    flash(_("%(email)s added.", email=user.email), "success")
    return redirect(url_for("admin.users"))


def _member_or_404(user_id: int) -> tuple[Any, Any]:
    from core.auth import membership
    from core.models import User

    company = current_company()
    user = db_session().get(User, user_id)
    member = membership(db_session(), user, company) if user is not None else None
    if member is None:  # not a member here: as good as missing
        abort(404)
    return user, member


@bp.post("/users/<int:user_id>/roles")
def set_roles(user_id: int) -> Any:
    from core.auth import LastAdministrator
    from core.auth import set_roles as set_member_roles
    from core.companies import InvalidField

    require_role("admin")
    user, _member = _member_or_404(user_id)
    wanted = {r for r in request.form.getlist("roles") if r}
    try:
        set_member_roles(db_session(), runtime().kernel, user, current_company(), wanted)
    except InvalidField as exc:
        abort(400, description=f"roles: {exc.message}")
    except LastAdministrator:
        db_session().rollback()
        flash(_("The company would have no administrator left."), "danger")
        return redirect(url_for("admin.users"))
    db_session().commit()
    flash(_("Roles of %(email)s saved.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/remove")
def remove_member(user_id: int) -> Any:
    from core.auth import LastAdministrator
    from core.auth import remove_member as remove

    require_role("admin")
    user, _member = _member_or_404(user_id)
    if current_user() is not None and user.id == current_user().id:
        flash(_("You cannot remove yourself."), "danger")
        return redirect(url_for("admin.users"))
    try:
        remove(db_session(), user, current_company())
    except LastAdministrator:
        db_session().rollback()
        flash(_("The company would have no administrator left."), "danger")
        return redirect(url_for("admin.users"))
    db_session().commit()
    flash(_("%(email)s no longer belongs to this company.", email=user.email), "success")
    return redirect(url_for("admin.users"))
