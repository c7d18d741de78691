"""Browser tests: the test's app on a real HTTP server, driven by Chromium through Playwright.

Loaded with the ``yaprak`` pytest plugin (``core.testing.plugin``). Fixtures:

* ``live_server``: ``yaprak_app`` (same runtime, same database: the test's SQLite file or
  PostgreSQL schema) served by a werkzeug server thread on ``127.0.0.1`` and a free port.
  ``live_server.url`` is its root, ``live_server.url_for("/x")`` a full URL. An unhandled
  exception in a request fails the test with its traceback (``live_server.errors``; clear it
  in a test that provokes one on purpose).
* ``yaprak_browser``: one Chromium per test session (Playwright's sync API). The executable
  is ``$YAPRAK_CHROMIUM`` or ``/usr/bin/chromium`` (Debian's package): Playwright's own
  browser download is not used.
* ``browser_context_options``: override to change the context (default: Turkish locale,
  1280x900 viewport). ``base_url`` and ``accept_downloads=True`` are always set.
* ``browser_page``: a Playwright ``Page`` in a fresh context (no cookies) per test, with
  ``base_url`` = the live server, so ``browser_page.goto("/login")`` works. Actions and
  ``expect`` wait up to 10 s. When the test fails, a screenshot and the page's HTML are
  saved in the test's ``tmp_path``.
* ``browser_login(email, password)``: logs in through the real login form of
  ``browser_page`` and returns the page (wherever the form led: the dashboard, or the login
  page with its error).

When Playwright or Chromium is missing the browser tests are skipped with the missing piece
named, except under ``CI=true``, where they fail: CI cannot silently skip them. Tests that use
``browser_page`` or ``live_server`` are marked ``browser`` (``pytest -m "not browser"``).
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ENV = "YAPRAK_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet: without the background-networking flags Chromium keeps calling home
# (component updates, sync, QUIC probes), which a closed network answers with long timeouts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_FIXTURES = {"browser_page", "browser_login", "yaprak_browser", "live_server"}


def chromium_path() -> str:
    return os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


PLAYWRIGHT_MISSING = "Playwright for Python is not installed (pip install -e '.[test]')"


def unavailable(reason: str) -> None:
    """Skip the test (or module), or fail it under CI=true (where browser tests must run)."""
    if in_ci():
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_playwright() -> Any:
    """``playwright.sync_api``, for test modules: ``expect = require_playwright().expect``.
    Skips the module when Playwright is missing (fails it under CI=true)."""
    try:
        import playwright.sync_api as api
    except ImportError:
        unavailable(PLAYWRIGHT_MISSING)
    return api


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: uses a live server, usually with Chromium (core.testing.browser)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"yaprak_report_{report.when}", report)  # browser_page saves on failure
    return report


class LiveServer:
    """A WSGI app served by werkzeug in a background thread on 127.0.0.1."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self.errors: list[str] = []
        self.server = make_server(host, port, app, threaded=True)
        self.host = host
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=f"live-server-{self.port}", daemon=True
        )

    def url_for(self, path: str = "/") -> str:
        if not path.startswith("/"):
            raise ValueError(f"{path!r}: give a path starting with '/'")
        return self.url + path

    def _record(self, sender: Any, exception: BaseException, **extra: Any) -> None:
        self.errors.append("".join(traceback.format_exception(exception)))

    def start(self) -> LiveServer:
        from flask import got_request_exception

        got_request_exception.connect(self._record, self.app)
        self._thread.start()
        return self

    def stop(self) -> None:
        from flask import got_request_exception

        got_request_exception.disconnect(self._record, self.app)
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(yaprak_app: Any) -> Iterator[LiveServer]:
    """``yaprak_app`` on a real HTTP server (127.0.0.1, a free port) for this test."""
    server = LiveServer(yaprak_app).start()
    try:
        yield server
    finally:
        server.stop()
    if server.errors:
        pytest.fail(
            "the live server raised while handling a request:\n" + "\n".join(server.errors),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def yaprak_browser() -> Iterator[Any]:
    """Chromium (one per session) through Playwright's sync API."""
    api = require_playwright()
    Error, sync_playwright = api.Error, api.sync_playwright
    executable = chromium_path()
    if not Path(executable).is_file():
        unavailable(
            f"Chromium not found at {executable} "
            f"(apt-get install chromium, or set {CHROMIUM_ENV} to its path)"
        )
    manager = sync_playwright().start()
    try:
        try:
            browser = manager.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            unavailable(f"Chromium at {executable} does not start: {first}")
        try:
            yield browser
        finally:
            browser.close()
    finally:
        manager.stop()


@pytest.fixture
def browser_context_options() -> dict[str, Any]:
    """Options of each test's browser context; override in a conftest or a test module."""
    return {"locale": "tr-TR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def browser_page(
    yaprak_browser: Any,
    live_server: LiveServer,
    browser_context_options: dict[str, Any],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Any]:
    """A page in a fresh browser context whose ``base_url`` is the live server."""
    context = yaprak_browser.new_context(
        **{**browser_context_options, "base_url": live_server.url, "accept_downloads": True}
    )
    context.set_default_timeout(10_000)
    require_playwright().expect.set_options(timeout=10_000)  # a busy CI machine is slow
    page = context.new_page()
    try:
        yield page
        report = getattr(request.node, "yaprak_report_call", None)
        if report is not None and report.failed and not page.is_closed():
            page.screenshot(path=str(tmp_path / "browser-failure.png"), full_page=True)
            (tmp_path / "browser-failure.html").write_text(page.content(), encoding="utf-8")
            print(f"browser page at failure: {page.url}, saved in {tmp_path}")
    finally:
        context.close()


@pytest.fixture
def browser_login(browser_page: Any) -> Callable[[str, str], Any]:
    """``browser_login(email, password)``: fill in and send the real login form."""

    def login(email: str, password: str, next_path: str = "") -> Any:
        from urllib.parse import quote

        target = "/login" + (f"?next={quote(next_path)}" if next_path else "")
        browser_page.goto(target)
        browser_page.locator("#yaprak-login-email").fill(email)
        browser_page.locator("#yaprak-login-password").fill(password)
        with browser_page.expect_navigation():
            browser_page.locator("form:has(#yaprak-login-email) button[type=submit]").click()
        return browser_page

    return login
