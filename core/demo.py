"""The demo company: every loaded add-on enabled, each one's demo data added."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from core.companies import add_company, enable_in_session
from core.kernel import lifecycle
from core.models import Company

if TYPE_CHECKING:
    from core.runtime import Runtime

DEMO_NAME = "Yaprak Demo Ticaret A.Ş."


def build_demo(runtime: Runtime, code: str = "DEMO") -> tuple[bool, list[str]]:
    """Create company ``code`` with demo data unless it exists. Returns (created, add-ons).

    Add-ons are installed first (DDL); the company, its enabled add-ons and all demo
    records are then written in one transaction, so a failing add-on leaves no half demo.
    """
    code = code.strip().upper()
    lifecycle.init_database(runtime)
    lifecycle.upgrade(runtime)
    names = list(runtime.kernel.order)
    with runtime.db.Session() as session:
        if session.scalar(select(Company.id).where(Company.code == code)) is not None:
            return False, []
    if names:
        lifecycle.install(runtime, names)
    with runtime.activate(), runtime.db.transaction() as session:
        company = add_company(session, code, DEMO_NAME, "TRY")
        enable_in_session(runtime, company, names)
        for name in runtime.kernel.order:
            runtime.kernel.call_addon(name, "demo_data", company=company)
    return True, names
