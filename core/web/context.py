"""Per-request state: the database session, the current company, its hook relay.

Until login arrives, the current company is the one stored in the signed session
cookie (tests set it through ``core.testing``), else ``YAPRAK_DEFAULT_COMPANY``. It never
comes from request parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, session
from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from core.kernel.relay import HookRelay
    from core.models import Company
    from core.runtime import Runtime

SESSION_COMPANY_KEY = "yaprak_company_id"


def runtime() -> Runtime:
    return current_app.extensions["yaprak"]


def db_session() -> Session:
    """The request's database session (closed, and rolled back if not committed, at the end)."""
    if "yaprak_db" not in g:
        g.yaprak_db = runtime().db.Session()
    return g.yaprak_db


def close_db_session(_exc: BaseException | None = None) -> None:
    db = g.pop("yaprak_db", None)
    if db is not None:
        db.close()


def current_company() -> Company | None:
    """The company the request acts for, or None."""
    if "yaprak_company" in g:
        return g.yaprak_company
    from core.models import Company

    company = None
    rt = runtime()
    if rt.core_ready:
        company_id = session.get(SESSION_COMPANY_KEY)
        if company_id is not None:
            company = db_session().get(Company, company_id)
        elif rt.config.default_company:
            company = db_session().scalar(
                select(Company).where(Company.code == rt.config.default_company.upper())
            )
    g.yaprak_company = company
    return company


def hooks() -> HookRelay:
    """The hook relay of the current company (no add-on answers without a company)."""
    company = current_company()
    if company is None:
        return runtime().kernel.relay(())
    return runtime().hooks_for(company)
