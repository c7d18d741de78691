"""Throw-away databases for tests and benchmarks (no pytest needed to import this)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEST_DB_ENV = "YAPRAK_TEST_DATABASE_URL"


def test_database_base_url() -> str | None:
    """The PostgreSQL URL tests run against, or None for SQLite."""
    return os.environ.get(TEST_DB_ENV) or None


@contextmanager
def postgres_schema(url: str, prefix: str = "t") -> Iterator[str]:
    """A URL to a new schema of the PostgreSQL database at ``url`` (its ``search_path``),
    dropped with everything in it afterwards. A schema is made in milliseconds, a database
    in hundreds of them."""
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    from core.db import make_engine, normalize_url

    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = make_engine(url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = normalize_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def throwaway_database(folder: Path, name: str = "yaprak") -> Iterator[str]:
    """An empty database: an SQLite file ``folder/<name>.db``, or with
    ``YAPRAK_TEST_DATABASE_URL`` set, a new schema in that PostgreSQL database."""
    base = test_database_base_url()
    if base is None:
        yield f"sqlite:///{Path(folder) / f'{name}.db'}"
        return
    with postgres_schema(base) as url:
        yield url
