"""pytest plugin shipped with the kernel (entry point ``pytest11: yaprak``).

Fixtures, each fresh per test:

* ``yaprak_database_url``: an empty database. SQLite file in ``tmp_path`` by default; with
  ``YAPRAK_TEST_DATABASE_URL=postgresql://...`` a new schema in that database, dropped after.
* ``yaprak_runtime``: kernel + database with core migrated, active for the test (jobs run at
  once, in the test's process; ``yaprak demo`` builds the ``small`` demo).
* ``yaprak_app``: the Flask app of that runtime.
* ``make_company(code, addons=[...])``: a company with those add-ons enabled (installed first).
* ``company_client(company, roles=("admin",))``: a test client logged in as a new user of
  ``company`` with those roles (pages by session, ``/api/`` by the user's API token).
* ``make_user(companies, roles=("admin",), password=..., language="tr")``: a user with a
  password (who can log in through the form) and those roles in each of ``companies``.
* ``yaprak_session``: a database session (rolled back at the end unless committed).

Browser tests (``core.testing.browser``, loaded with this plugin): ``live_server``,
``yaprak_browser``, ``browser_page``, ``browser_login``, ``browser_context_options``.

Override ``yaprak_entry_points`` (a list of ``importlib.metadata.EntryPoint``, default: the
installed add-ons) or ``yaprak_addons`` (names to load, default: all) in a conftest to
choose the add-ons a test suite sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from core.testing.databases import TEST_DB_ENV, test_database_base_url, throwaway_database

__all__ = ["TEST_DB_ENV", "YaprakClient", "client_for", "make_runtime", "test_database_base_url"]
pytest_plugins = ["core.testing.browser"]


@pytest.fixture
def yaprak_entry_points() -> list | None:
    """Entry points the kernel discovers add-ons from (None: the installed ones)."""
    return None


@pytest.fixture
def yaprak_addons() -> list[str] | None:
    """Restrict the add-ons loaded, like ``YAPRAK_ADDONS`` (None: all)."""
    return None


@pytest.fixture
def yaprak_database_url(tmp_path: Any) -> Iterator[str]:
    with throwaway_database(tmp_path) as url:
        yield url


def make_runtime(
    database_url: str,
    home: Any,
    entry_points: Iterable | None = None,
    addons: list[str] | None = None,
    init: bool = True,
    **config: Any,
) -> Any:
    """A runtime on ``database_url`` with core migrated unless ``init=False`` (not activated)."""
    from core.config import Config
    from core.kernel import lifecycle
    from core.runtime import Runtime

    config.setdefault("jobs_immediate", True)  # jobs run at once, in the test's process
    config.setdefault("demo_size", "small")  # `yaprak demo` in tests: a few records of each
    cfg = Config(
        home=home,
        database_url=database_url,
        addons=addons,
        testing=True,
        secret_key="yaprak-test-secret",
        **config,
    )
    runtime = Runtime(cfg, entry_points=entry_points)
    if init:
        lifecycle.init_database(runtime)
    return runtime


@pytest.fixture
def yaprak_runtime(
    yaprak_database_url: str, yaprak_entry_points: Any, yaprak_addons: Any, tmp_path: Any
) -> Iterator[Any]:
    runtime = make_runtime(
        yaprak_database_url, tmp_path / "instance", yaprak_entry_points, yaprak_addons
    )
    try:
        with runtime.activate():
            yield runtime
    finally:
        runtime.db.dispose()


@pytest.fixture
def yaprak_app(yaprak_runtime: Any) -> Any:
    from core.web import create_app

    return create_app(runtime=yaprak_runtime)


@pytest.fixture
def yaprak_session(yaprak_runtime: Any) -> Iterator[Any]:
    with yaprak_runtime.db.Session() as session:
        yield session


@pytest.fixture
def make_company(yaprak_runtime: Any) -> Callable[..., Any]:
    """``make_company("ACME", addons=["sales"])`` -> the company (detached, loaded)."""
    from core.companies import add_company, enable_addons, get_company

    def make(
        code: str = "ACME",
        addons: Iterable[str] = (),
        name: str | None = None,
        currency: str = "TRY",
    ) -> Any:
        with yaprak_runtime.db.transaction() as session:
            add_company(session, code, name or f"{code} Ltd.", currency)
        if addons:
            enable_addons(yaprak_runtime, code, list(addons))
        with yaprak_runtime.db.Session() as session:
            return get_company(session, code)

    return make


class YaprakClient:
    """A Flask test client acting for one user in one company.

    Pages use the login session; ``/api/`` requests carry the user's API token (so they
    need no CSRF token). ``csrf_token()`` gives the token forms must send.
    """

    def __init__(self, app: Any, user_id: int, company_id: int, token: str) -> None:
        from core.web.context import SESSION_COMPANY_KEY

        self.client = app.test_client()
        self.token = token
        self.user_id = user_id
        with self.client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
            session[SESSION_COMPANY_KEY] = company_id

    def open(self, path: str, *args: Any, **kwargs: Any) -> Any:
        if path.startswith("/api/"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Authorization", f"Bearer {self.token}")
            kwargs["headers"] = headers
        return self.client.open(path, *args, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, method="GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, method="POST", **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, method="PATCH", **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, method="PUT", **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, method="DELETE", **kwargs)

    def csrf_token(self) -> str:
        """The CSRF token of this client's session (read from a page's meta tag)."""
        import re

        page = self.client.get("/").get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match, "no CSRF token on the home page"
        return match.group(1)


def client_for(
    app: Any, company: Any, roles: Iterable[str] = ("admin",), email: str | None = None
) -> YaprakClient:
    """A ``YaprakClient`` for a user of ``company`` (made, with ``roles``, if needed)."""
    import uuid

    from core.auth import add_user, create_token, find_user, grant
    from core.models import Company

    runtime = app.extensions["yaprak"]
    email = email or f"user-{uuid.uuid4().hex[:8]}@{company.code.lower()}.test"
    with runtime.db.transaction() as session:
        user = find_user(session, email) or add_user(session, email)
        target = session.get(Company, company.id)
        grant(session, runtime.kernel, user, target, list(roles))
        _, token = create_token(session, user, target, "tests")
        user_id = user.id
    return YaprakClient(app, user_id, company.id, token)


@pytest.fixture
def company_client(yaprak_app: Any) -> Callable[..., YaprakClient]:
    """``company_client(company, roles=("admin",))``: a client for a new user of ``company``."""

    def make(company: Any, roles: Iterable[str] = ("admin",), email: str | None = None) -> Any:
        return client_for(yaprak_app, company, roles, email)

    return make


@dataclass(frozen=True)
class LoginUser:
    """A user made by ``make_user``: what the login form needs, and the user's id."""

    id: int
    email: str
    password: str


