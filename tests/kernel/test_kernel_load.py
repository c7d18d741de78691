"""Loading add-ons into a PluginManager: import errors, misspelt hooks, published hooks."""

from core.kernel.registry import Kernel

from ..conftest import BROKEN, HEALTHY, fixture_eps


def test_healthy_addons_load_in_order_with_their_hooks_and_tables():
    kernel = Kernel(fixture_eps())
    assert kernel.problems == []
    assert kernel.order == ["alpha", "beta"]
    assert kernel.loaded["alpha"].published_hooks == ["alpha_greeting"]
    assert "alpha_greeting" in kernel.hooks_implemented("beta")
    assert "menu_items" in kernel.hooks_implemented("alpha")
    assert kernel.tables_of("alpha") == ["alpha_thing"]
    assert kernel.tables_of("beta") == ["beta_thing_note"]
    assert kernel.dependents("alpha") == {"beta"}
    assert kernel.closure(["beta"]) == ["alpha", "beta"]


def test_broken_addons_are_reported_by_name_and_the_rest_loads():
    kernel = Kernel(fixture_eps({**HEALTHY, **BROKEN}))
    problems = {p.addon: p.message for p in kernel.problems}
    assert problems["importerror"] == (
        "import failed: RuntimeError: boom at import (at hooks.py, line 1)"
    )
    assert problems["needsbroken"] == "depends on 'importerror', which cannot load"
    assert problems["misspelt"].startswith("implements 'menu_itemz', which no hook specification")
    assert "field 'version'" in problems["badmanifest"]
    assert "alpha" in kernel.loaded and "beta" in kernel.loaded
    for name in ("importerror", "needsbroken", "misspelt", "cycle_a", "badmanifest"):
        assert name not in kernel.loaded
    # the misspelt add-on was unregistered: check_pending passes for the rest
    kernel.pm.check_pending()


def test_each_kernel_has_its_own_plugin_manager():
    a = Kernel(fixture_eps({"alpha": "yk_alpha"}))
    b = Kernel(fixture_eps())
    assert a.pm is not b.pm
    assert a.pm.get_plugin("beta") is None
    assert b.pm.get_plugin("beta") is not None


def test_yaprak_addons_restricts_what_loads(monkeypatch):
    from core.config import Config

    monkeypatch.setenv("YAPRAK_ADDONS", "alpha")
    config = Config.from_env()
    assert config.addons == ["alpha"]
    kernel = Kernel(fixture_eps(), only=config.addons)
    assert kernel.order == ["alpha"]
    # naming an add-on brings its dependencies along; the rest is left out, not reported
    kernel = Kernel(fixture_eps({**HEALTHY, **BROKEN}), only=["beta"])
    assert kernel.order == ["alpha", "beta"]
    assert kernel.problems == []
    assert "importerror" in kernel.excluded and "alpha" not in kernel.excluded


def test_a_syntax_error_is_located_in_the_addon(tmp_path):
    from importlib.metadata import EntryPoint

    from ..conftest import write_addon

    module, _ = write_addon(tmp_path, "typo", hooks="\ndef broken(:\n    pass\n")
    kernel = Kernel([EntryPoint("typo", module, "yaprak.addons")])
    (problem,) = kernel.problems
    assert problem.message.startswith("import failed: SyntaxError: ")
    assert problem.message.endswith("(at hooks.py, line 3)")
