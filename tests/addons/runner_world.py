"""Fixtures of the report runner's tests: a company with docs (whose test add-on registers
the ``docs.requests`` report) and reporting, its requests, and a second company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

REPORT = "docs.requests"


@dataclass
class ReportWorld:
    runtime: Any
    company: Any
    other: Any
    partner_ids: dict[str, int]
    other_partner_id: int
    request_ids: list[int]


def _requests(runtime: Any, company_id: int, rows: list[tuple[str, date, str, str, str]]) -> Any:
    from yk_docs.models import DocsRequest, DocsRequestLine

    from core.partners import create_partner

    made, partners = [], {}
    with runtime.db.transaction(company_id) as session:
        for partner, day, note, qty, price in rows:
            if partner not in partners:
                partners[partner] = create_partner(
                    session, {"name": partner, "is_customer": True}
                ).id
            request = DocsRequest(partner_id=partners[partner], note=note, date=day)
            request.lines = [
                DocsRequestLine(
                    description=note, quantity=Decimal(qty), unit_price=Decimal(price), tax_rate=0
                )
            ]
            request.recompute()
            session.add(request)
            session.flush()
            made.append(request.id)
    return partners, made


@pytest.fixture
def rep(yaprak_runtime, make_company) -> ReportWorld:
    return make_world(yaprak_runtime, make_company)


def make_world(yaprak_runtime: Any, make_company: Any) -> ReportWorld:
    """Companies RAPOR (three requests of two partners) and DIGER (one request)."""
    company = make_company("RAPOR", addons=["docs", "reporting"])
    other = make_company("DIGER", addons=["docs", "reporting"])
    partners, ids = _requests(
        yaprak_runtime,
        company.id,
        [
            ("Ayşe Tekstil", date(2026, 10, 5), "kumaş", "2", "100"),
            ("Ayşe Tekstil", date(2026, 10, 20), "=cmd|' /C calc'!A0", "1", "50.5"),
            ("Işık Yapı", date(2026, 11, 2), "çimento", "3", "10"),
        ],
    )
    other_partners, _ = _requests(
        yaprak_runtime, other.id, [("Gizli Ltd", date(2026, 10, 1), "secret", "1", "999")]
    )
    return ReportWorld(yaprak_runtime, company, other, partners, other_partners["Gizli Ltd"], ids)


@pytest.fixture
def reporter(rep, company_client):
    """A user who may run the report (reporting.user and the report's docs.requester)."""
    return company_client(rep.company, roles=["reporting.user", "docs.requester"])
