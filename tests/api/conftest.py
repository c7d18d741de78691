"""Fixtures of the JSON API tests: a company with the docs add-on and its clients."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def acme(make_company: Any) -> Any:
    # acme_notes adds a field to the company: responses carry more than the base schema lists
    return make_company("ACME", addons=["docs", "acme_notes"])


@pytest.fixture
def client(acme: Any, company_client: Any) -> Any:
    """An admin who may also request and approve (docs.approver implies docs.requester)."""
    return company_client(acme, roles=["admin", "docs.approver"])
