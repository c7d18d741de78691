"""Fixtures for the built-in add-ons' tests: a company with sales, its people and products."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from core.auth import add_user, grant
from core.models import Company, PaymentTerm
from core.partners import create_partner
from core.products import create_product

from .replenishment_world import fake_purchasing, repl_world  # noqa: F401 (materials' fixtures)
from .runner_world import rep, reporter  # noqa: F401 (the report runner's fixtures)


@dataclass
class SalesWorld:
    runtime: Any
    company_id: int
    user_id: int
    prospect_id: int
    customer_id: int
    goods_id: int
    service_id: int
    term_id: int

    def session(self) -> Any:
        """A write session acting for the company (commit it yourself)."""
        from core.documents import act_as

        session = self.runtime.db.session_for(self.company_id, write=True)
        act_as(session, self.user_id)
        return session

    def user(self, session: Any) -> Any:
        from core.models import User

        return session.get(User, self.user_id)


@pytest.fixture
def sales_world(yaprak_runtime, make_company) -> SalesWorld:
    company = make_company("SATIS", addons=["sales"])
    with yaprak_runtime.db.transaction() as session:
        user = add_user(session, "satis@satis.test", "Selin Satış", "parola-123")
        grant(
            session,
            yaprak_runtime.kernel,
            user,
            session.get(Company, company.id),
            ["sales.manager"],
        )
        user_id = user.id
    with yaprak_runtime.db.transaction(company.id) as session:
        term = PaymentTerm(name="30 gün", days=30)
        session.add(term)
        session.flush()
        prospect = create_partner(
            session,
            {"name": "Karadeniz Lojistik A.Ş.", "is_prospect": True, "email": "info@kl.test"},
        )
        customer = create_partner(
            session,
            {"name": "Ege Yapı Ltd.", "is_customer": True, "payment_term_id": term.id},
        )
        goods = create_product(
            session,
            {
                "code": "CIM-50",
                "name": "Çimento 50 kg",
                "list_price": "100",
                "cost_price": "60",
                "tax_rate": 20,
            },
        )
        service = create_product(
            session,
            {
                "code": "MONTAJ",
                "name": "Montaj hizmeti",
                "type": "service",
                "list_price": "500",
                "cost_price": "0",
                "tax_rate": 20,
            },
        )
        ids = (prospect.id, customer.id, goods.id, service.id, term.id)
    return SalesWorld(yaprak_runtime, company.id, user_id, *ids)


@pytest.fixture
def company(sales_world, yaprak_runtime):
    """The sales world's company, detached (for ``company_client``)."""
    with yaprak_runtime.db.Session() as s:
        found = s.get(Company, sales_world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def web(company, company_client):
    """A sales manager's web client; ``web.token_`` is a CSRF token for form posts."""
    client = company_client(company, roles=["sales.manager"])
    client.token_ = client.csrf_token()
    return client


D = Decimal


@pytest.fixture
def purchasing_world(yaprak_runtime, make_company):
    """A company with purchasing: people by role, two warehouses, vendors, products
    (``tests/addons/purchasing_world.py``)."""
    from .purchasing_world import make_world

    return make_world(yaprak_runtime, make_company)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A database holding the small demo (every add-on), built once per test process for
    the tests that only read it (a module uses it by overriding ``yaprak_database_url``
    with it). Building the demo takes seconds; four modules read the same one."""
    from core.demo import build_demo
    from core.kernel.discovery import installed_entry_points
    from core.testing.databases import throwaway_database
    from core.testing.plugin import make_runtime

    from ..conftest import DOCS, HEALTHY, fixture_eps

    folder = tmp_path_factory.mktemp("demo")
    with throwaway_database(folder) as url:
        eps = fixture_eps({**HEALTHY, **DOCS}) + installed_entry_points()
        runtime = make_runtime(url, folder / "instance", eps)
        with runtime.activate():
            created, addons = build_demo(runtime, "DEMO", "small")
        runtime.db.dispose()
        assert created and {"sales", "materials", "purchasing"} <= set(addons)
        yield url


@pytest.fixture
def demo(yaprak_runtime):
    """The demo company of ``demo_database`` (for modules that read it)."""
    from core.companies import get_company

    with yaprak_runtime.db.Session() as session:
        return get_company(session, "DEMO")
