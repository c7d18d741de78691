"""Per-process caches that stay right when several workers share one database.

Every gunicorn worker keeps its own copies of a few things that each request reads and that
rarely change: the logged-in user with memberships and roles, the company with its add-ons,
a user's saved views, the options of list filters. A copy is used only while the tables it
was read from are unchanged.

**Versioned tables.** A model that caches may read says so: ``__cache_versioned__ = True``.
``core_cache_version`` holds one number per such table, raised **in the same transaction**
as every ORM change to its rows (flushes and ORM ``INSERT``/``UPDATE``/``DELETE``
statements). The flag lives on the model, so every process that writes the table (a
worker, the CLI, a job, a script) raises the number; nothing depends on which modules that
process happened to import. Raw SQL that changes a versioned table must call
``bump(session, table_name)`` itself.

**Caches.** ``SharedCache(name, watches=[Model, ...])`` keeps values per key; an entry is
used while the versions of the watched tables are those it was read under. A request reads
all versions once, with one small query, before it uses a copy, so a change committed by any
process counts on every worker's next request, as if there were no cache. This is how Odoo
keeps its workers' caches in step ("registry signalling"); the numbers live in the database
every worker already shares, so SQLite and PostgreSQL behave alike and no extra service is
needed.

Rules the mechanism keeps:

* a session that has raised a version (it changed a versioned table) neither reads nor fills
  a cache until its transaction ends: it sees its own uncommitted changes, and nothing it
  saw before a rollback is ever stored. Meanwhile ``SharedCache.get`` keeps entries for
  that transaction alone, each used while the transaction has not changed the tables its
  cache watches again and forgotten at any rollback (to a savepoint too) and when the
  transaction ends: a long transaction (``yaprak demo``, an import) loads a value once, not
  on every flush;
* entries belong to one database (keyed by the engine's connection pool): a process that
  serves several databases (tests) never mixes them.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

VERSIONS_KEY = "yaprak_cache_versions"  # session.info: {table: version} read this transaction
CHANGED_KEY = "yaprak_cache_changed"  # session.info: this transaction raised a version
RAISED_KEY = "yaprak_cache_raised"  # session.info: {table: times this transaction raised it}
OWN_KEY = "yaprak_cache_own"  # session.info: {(cache, key): (raised, value)}, this transaction's

CACHES: dict[str, SharedCache] = {}
_tokens = itertools.count(1)


def versioned_table(model: type) -> str | None:
    """The table whose version ``model``'s changes raise, or None if it is not versioned."""
    if not getattr(model, "__cache_versioned__", False):
        return None
    table = getattr(model, "__table__", None)
    return table.name if table is not None else None


