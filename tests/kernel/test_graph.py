"""Dependency order, and the errors: missing, version range, cycle, kernel range."""

import random

from core.kernel.discovery import discover
from core.kernel.graph import resolve

from ..conftest import BROKEN, HEALTHY, fixture_eps


def _resolve(names, kernel="0.1.0"):
    found = discover(fixture_eps(names))
    assert found.problems == [] or all(p.addon == "badmanifest" for p in found.problems)
    return resolve(found.addons, kernel)


def test_order_is_topological_by_depth_then_name_whatever_the_input_order():
    names = {**HEALTHY, "failmig": "yk_failmig", "alterother": "yk_alterother"}
    orders = set()
    for _ in range(5):
        items = list(names.items())
        random.shuffle(items)
        orders.add(tuple(_resolve(dict(items)).order))
    assert orders == {("alpha", "failmig", "alterother", "beta")}


def test_each_broken_graph_is_a_clear_error_naming_the_addon_and_the_rest_loads():
    res = _resolve({**HEALTHY, **{k: v for k, v in BROKEN.items() if k != "badmanifest"}})
    problems = {p.addon: p.message for p in res.problems}
    assert problems["missingdep"] == "depends on 'nosuch', which is not installed"
    assert problems["badrange"] == "depends on alpha>=2, but alpha 1.2.0 is installed"
    assert problems["badkernel"] == "needs kernel >=9, this is kernel 0.1.0"
    assert problems["cycle_a"] == "dependency cycle: cycle_a -> cycle_b -> cycle_a"
    assert problems["cycle_b"] == "dependency cycle: cycle_a -> cycle_b -> cycle_a"
    for healthy in ("alpha", "beta", "importerror", "misspelt", "failmig"):
        assert healthy in res.order  # graph-wise fine; import problems come later


def test_dependents_of_a_broken_addon_cannot_load_either():
    names = {"missingdep": "yk_missingdep", "alpha": "yk_alpha"}
    found = discover(fixture_eps(names))
    # an add-on depending on missingdep, made up in memory
    from dataclasses import replace

    from core.kernel.manifest import Dependency

    spec = found.addons["alpha"]
    child = replace(
        spec,
        name="child",
        manifest=replace(
            spec.manifest,
            name="child",
            depends=(Dependency("missingdep", spec.manifest.kernel.__class__()),),
        ),
    )
    res = resolve({**found.addons, "child": child}, "0.1.0")
    problems = {p.addon: p.message for p in res.problems}
    assert problems["child"] == "depends on 'missingdep', which cannot load"
    assert res.order == ["alpha"]
