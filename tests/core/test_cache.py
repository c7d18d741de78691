"""Per-worker caches (core.cache): two workers on one database see each other's changes at
once; a session never caches what it changed itself; databases never share entries."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import event, insert, select, update

from core.auth import add_user, grant, set_roles
from core.cache import VERSIONS_KEY, SharedCache, cached_instance
from core.companies import add_company
from core.listing import Filter
from core.models import CacheVersion, Company, Partner, PartnerGroup, SavedView, User
from core.testing.databases import throwaway_database
from core.testing.plugin import client_for, make_runtime
from core.web import create_app
from core.web.context import USERS

pytestmark = pytest.mark.fresh_database  # runtimes with other add-ons on its database


def _version(runtime, table: str) -> int:
    with runtime.db.Session() as session:
        found = session.scalar(select(CacheVersion.version).where(CacheVersion.name == table))
    return found or 0


class Statements:
    """The SQL statements an engine runs while active."""

    def __init__(self, engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(statement)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.seen if f"FROM {table}" in s]


@pytest.fixture
def second_worker(yaprak_runtime, yaprak_database_url, tmp_path):
    """Another app on the same database: what a second gunicorn worker is."""
    runtime = make_runtime(yaprak_database_url, tmp_path / "worker2", init=False)
    try:
        yield runtime, create_app(runtime=runtime)
    finally:
        runtime.db.dispose()


def test_a_worker_serves_the_user_and_company_from_its_cache(
    yaprak_app, yaprak_runtime, make_company
):
    acme = make_company("ACME")
    client = client_for(yaprak_app, acme)
    assert client.get("/").status_code == 200  # fills the cache
    statements = Statements(yaprak_runtime.db.engine)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert statements.reading("core_user") == []
    assert statements.reading("core_company") == []
    assert len(statements.reading("core_cache_version")) == 3  # one small query a request


def test_a_change_made_by_another_worker_counts_on_the_next_request(
    yaprak_app, yaprak_runtime, make_company, second_worker
):
    runtime2, _app2 = second_worker
    acme = make_company("ACME")
    client = client_for(yaprak_app, acme, roles=("admin",), email="ayse@acme.test")
    client_for(yaprak_app, acme, roles=("admin",), email="other-admin@acme.test")
    assert client.get("/admin/sequences").status_code == 200
    assert client.get("/admin/sequences").status_code == 200  # cached now

    with runtime2.db.transaction() as session:  # the other worker takes the role away
        user = session.scalar(select(User).where(User.email == "ayse@acme.test"))
        set_roles(session, runtime2.kernel, user, session.get(Company, acme.id), ["user"])
    assert client.get("/admin/sequences").status_code == 403

    with runtime2.db.transaction() as session:  # ... renames the company
        session.get(Company, acme.id).name = "Acme Yeni Ad A.Ş."
    assert "Acme Yeni Ad A.Ş." in client.get("/").get_data(as_text=True)

    with runtime2.db.transaction() as session:  # ... and switches the user off
        session.scalar(select(User).where(User.email == "ayse@acme.test")).active = False
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_saved_views_made_elsewhere_show_at_once(yaprak_app, make_company, second_worker):
    runtime2, _app2 = second_worker
    acme = make_company("ACME")
    client = client_for(yaprak_app, acme)
    assert "Only customers" not in client.get("/partners?view=all").get_data(as_text=True)
    with runtime2.db.transaction(acme.id) as session:
        session.add(
            SavedView(
                user_id=client.user_id,
                list_key="core.partners",
                name="Only customers",
                query="f.is_customer=1",
            )
        )
    page = client.get("/partners?view=all").get_data(as_text=True)
    assert "Only customers" in page


def test_changes_raise_versions_in_their_transaction(yaprak_runtime):
    before = _version(yaprak_runtime, "core_user")
    with yaprak_runtime.db.transaction() as session:  # a flush
        add_user(session, "yeni@acme.test", "Yeni")
    after_add = _version(yaprak_runtime, "core_user")
    assert after_add > before
    with yaprak_runtime.db.transaction() as session:  # an ORM UPDATE statement, no flush
        session.execute(update(User).where(User.email == "yeni@acme.test").values(name="Y"))
    after_update = _version(yaprak_runtime, "core_user")
    assert after_update > after_add
    with pytest.raises(RuntimeError), yaprak_runtime.db.transaction() as session:
        session.scalar(select(User).where(User.email == "yeni@acme.test")).name = "Z"
        session.flush()
        raise RuntimeError("roll back")
    assert _version(yaprak_runtime, "core_user") == after_update  # rolled back with the change
    with yaprak_runtime.db.transaction() as session:
        company_id = add_company(session, "ACME", "Acme A.Ş.").id
    groups = _version(yaprak_runtime, "core_partner_group")
    with yaprak_runtime.db.transaction(company_id) as session:  # an ORM INSERT statement
        session.execute(insert(PartnerGroup).values(name="Bayiler", company_id=company_id))
    assert _version(yaprak_runtime, "core_partner_group") > groups
    users, companies = (_version(yaprak_runtime, n) for n in ("core_user", "core_company"))
    with yaprak_runtime.db.transaction(company_id) as session:  # a table no cache reads
        session.add(Partner(name="Müşteri", is_customer=True))
    assert _version(yaprak_runtime, "core_user") == users
    assert _version(yaprak_runtime, "core_company") == companies
    assert _version(yaprak_runtime, "core_partner") == 0  # partners are not versioned


def test_a_cache_watches_only_versioned_models():
    with pytest.raises(ValueError, match="not versioned"):
        SharedCache(f"test.partners.{uuid.uuid4().hex}", watches=[Partner])


def test_a_plain_script_that_imports_only_the_models_is_seen_by_the_workers(
    yaprak_app, yaprak_database_url, make_company
):
    """No web module, no add-on, no cache declared in the script's process: the version is
    raised because the model says so (``__cache_versioned__``)."""
    acme = make_company("ACME")
    client = client_for(yaprak_app, acme)
    assert "Eski Ad" not in client.get("/").get_data(as_text=True)
    client.get("/")  # cached now
    script = textwrap.dedent(f"""
        import sys
        from core.db import Database
        from core.models import Company
        db = Database({yaprak_database_url!r})
        with db.transaction() as session:
            session.get(Company, {acme.id}).name = "Eski Ad Yeni Ad A.Ş."
        assert "core.web.context" not in sys.modules and "core.web" not in sys.modules
        db.dispose()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Eski Ad Yeni Ad A.Ş." in client.get("/").get_data(as_text=True)


