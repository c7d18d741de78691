"""Per-process caches that stay right when several workers share one database.

Every gunicorn worker keeps its own copies of a few things that each request reads and that
rarely change: the logged-in user with memberships and roles, the company with its add-ons,
a user's saved views. A copy is used only while its cache's version is unchanged.
``core_cache_version`` holds one number per cache; the number is raised **in the same
transaction** as every change to the models the cache watches (ORM flushes and ORM
``UPDATE``/``DELETE`` statements), and a request reads all the numbers once, with one small
query, before it uses a copy. A change committed by any worker is therefore seen by every
worker on its next request, as if there were no cache.

This is how Odoo keeps its workers' caches in step ("registry signalling"). The numbers live
in the database every worker already shares, so SQLite and PostgreSQL behave alike and no
extra service (Redis) is needed for it.

Rules the mechanism keeps:

* a session that has raised a version (it changed something watched) neither reads nor fills
  a cache until it commits or rolls back: it sees its own uncommitted changes, and nothing it
  saw before a rollback is ever stored;
* entries belong to one database (keyed by the engine's connection pool): a process that
  serves several databases (tests) never mixes them;
* raw SQL that changes a watched table must call ``bump(session, name)`` itself.

An add-on may keep its own cache: ``SharedCache("myaddon.things", watches=[Thing])``.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

VERSIONS_KEY = "yaprak_cache_versions"  # session.info: {cache name: version} read this transaction
CHANGED_KEY = "yaprak_cache_changed"  # session.info: this transaction raised a version

CACHES: dict[str, SharedCache] = {}
_WATCHED: dict[type, set[str]] = defaultdict(set)  # model class -> names of caches it feeds


class SharedCache:
    """A named cache of values per key, valid while the cache's version is unchanged."""

    def __init__(self, name: str, watches: Iterable[type] = (), size: int = 10_000) -> None:
        if name in CACHES:
            raise ValueError(f"cache {name!r} exists already")
        self.name = name
        self.size = size
        # per database (its connection pool): {key: (version, value)}
        self._stores: weakref.WeakKeyDictionary[Any, dict[Hashable, tuple[int, Any]]] = (
            weakref.WeakKeyDictionary()
        )
        CACHES[name] = self
        for model in watches:
            self.watch(model)

    def watch(self, model: type) -> None:
        """Changes to ``model`` (and its subclasses) make this cache's entries old."""
        _WATCHED[model].add(self.name)

    def get(self, session: Session, key: Hashable, load: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``load()`` (stored when the session may store)."""
        version = _version(session, self.name)
        if version is None:
            return load()
        store = self._store(session)
        entry = store.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = load()
        if len(store) >= self.size:
            store.clear()
        store[key] = (version, value)
        return value

    def clear(self) -> None:
        """Forget every entry of every database (this process only)."""
        self._stores.clear()

    def _store(self, session: Session) -> dict[Hashable, tuple[int, Any]]:
        pool = session.get_bind().pool
        store = self._stores.get(pool)
        if store is None:
            store = self._stores[pool] = {}
        return store


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

    if _version(session, cache.name) is None:  # the session changed watched rows itself
        return load()
    copy = cache.get(session, key, detached_copy)
    return None if copy is None else session.merge(copy, load=False)


def bump(session: Session, *names: str) -> None:
    """Raise the versions of the caches ``names`` in the session's transaction."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from core.models import CacheVersion

    table = CacheVersion.__table__
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    for name in sorted(set(names)):  # one order in every transaction: no deadlocks
        statement = insert(table).values(name=name, version=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.name], set_={"version": table.c.version + 1}
            )
        )
    session.info[CHANGED_KEY] = True
    session.info.pop(VERSIONS_KEY, None)


def _version(session: Session, name: str) -> int | None:
    """The cache's version as this transaction sees it; None when it must not be used."""
    if session.info.get(CHANGED_KEY):
        return None
    versions = session.info.get(VERSIONS_KEY)
    if versions is None:
        from core.models import CacheVersion

        table = CacheVersion.__table__
        rows = session.connection().execute(select(table.c.name, table.c.version))
        versions = session.info[VERSIONS_KEY] = dict(rows.all())
    return versions.get(name, 0)


def _watchers(classes: Iterable[type]) -> set[str]:
    names: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            names |= _WATCHED.get(klass, set())
    return names


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if not _WATCHED:
        return
    changed = {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)}
    names = _watchers(changed)
    if names:
        bump(session, *names)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or not _WATCHED:
        return
    names = _watchers(mapper.class_ for mapper in state.all_mappers)
    if names:
        bump(state.session, *names)


def _transaction_end(session: Session, transaction: Any) -> None:
    """Committed, rolled back or closed: the next transaction reads the versions again."""
    if transaction.parent is None:  # not a savepoint: the outer transaction goes on
        session.info.pop(VERSIONS_KEY, None)
        session.info.pop(CHANGED_KEY, None)


def install(session_class: type[Session]) -> None:
    """Raise versions on flushes and ORM bulk changes; forget read versions per transaction."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "do_orm_execute", _on_execute)
    event.listen(session_class, "after_transaction_end", _transaction_end)
