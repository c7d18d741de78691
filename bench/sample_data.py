"""What the benchmarks share: sample rows inserted in bulk (Core inserts, no ORM: building
100,000 partners takes seconds) and a throw-away PostgreSQL schema per run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from core.models import Partner

CITIES = ["istanbul", "ankara", "izmir", "bursa", "antalya", "adana", "konya", "trabzon"]


def partner_rows(company_id: int, start: int, stop: int) -> list[dict[str, Any]]:
    """Partners ``start``..``stop - 1`` of a company: every 3rd a customer, 5th a prospect,
    7th a vendor, credit limits 0 to 49,000, a city in the search key."""
    now = datetime.now(UTC)
    return [
        {
            "company_id": company_id,
            "name": f"Partner {i:06d}",
            "is_company": True,
            "is_customer": i % 3 == 0,
            "is_prospect": i % 5 == 0,
            "is_vendor": i % 7 == 0,
            "credit_limit": (i % 50) * 1000,
            "currency": "TRY",
            "language": "tr",
            "active": True,
            "search_key": f"partner {i:06d} {CITIES[i % len(CITIES)]}",
            "created_at": now,
        }
        for i in range(start, stop)
    ]


def batches(total: int, size: int = 20_000) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


def insert_partners(engine: Any, company_id: int, total: int) -> None:
    """``total`` partners for ``company_id``, in batches of 20,000."""
    for start, stop in batches(total):
        with engine.begin() as conn:
            conn.execute(insert(Partner.__table__), partner_rows(company_id, start, stop))


def postgres_schema(url: str) -> Any:
    """A URL to a throw-away schema of the PostgreSQL database at ``url``, dropped after."""
    from core.testing.databases import postgres_schema as schema

    return schema(url, prefix="bench")


def settle(engine: Any) -> None:
    """After the bulk load, what the database does by itself soon after a big import:
    statistics for the planner and, on PostgreSQL, the visibility map (autovacuum's
    ``VACUUM ANALYZE``; without it an index-only scan still visits every table row)."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
