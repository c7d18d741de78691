"""Per-company hook relays: only enabled add-ons answer; memoised; traced on request."""

import pytest

from core.kernel.registry import Kernel

from ..conftest import fixture_eps


class FakeCompany:
    def __init__(self, code, enabled):
        self.code = code
        self.enabled_addons = frozenset(enabled)


@pytest.fixture
def kernel():
    return Kernel(fixture_eps())


def test_only_enabled_addons_answer(kernel):
    both = kernel.relay({"alpha", "beta"})
    alpha_only = kernel.relay({"alpha"})
    none = kernel.relay(set())
    company = FakeCompany("ACME", {"alpha", "beta"})
    assert sorted(both.alpha_greeting(company=company)) == ["alpha greets ACME", "beta says hello"]
    assert alpha_only.alpha_greeting(company=company) == ["alpha greets ACME"]
    assert none.alpha_greeting(company=company) == []
    assert [m.label for m in none.gather("menu_items", company=company, user=None)] == []
    assert [m.label for m in alpha_only.gather("menu_items", company=company, user=None)] == [
        "Alpha things"
    ]


def test_relays_are_memoised_per_distinct_enabled_set(kernel):
    assert kernel.relay({"alpha"}) is kernel.relay(frozenset({"alpha"}))
    assert kernel.relay({"alpha", "unknown"}) is kernel.relay({"alpha"})
    relay = kernel.relay({"alpha"})
    assert relay.menu_items is relay.menu_items  # one caller per hook, made once


def test_unknown_hook_names_fail_loudly(kernel):
    with pytest.raises(AttributeError, match="no hook specification named 'menu_itemz'"):
        kernel.relay({"alpha"}).menu_itemz  # noqa: B018


def test_by_addon_attributes_results_and_call_addon_calls_one(kernel):
    company = FakeCompany("ACME", {"alpha", "beta"})
    pairs = kernel.relay({"alpha", "beta"}).by_addon("alpha_greeting", company=company)
    assert sorted(pairs) == [("alpha", "alpha greets ACME"), ("beta", "beta says hello")]
    assert kernel.call_addon("beta", "alpha_greeting", company=company) == ["beta says hello"]


def test_trace_hooks_prints_every_call(capfd):
    kernel = Kernel(fixture_eps(), trace_hooks=True)
    kernel.relay({"alpha"}).alpha_greeting(company=FakeCompany("ACME", {"alpha"}))
    err = capfd.readouterr().err
    assert "[hook] alpha_greeting(company=" in err
    assert "-> alpha" in err
    assert "[hook] alpha_greeting returned ['alpha greets ACME']" in err


def test_trace_hooks_from_the_environment(monkeypatch, capfd, yaprak_database_url, tmp_path):
    from core.config import Config
    from core.runtime import Runtime

    monkeypatch.setenv("YAPRAK_TRACE_HOOKS", "1")
    config = Config.from_env(home=tmp_path, database_url=yaprak_database_url)
    runtime = Runtime(config, entry_points=fixture_eps())
    assert runtime.kernel.tracing
    runtime.kernel.relay({"alpha"}).menu_items(company=FakeCompany("X", {"alpha"}), user=None)
    assert "[hook] menu_items(" in capfd.readouterr().err
