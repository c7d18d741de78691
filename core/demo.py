"""The demo company: every loaded add-on enabled, each one's demo data added."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from core.auth import add_user, find_user, grant
from core.companies import add_company, enable_in_session
from core.kernel import lifecycle
from core.models import Company
from core.tenancy import act_for

if TYPE_CHECKING:
    from core.runtime import Runtime

DEMO_NAME = "Yaprak Demo Ticaret A.Ş."
DEMO_PASSWORD = "demo1234"


def demo_email(code: str) -> str:
    return f"admin@{code.lower()}.demo"


def core_demo_data(company: Company) -> None:
    """Core's own demo records (partners, products) come with the business base."""


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
        act_for(session, company)
        user = find_user(session, demo_email(code)) or add_user(
            session, demo_email(code), "Demo Yönetici", DEMO_PASSWORD
        )
        grant(session, runtime.kernel, user, company, ["admin"])
        core_demo_data(company)
        enable_in_session(runtime, company, names)
        for name in runtime.kernel.order:
            runtime.kernel.call_addon(name, "demo_data", company=company)
    return True, names
