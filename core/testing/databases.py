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


# --------------------------------------------------------------------------- reuse
# A test's database costs its schema: about 200 statements to create (migrations replayed)
# and a DROP at the end, 0.3 to 0.6 s a test on PostgreSQL and 0.1 to 0.3 s on SQLite,
# most of a test suite's database time. A suite whose tests all see the same add-ons (the
# same entry points) can reuse them instead: when a test ends its database keeps its tables
# and the kernel's own state (which revisions ran, which add-ons are installed) and loses
# every row; the next test starts from a database where core and those add-ons are already
# installed, and no company, user or document exists. Tests that look at installation
# itself (migrations, add-ons not installed yet, other entry points) must not reuse.

#: tables whose rows are the database's state, not a test's data: kept when a database is
#: emptied for reuse
KERNEL_STATE_TABLES = frozenset({"alembic_version", "core_addon"})

_free: list[str] = []  # emptied databases of finished tests, this process's (xdist: per worker)
_made: list[tuple[Path | None, str | None]] = []  # (SQLite file, schema): dropped at the end


def empty_database(url: str) -> None:
    """Delete every row of the database at ``url`` except the kernel's state, and start its
    id sequences again (one transaction; foreign keys are not checked while it runs)."""
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    from core.db import make_engine

    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                schema = conn.execute(text("SELECT current_schema()")).scalar_one()
                tables = conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
                ).scalars()
                sequences = conn.execute(
                    text(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = :s"
                        " AND last_value IS NOT NULL"
                    ),
                    {"s": schema},
                ).scalars()
                statements = ["SET LOCAL session_replication_role = replica"]  # no FK checks
                statements += [f'DELETE FROM "{t}"' for t in tables if t not in KERNEL_STATE_TABLES]
                statements += [f"SELECT setval('\"{q}\"', 1, false)" for q in sequences]
                conn.exec_driver_sql("; ".join(statements))
            else:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                tables = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                ).scalars()
                for table in list(tables):
                    if table not in KERNEL_STATE_TABLES:
                        conn.exec_driver_sql(f'DELETE FROM "{table}"')
                has_sequences = conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
                ).scalar()
                if has_sequences:
                    conn.exec_driver_sql("DELETE FROM sqlite_sequence")
    finally:
        engine.dispose()


@contextmanager
def reused_database(folder: Path) -> Iterator[str]:
    """Like ``throwaway_database``, but the database may come from a finished test of this
    process (emptied: see above), and goes back for the next one. A test that fails to
    empty it (a connection still open) gives it up: it is dropped at the end."""
    url = _free.pop() if _free else _new_reusable(folder)
    yield url
    try:
        empty_database(url)
    except Exception:  # pragma: no cover - left busy by the test: not reused
        return
    _free.append(url)


def _new_reusable(folder: Path) -> str:
    base = test_database_base_url()
    if base is None:
        path = Path(folder) / f"reused-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        _made.append((path, None))
        return url
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    from core.db import make_engine, normalize_url

    schema = f"r_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    scoped = normalize_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    url = scoped.render_as_string(hide_password=False)
    _made.append((None, schema))
    return url


def drop_reused() -> None:
    """Drop this process's reusable databases (the end of a test session)."""
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    from core.db import make_engine

    base = test_database_base_url()
    for path, schema in _made:
        if path is not None:
            path.unlink(missing_ok=True)
        elif base is not None:
            admin = make_engine(base, poolclass=NullPool)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    _made.clear()
    _free.clear()
