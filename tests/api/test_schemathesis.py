"""Property-based run of every operation in the OpenAPI document (schemathesis).

Cases are generated from ``/api/v1/openapi.json`` and sent to the app (WSGI) with a
company's bearer token: no answer may be a 5xx, and every answer must match the document.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = 5  # per operation and mode: about 90 operations, 900 requests in all


@pytest.fixture
def seeded(client):
    """Records for the generated ids to hit now and then (ids start at 1)."""
    for name in ("Ayşe", "Işık", "Zeynep"):
        client.post("/api/v1/core/partners", json={"name": name, "is_customer": True})
    client.post("/api/v1/core/products", json={"code": "P-1", "name": "Şeker"})
    client.post(
        "/api/v1/docs/requests",
        json={"note": "n", "lines": [{"description": "x", "quantity": "1", "unit_price": "5"}]},
    )
    return client


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_a_server_error(seeded, yaprak_app, mode):
    auth = {"Authorization": f"Bearer {seeded.token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", yaprak_app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call_and_validate(
                headers=auth, checks=[not_a_server_error, response_schema_conformance]
            )
            statuses.append(response.status_code)

        check()
    assert len(statuses) > len(operations) * 2  # the cases were really sent
    assert all(status < 500 for status in statuses)
    if mode is GenerationMode.POSITIVE:
        assert {200, 201} <= set(statuses)
    else:
        assert 400 in statuses