@pytest.fixture
def make_user(yaprak_runtime: Any) -> Callable[..., LoginUser]:
    """``make_user([acme, other], roles=("admin",))``: a user who logs in with a password."""
    from core.auth import add_user, grant
    from core.models import Company

    def make(
        companies: Any,
        roles: Iterable[str] = ("admin",),
        password: str = "test-password-1",
        email: str | None = None,
        language: str = "tr",
    ) -> LoginUser:
        targets = list(companies) if isinstance(companies, list | tuple) else [companies]
        if not targets:
            raise ValueError("make_user: give at least one company")
        email = email or f"user-{uuid.uuid4().hex[:8]}@{targets[0].code.lower()}.test"
        with yaprak_runtime.db.transaction() as session:
            user = add_user(session, email, password=password, language=language)
            for company in targets:
                grant(
                    session,
                    yaprak_runtime.kernel,
                    user,
                    session.get(Company, company.id),
                    list(roles),
                )
            return LoginUser(user.id, user.email, password)

    return make


class SmtpInbox:
    """What a loopback SMTP server (aiosmtpd) received: ``messages`` as ``EmailMessage``."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.controller: Any = None
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> None:
        import socket

        from aiosmtpd.controller import Controller

        if not port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        self.port = port
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    """A real SMTP server on loopback (aiosmtpd): ``config.smtp_url = smtp_server.url``."""
    inbox = SmtpInbox()
    inbox.start()
    try:
        yield inbox
    finally:
        inbox.stop()


def pytest_configure(config: pytest.Config) -> None:
    # Every test gets a fresh database; identical upgrades are replayed from the first
    # one's statements (core.kernel.migrations.enable_replay explains why that is exact).
    # Passwords are hashed with argon2's cheapest parameters (core.auth.cheap_password_hashing).
    from core.auth import cheap_password_hashing
    from core.kernel.migrations import enable_replay

    enable_replay()
    cheap_password_hashing()
    config.addinivalue_line(
        "markers",
        "engine_independent: uses no database (a PDF renderer, pytest run on pytest): run on "
        "SQLite only, skipped when YAPRAK_TEST_DATABASE_URL picks PostgreSQL",
    )
    config.addinivalue_line(
        "markers",
        "postgresql_only: tests a PostgreSQL feature (roles, row locks): skipped on SQLite",
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from core.testing.databases import drop_reused

    drop_reused()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if test_database_base_url() is None:
        only_pg = pytest.mark.skip(reason="a PostgreSQL feature: set YAPRAK_TEST_DATABASE_URL")
        for item in items:
            if item.get_closest_marker("postgresql_only"):
                item.add_marker(only_pg)
        return
    skip = pytest.mark.skip(reason="uses no database: runs once, on SQLite")
    for item in items:
        if item.get_closest_marker("engine_independent"):
            item.add_marker(skip)