class SharedCache:
    """A named cache of values per key, valid while the watched tables are unchanged."""

    def __init__(self, name: str, watches: Iterable[type] = (), size: int = 10_000) -> None:
        if name in CACHES:
            raise ValueError(f"cache {name!r} exists already")
        self.name = name
        self.size = size
        self.tables: tuple[str, ...] = ()
        # per database (its connection pool): {key: (versions, value)}
        self._stores: weakref.WeakKeyDictionary[Any, dict[Hashable, tuple[Any, Any]]] = (
            weakref.WeakKeyDictionary()
        )
        CACHES[name] = self
        for model in watches:
            self.watch(model)

    def watch(self, model: type) -> None:
        """Entries become old when ``model``'s table changes (it must be versioned)."""
        table = versioned_table(model)
        if table is None:
            raise ValueError(
                f"cache {self.name!r}: {model.__name__} is not versioned: give it "
                "__cache_versioned__ = True (its changes then raise its table's version)"
            )
        if table not in self.tables:
            self.tables = tuple(sorted((*self.tables, table)))

    def get(self, session: Session, key: Hashable, load: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``load()`` (stored when the session may store)."""
        versions = _versions(session, self.tables)
        if versions is None:
            return self._own(session, key, load)
        store = self._store(session)
        entry = store.get(key)
        if entry is not None and entry[0] == versions:
            return entry[1]
        value = load()
        if len(store) >= self.size:
            store.clear()
        store[key] = (versions, value)
        return value

    def clear(self) -> None:
        """Forget every entry of every database (this process only)."""
        self._stores.clear()

    def _own(self, session: Session, key: Hashable, load: Callable[[], T]) -> T:
        """The entry of a transaction that changed versioned rows, for it alone: used while
        it has not raised the versions of the watched tables since it was loaded."""
        raised = session.info.get(RAISED_KEY, {})
        changes = tuple(raised.get(table, 0) for table in self.tables)
        own = session.info.setdefault(OWN_KEY, {})
        entry = own.get((self.name, key))
        if entry is not None and entry[0] == changes:
            return entry[1]
        value = load()
        own[(self.name, key)] = (changes, value)
        return value

    def usable(self, session: Session) -> bool:
        """False while ``session`` has changed a versioned table (its own changes count)."""
        return not session.info.get(CHANGED_KEY)

    def _store(self, session: Session) -> dict[Hashable, tuple[Any, Any]]:
        pool = session.get_bind().pool
        store = self._stores.get(pool)
        if store is None:
            store = self._stores[pool] = {}
        return store


def unique_key() -> int:
    """A number never handed out before in this process (a key for objects that are
    created more than once, where ``id()`` could repeat)."""
    return next(_tokens)


def cached_instance(
    cache: SharedCache, session: Session, key: Hashable, load: Callable[[], Any]
) -> Any:
    """``session``'s own copy of an ORM object (or None) kept in ``cache``: no query while the
    cache is current. ``load()`` reads the object through ``session`` with everything the
    callers need loaded (relationships included); the cache keeps a detached copy and each
    session gets a copy merged without SQL (``Session.merge(load=False)``), so nothing a
    request does to its object reaches the cache or another request."""

    def detached_copy() -> Any:
        found = load()
        if found is None:
            return None
        holder = Session()
        try:
            return holder.merge(found, load=False)
        finally:
            holder.close()

    if not cache.usable(session):  # the session changed versioned rows itself
        return load()
    copy = cache.get(session, key, detached_copy)
    return None if copy is None else session.merge(copy, load=False)


def bump(session: Session, *tables: str) -> None:
    """Raise the versions of ``tables`` in the session's transaction."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from core.models import CacheVersion

    table = CacheVersion.__table__
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    for name in sorted(set(tables)):  # one order in every transaction: no deadlocks
        statement = insert(table).values(name=name, version=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.name], set_={"version": table.c.version + 1}
            )
        )
    session.info[CHANGED_KEY] = True
    session.info.pop(VERSIONS_KEY, None)
    raised = session.info.setdefault(RAISED_KEY, {})
    for name in tables:
        raised[name] = raised.get(name, 0) + 1


def _versions(session: Session, tables: tuple[str, ...]) -> tuple[int, ...] | None:
    """The versions of ``tables`` as this transaction sees them; None: do not use caches."""
    if session.info.get(CHANGED_KEY):
        return None
    known = session.info.get(VERSIONS_KEY)
    if known is None:
        from core.models import CacheVersion

        table = CacheVersion.__table__
        rows = session.connection().execute(select(table.c.name, table.c.version))
        known = session.info[VERSIONS_KEY] = dict(rows.all())
    return tuple(known.get(name, 0) for name in tables)


def _tables_of(classes: Iterable[type]) -> set[str]:
    return {t for t in (versioned_table(cls) for cls in classes) if t is not None}


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed = {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)}
    tables = _tables_of(changed)
    if tables:
        bump(session, *tables)


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    tables = _tables_of(mapper.class_ for mapper in state.all_mappers)
    if tables:
        bump(state.session, *tables)


def _transaction_end(session: Session, transaction: Any) -> None:
    """Committed, rolled back or closed: the next transaction reads the versions again."""
    if transaction.parent is None:  # not a savepoint: the outer transaction goes on
        session.info.pop(VERSIONS_KEY, None)
        session.info.pop(CHANGED_KEY, None)
        session.info.pop(RAISED_KEY, None)
        session.info.pop(OWN_KEY, None)


def _rolled_back(session: Session, _transaction: Any) -> None:
    """A rollback (to a savepoint too) may undo what the transaction's own entries saw."""
    session.info.pop(OWN_KEY, None)


def install(session_class: type[Session]) -> None:
    """Raise versions on flushes and ORM statements; forget read versions per transaction."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "do_orm_execute", _on_execute)
    event.listen(session_class, "after_transaction_end", _transaction_end)
    event.listen(session_class, "after_soft_rollback", _rolled_back)
