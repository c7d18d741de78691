"""Database: the declarative ``Base`` every model uses, engines and sessions.

SQLite is the embedded default, PostgreSQL the production engine. On SQLite the
pysqlite driver's own transaction handling is switched off and SQLAlchemy emits ``BEGIN``
itself (``BEGIN IMMEDIATE`` for write transactions; the recipe from SQLAlchemy's SQLite
dialect documentation): that makes DDL transactional, so a migration that fails halfway
rolls back on SQLite too, and SAVEPOINTs work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)

from core.types import UTCDateTime

#: Stable constraint names: Alembic needs them to alter or drop constraints later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base of core and every add-on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class CompanyOwned:
    """Mixin for rows that belong to a company (a tenant): ``company_id``, indexed."""

    @declared_attr
    def company_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("core_company.id", ondelete="CASCADE"), index=True, nullable=False
        )


class Timestamped:
    """Mixin: ``created_at`` set on insert (UTC, timezone-aware)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def normalize_url(url: str | URL) -> URL:
    """``postgresql://`` means psycopg 3 here; everything else is taken as given."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # NORMAL is safe in WAL mode (the database cannot be corrupted; only the last
            # commits before a power cut may be lost) and spares an fsync per commit
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction (Database.transaction(), web requests that change things)
        # begins IMMEDIATE: it takes the write lock at the start, so concurrent writers wait
        # their turn (busy_timeout) instead of failing. A deferred transaction that reads and
        # then writes fails at once when another connection wrote meanwhile. Read-only work
        # begins deferred and never blocks writers (WAL).
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        _sqlite_setup(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


WRITE_OPTION = "yaprak_write"


class Database:
    """An engine and its session factories (``Session``: reads; ``WriteSession``: changes)."""

    def __init__(self, url: str | URL, **engine_kwargs: Any) -> None:
        from core.tenancy import TenantSession, install_document_events

        install_document_events()
        self.engine = make_engine(url, **engine_kwargs)
        self.url = self.engine.url
        self.Session = sessionmaker(self.engine, class_=TenantSession, expire_on_commit=False)
        self.WriteSession = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}),
            class_=TenantSession,
            expire_on_commit=False,
        )

    def session_for(self, company: Any, write: bool = False) -> Session:
        """A session acting for ``company`` (a Company or its id): see ``core.tenancy``."""
        from core.tenancy import COMPANY_KEY

        company_id = company if isinstance(company, int) else company.id
        factory = self.WriteSession if write else self.Session
        return factory(info={COMPANY_KEY: company_id})

    def ensure_directory(self) -> None:
        """Create the folder of an SQLite database file (before the first write)."""
        database = self.url.database
        if self.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, company: Any = None) -> Iterator[Session]:
        """A session inside one transaction (acting for ``company`` when given): committed at
        the end, rolled back on error."""
        session = self.WriteSession() if company is None else self.session_for(company, write=True)
        with session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def session_of(obj: object) -> Session:
    """The session ``obj`` is attached to: hooks use it to write in the caller's transaction."""
    from sqlalchemy.orm import object_session

    session = object_session(obj)
    if session is None:
        raise RuntimeError(f"{obj!r} is not attached to a session")
    return session
