"""The browser fixtures themselves: the live server, and what happens without Chromium or
Playwright (skip with the reason, but fail under CI=true)."""

import textwrap
import urllib.error
import urllib.request

import pytest

BROWSER_TEST = """
def test_uses_the_browser(browser_page):
    browser_page.goto("/login")
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    """Run a small test file in a fresh pytest process (the yaprak plugin loads by itself)."""
    monkeypatch.delenv("CI", raising=False)

    def run(test_source, conftest="", ci=False, chromium=None):
        if ci:
            monkeypatch.setenv("CI", "true")
        if chromium is not None:
            monkeypatch.setenv("YAPRAK_CHROMIUM", chromium)
        if conftest:
            pytester.makeconftest(textwrap.dedent(conftest))
        pytester.makepyfile(test_inner=textwrap.dedent(test_source))
        return pytester.runpytest_subprocess("-rsE", "-p", "no:cacheprovider")

    return run


def test_live_server_serves_the_tests_app_on_loopback(live_server, make_company):
    make_company("ACME")  # made after the server started: same database
    assert live_server.url.startswith("http://127.0.0.1:") and live_server.port > 0
    with urllib.request.urlopen(live_server.url_for("/login")) as page:
        assert page.status == 200
        assert '<form method="post"' in page.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(live_server.url_for("/static/core/nothing.js"))
    assert missing.value.code == 404
    with pytest.raises(ValueError, match="give a path starting with '/'"):
        live_server.url_for("login")
    assert live_server.errors == []


@pytest.mark.slow
@pytest.mark.engine_independent
def test_without_chromium_browser_tests_skip_and_say_why(inner):
    result = inner(BROWSER_TEST, chromium="/nonexistent/chromium")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*Chromium not found at /nonexistent/chromium (apt-get install chromium*"]
    )


@pytest.mark.slow
@pytest.mark.engine_independent
def test_without_chromium_under_ci_browser_tests_fail(inner):
    result = inner(BROWSER_TEST, chromium="/nonexistent/chromium", ci=True)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*browser tests cannot run under CI=true: Chromium not found at /nonexistent/chromium*"]
    )


NO_PLAYWRIGHT = """
import sys

sys.modules["playwright"] = None  # as if Playwright were not installed
sys.modules["playwright.sync_api"] = None
"""
MODULE_NEEDING_PLAYWRIGHT = """
from core.testing.browser import require_playwright

expect = require_playwright().expect


def test_uses_expect(browser_page):
    expect(browser_page.locator("body")).to_be_visible()
"""


@pytest.mark.slow
@pytest.mark.engine_independent
def test_without_playwright_the_module_skips_but_fails_under_ci(inner):
    result = inner(MODULE_NEEDING_PLAYWRIGHT, conftest=NO_PLAYWRIGHT)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*Playwright for Python is not installed*"])

    result = inner(MODULE_NEEDING_PLAYWRIGHT, conftest=NO_PLAYWRIGHT, ci=True)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*browser tests cannot run under CI=true: Playwright for Python is not installed*"]
    )


@pytest.mark.slow
@pytest.mark.engine_independent
def test_an_exception_in_the_live_server_fails_the_test(inner):
    result = inner(
        """
        import urllib.error
        import urllib.request

        import pytest


        def test_server_breaks(live_server, yaprak_app):
            def boom():
                raise RuntimeError("boom in a view")

            yaprak_app.view_functions["auth.login"] = boom  # a public page that breaks
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(live_server.url_for("/login"))
        """
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*the live server raised while handling a request:*", "*RuntimeError: boom in a view*"]
    )