def test_a_filter_built_again_keeps_its_own_options(yaprak_runtime):
    with yaprak_runtime.db.transaction() as session:
        company_id = add_company(session, "ACME", "Acme A.Ş.").id
    seen = []
    for n in range(5):  # built per call (not at module level): each keeps its own options
        flt = Filter(
            "group_id",
            "Group",
            Partner.group_id,
            choices=lambda _s, n=n: {str(n): f"built #{n}"},
            watches=[PartnerGroup],
        )
        with yaprak_runtime.db.session_for(company_id) as session:
            seen.append(dict(flt.options(session)))
    assert seen == [{str(n): f"built #{n}"} for n in range(5)]


def test_a_session_that_changed_watched_rows_never_uses_or_fills_the_cache(yaprak_runtime):
    with yaprak_runtime.db.transaction() as session:
        user_id = add_user(session, "ali@acme.test", "Ali").id

    def load(session):
        return cached_instance(USERS, session, user_id, lambda: session.get(User, user_id))

    with yaprak_runtime.db.Session() as session:
        assert load(session).name == "Ali"  # cached

    with yaprak_runtime.db.WriteSession() as session:
        mine = load(session)
        mine.name = "Ali (draft)"
        session.flush()  # raises the version inside this transaction
        assert VERSIONS_KEY not in session.info
        again = load(session)
        assert again is mine and again.name == "Ali (draft)"  # its own change, not the cache
        session.rollback()

    with yaprak_runtime.db.Session() as session:
        assert load(session).name == "Ali"  # nothing of the rolled-back work was kept


def test_a_copy_handed_out_is_the_sessions_own(yaprak_runtime):
    with yaprak_runtime.db.transaction() as session:
        user_id = add_user(session, "veli@acme.test", "Veli").id
    with yaprak_runtime.db.Session() as first, yaprak_runtime.db.Session() as second:
        a = cached_instance(USERS, first, user_id, lambda: first.get(User, user_id))
        b = cached_instance(USERS, second, user_id, lambda: second.get(User, user_id))
        assert a is not b
        a.name = "changed in memory only"
        assert b.name == "Veli"
        first.rollback()


@pytest.fixture
def other_database(tmp_path) -> Iterator[str]:
    with throwaway_database(tmp_path, "other") as url:
        yield url


