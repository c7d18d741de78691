"""Login, logout, the company switcher, API tokens and CSRF for the web app.

Pages need a logged-in user (Flask-Login, signed session cookie); the JSON API accepts the
session or ``Authorization: Bearer <token>``. Every unsafe request authenticated by the
session carries a CSRF token (a form field, or the ``X-CSRFToken`` header for htmx and
scripts); token-authenticated API calls need none (no cookie is involved).
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from core.i18n import LANGUAGES, SESSION_LANGUAGE_KEY, _
from core.web.context import SESSION_COMPANY_KEY, current_user, db_session, runtime

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
PUBLIC_ENDPOINTS = {"auth.login", "auth.set_language", "static"}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def init_auth(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in require_login below
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the whole session
    csrf.init_app(app)
    manager = LoginManager(app)
    manager.session_protection = "basic"

    @manager.user_loader
    def _load_user(user_id: str) -> Any:
        from core.cache import cached_instance
        from core.models import User
        from core.web.context import USERS

        if not runtime().core_ready:
            return None
        session, ident = db_session(), int(user_id)
        user = cached_instance(  # no query while no user, membership or role changed
            USERS, session, ident, lambda: session.get(User, ident, options=_user_options())
        )
        return user if user is not None and user.active else None

    @manager.unauthorized_handler
    def _unauthorized() -> Any:
        if _is_api():
            message = (
                "invalid or revoked token"
                if g.get("yaprak_bad_token")
                else "log in or send a token"
            )
            return {"error": {"status": 401, "title": "Unauthorized", "message": message}}, 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.register_blueprint(bp)


@cache
def _user_options() -> list[Any]:
    """The logged-in user with memberships and roles: one query on every request, not
    three (the options are built once: building them is a good part of the query's cost)."""
    from sqlalchemy.orm import joinedload

    from core.models import Membership, User

    return [joinedload(User.memberships).joinedload(Membership.role_rows)]


def require_login() -> Any:
    """before_request: everything but the login page needs a user; session writes need CSRF."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    token = _bearer()
    if token is not None:  # a token decides alone: no cookie, so no CSRF either
        from core.auth import authenticate_token

        found = authenticate_token(db_session(), token)
        if found is None:
            g.yaprak_bad_token = True
            g._login_user = None
            return current_app_login_manager().unauthorized()
        user, company = found
        db_session().commit()  # last_used_at
        g._login_user = user  # Flask-Login's current_user for this request
        g.yaprak_token_company = company
        return None
    if current_user() is None:
        return current_app_login_manager().unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS") and g.get("yaprak_token_company") is None:
        try:
            csrf.protect()
        except CSRFError as exc:
            abort(400, description=_("CSRF check failed: %(reason)s", reason=exc.description))
    return None


def current_app_login_manager() -> LoginManager:
    from flask import current_app

    return current_app.login_manager  # type: ignore[attr-defined]


def _safe_next(target: str | None) -> str:
    """Only a local path is followed after login (no open redirect)."""
    if not target:
        return url_for("core.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("core.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    from core.auth import find_user, verify_password

    error = None
    email = ""
    if request.method == "POST":
        try:
            csrf.protect()
        except CSRFError:
            abort(400, description=_("The form expired: reload the page and try again."))
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        user = find_user(db_session(), email)
        if user is None or not user.active or not verify_password(user, password):
            error = _("E-mail or password is wrong.")
        elif not user.memberships:
            error = _("This user is not a member of any company yet.")
        else:
            login_user(user)
            session[SESSION_COMPANY_KEY] = user.memberships[0].company_id
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("core/login.html", error=error, email=email), status


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    session.pop(SESSION_COMPANY_KEY, None)
    return redirect(url_for("auth.login"))


@bp.post("/company/switch")
def switch_company() -> Any:
    """Act for another company the user is a member of (the id comes from the user's own
    memberships; any other id is refused)."""
    user = current_user()
    try:
        wanted = int(request.form.get("company_id", ""))
    except ValueError:
        abort(400, description=_("company_id: a company id is needed"))
    if user is None or wanted not in {m.company_id for m in user.memberships}:
        abort(404)
    session[SESSION_COMPANY_KEY] = wanted
    flash(_("Company switched."), "success")
    return redirect(url_for("core.home"))


@bp.post("/language")
def set_language() -> Any:
    """Choose the interface language: stored on the user (kept across logins and devices)."""
    try:
        csrf.protect()  # public (the login page offers it too), so checked here
    except CSRFError:
        abort(400, description=_("The form expired: reload the page and try again."))
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(
            400, description=_("language: choose one of %(choices)s", choices=", ".join(LANGUAGES))
        )
    user = current_user()
    if user is not None:
        user.language = language
        db_session().commit()
    session[SESSION_LANGUAGE_KEY] = language
    back = urlsplit(request.referrer or "")
    same_site = back.netloc == request.host
    came_from = (back.path + ("?" + back.query if back.query else "")) if same_site else ""
    return redirect(_safe_next(request.form.get("next") or came_from))
