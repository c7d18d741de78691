"""Per-request state: the database session, the user, the current company, its hook relay.

The user comes from the login session (Flask-Login, signed cookie) or an API token
(``Authorization: Bearer yk_...``). The company comes from the token, or from the session
(chosen at login or with the company switcher) and is used only while the user is a member
of it. It never comes from request parameters.

Once the company is known, the request's database session acts for it: every ORM read is
filtered to it and every write checked (``core.tenancy``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import current_app, g, session
from sqlalchemy.orm import Session

from core.cache import SharedCache
from core.companies import cached_company
from core.documents import USER_KEY
from core.models import Company, Membership, MembershipRole, User
from core.tenancy import COMPANY_KEY

if TYPE_CHECKING:
    from core.kernel.relay import HookRelay
    from core.runtime import Runtime

SESSION_COMPANY_KEY = "yaprak_company_id"

# Read on every request, changed rarely: kept per worker while unchanged (core.cache).
USERS = SharedCache("core.users", watches=[User, Membership, MembershipRole])


def runtime() -> Runtime:
    return current_app.extensions["yaprak"]


def db_session() -> Session:
    """The request's database session (closed, and rolled back if not committed, at the end)."""
    if "yaprak_db" not in g:
        from flask import request

        db = runtime().db
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        g.yaprak_db = db.WriteSession() if writes else db.Session()
    return g.yaprak_db


def close_db_session(_exc: BaseException | None = None) -> None:
    db = g.pop("yaprak_db", None)
    if db is not None:
        db.close()


def current_user() -> User | None:
    """The logged-in (or token) user, or None."""
    from flask_login import current_user as proxy

    user = proxy._get_current_object() if proxy else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def current_company() -> Company | None:
    """The company the request acts for, or None (no user, or not a member of any)."""
    if "yaprak_company" in g:
        return g.yaprak_company
    company = None
    user = current_user() if runtime().core_ready else None
    if user is not None:
        token_company = g.get("yaprak_token_company")
        member_of = [m.company_id for m in user.memberships]
        if token_company is not None:
            company = token_company
        else:
            wanted = session.get(SESSION_COMPANY_KEY)
            company_id = wanted if wanted in member_of else (member_of[0] if member_of else None)
            company = cached_company(db_session(), company_id)
    g.yaprak_company = company
    if company is not None:
        db_session().info[COMPANY_KEY] = company.id  # from here on the session acts for it
        db_session().info[USER_KEY] = user.id if user is not None else None  # the audit's "who"
    return company


def hooks() -> HookRelay:
    """The hook relay of the current company (no add-on answers without a company)."""
    company = current_company()
    if company is None:
        return runtime().kernel.relay(())
    return runtime().hooks_for(company)


def user_has_role(*roles: str) -> bool:
    """Whether the current user holds one of ``roles`` in the current company (outside a
    request: False). For showing things; ``require_role`` guards pages."""
    from flask import has_request_context

    from core.auth import roles_of

    if not has_request_context():
        return False
    held = roles_of(db_session(), runtime().kernel, current_user(), current_company())
    return any(role in held for role in roles)


def require_role(role: str) -> None:
    """Abort with 403 unless the current user has ``role`` in the current company."""
    from flask import abort

    from core.auth import has_role

    rt = runtime()
    if not has_role(db_session(), rt.kernel, current_user(), current_company(), role):
        # English as every service message (stable for API clients); the error page shows
        # it in the user's language (core.i18n_terms.MESSAGE_TEMPLATES)
        abort(403, description=f"This needs the role {role}.")


@contextmanager
def request_for(session: Session, company_id: int, language: str | None = None) -> Iterator[None]:
    """A request context of the current runtime's app (made once per runtime) outside the
    web: reading with ``session``, acting for ``company_id``, writing in ``language`` (the
    default language unless given). What renders pages and PDFs, translates lazy labels
    and formats numbers works the same in a job, the worker, the CLI or a script."""
    from core.i18n import in_language
    from core.runtime import current_runtime

    rt = current_runtime()
    app = rt.__dict__.get("_offline_app")
    if app is None:
        from core.web.app import create_app

        app = rt.__dict__["_offline_app"] = create_app(runtime=rt)
    with app.test_request_context("/"):
        g.yaprak_db = session
        g.yaprak_company = cached_company(session, company_id)
        try:
            if language is None:
                yield
            else:
                with in_language(language):
                    yield
        finally:
            g.pop("yaprak_db", None)  # the caller's session: not closed with this context