def test_databases_never_share_entries(yaprak_runtime, other_database, tmp_path):
    other = make_runtime(other_database, tmp_path / "other")
    try:
        ids = []
        for runtime, email in ((yaprak_runtime, "a@one.test"), (other, "b@two.test")):
            with runtime.db.transaction() as session:
                ids.append(add_user(session, email, email).id)
        assert ids[0] == ids[1]  # the same id in both databases
        cache = SharedCache(f"test.users.{uuid.uuid4().hex}", watches=[User])
        seen = []
        for runtime in (yaprak_runtime, other):
            with runtime.db.Session() as session:
                user = cached_instance(
                    cache, session, ids[0], lambda s=session: s.get(User, ids[0])
                )
                seen.append(user.email)
        assert seen == ["a@one.test", "b@two.test"]
    finally:
        other.db.dispose()


def test_a_cache_name_is_unique():
    with pytest.raises(ValueError, match="exists already"):
        SharedCache("core.users")


def test_grant_in_another_worker_gives_access(yaprak_app, make_company, second_worker):
    runtime2, _app2 = second_worker
    acme = make_company("ACME")
    client_for(yaprak_app, acme, roles=("admin",), email="boss@acme.test")
    client = client_for(yaprak_app, acme, roles=("user",), email="deniz@acme.test")
    assert client.get("/admin/sequences").status_code == 403
    with runtime2.db.transaction() as session:
        user = session.scalar(select(User).where(User.email == "deniz@acme.test"))
        grant(session, runtime2.kernel, user, session.get(Company, acme.id), ["admin"])
    assert client.get("/admin/sequences").status_code == 200


def test_list_filter_options_are_cached_until_their_model_changes(
    yaprak_app, yaprak_runtime, make_company, second_worker
):
    runtime2, _app2 = second_worker
    acme = make_company("ACME")
    client = client_for(yaprak_app, acme)
    assert client.get("/partners?view=all").status_code == 200
    statements = Statements(yaprak_runtime.db.engine)
    assert client.get("/partners?view=all").status_code == 200
    assert statements.reading("core_partner_group") == []  # the Group filter's options
    with runtime2.db.transaction(acme.id) as session:
        session.add(PartnerGroup(name="Toptancılar"))
    page = client.get("/partners?view=all").get_data(as_text=True)
    assert ">Toptancılar</option>" in page
    other = make_company("OTHER")
    assert "Toptancılar" not in client_for(yaprak_app, other).get("/partners?view=all").get_data(
        as_text=True
    )


def test_a_long_lived_session_reads_the_versions_again_in_each_transaction(yaprak_runtime):
    with yaprak_runtime.db.transaction() as session:
        user_id = add_user(session, "uzun@acme.test", "Uzun").id

    def load(session):
        return cached_instance(USERS, session, user_id, lambda: session.get(User, user_id))

    session = yaprak_runtime.db.Session()  # a CLI command or a job keeps one session
    try:
        assert load(session).name == "Uzun"
        session.close()  # ends the transaction (no commit, no rollback)
        with yaprak_runtime.db.transaction() as other:
            other.get(User, user_id).name = "Uzun (yeni)"
        assert load(session).name == "Uzun (yeni)"
        session.commit()
        with yaprak_runtime.db.transaction() as other:
            other.get(User, user_id).name = "Uzun (son)"
        assert load(session).name == "Uzun (son)"
    finally:
        session.close()


def test_a_transaction_that_changed_versioned_rows_keeps_its_own_entries(yaprak_runtime):
    """A long transaction (the demo) loads a value once, while it has not changed what the
    cache watches again; a rollback forgets; nothing of it reaches the shared cache."""
    cache = SharedCache(f"test.own.{uuid.uuid4().hex}", watches=[PartnerGroup])
    loads = []

    def get(session):
        return cache.get(session, "groups", lambda: loads.append(1) or len(loads))

    with yaprak_runtime.db.transaction() as session:
        company_id = add_company(session, "OWN", "Own Ltd.").id
    with yaprak_runtime.db.WriteSession() as session:
        add_user(session, "own@acme.test", "Own")  # a versioned table, not the watched one
        session.flush()
        assert get(session) == 1 and get(session) == 1  # loaded once for the transaction
        session.add(PartnerGroup(company_id=company_id, name="Toptan"))
        session.flush()  # the watched table changed: loaded again
        assert get(session) == 2 and get(session) == 2
        with session.begin_nested() as savepoint:
            assert get(session) == 2
            savepoint.rollback()
        assert get(session) == 3  # a rollback forgets the transaction's entries
        session.rollback()
    with yaprak_runtime.db.Session() as session:
        assert get(session) == 4  # nothing of that transaction was shared
        assert get(session) == 4
