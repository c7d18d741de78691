"""Discovery through the entry-point group yaprak.addons, before importing anything."""

import sys
from importlib.metadata import EntryPoint

from core.kernel.discovery import ENTRY_POINT_GROUP, discover

from ..conftest import fixture_eps, write_addon


def test_fixture_addons_are_found_with_their_manifests():
    found = discover(fixture_eps())
    assert found.problems == []
    assert sorted(found.addons) == ["alpha", "beta"]
    alpha = found.addons["alpha"]
    assert alpha.module == "yk_alpha"
    assert alpha.version == "1.2.0"
    assert alpha.migrations_dir.is_dir()
    assert alpha.distribution == "(not packaged)"


def test_discovery_imports_nothing_of_the_addon(tmp_path):
    module, _ = write_addon(tmp_path, "fresh", hooks="raise RuntimeError('imported!')\n")
    found = discover([EntryPoint("fresh", module, ENTRY_POINT_GROUP)])
    assert list(found.addons) == ["fresh"]
    assert module not in sys.modules and f"{module}.hooks" not in sys.modules


def test_two_addons_with_one_name_are_an_error_and_neither_loads():
    eps = [
        EntryPoint("alpha", "yk_alpha", ENTRY_POINT_GROUP),
        EntryPoint("alpha", "yk_beta", ENTRY_POINT_GROUP),
        EntryPoint("failmig", "yk_failmig", ENTRY_POINT_GROUP),
    ]
    found = discover(eps)
    assert sorted(found.addons) == ["failmig"]  # the healthy rest still loads
    (problem,) = found.problems
    assert problem.addon == "alpha"
    assert "two add-ons have this name" in problem.message
    assert "yk_alpha" in problem.message and "yk_beta" in problem.message


def test_entry_point_name_must_match_manifest_name():
    found = discover([EntryPoint("gamma", "yk_alpha", ENTRY_POINT_GROUP)])
    assert found.addons == {}
    assert "differs from the manifest's name 'alpha'" in found.problems[0].message


def test_a_broken_manifest_is_reported_with_file_and_field():
    found = discover(fixture_eps({"badmanifest": "yk_badmanifest", "alpha": "yk_alpha"}))
    assert list(found.addons) == ["alpha"]
    (problem,) = found.problems
    assert problem.addon == "badmanifest"
    assert "yk_badmanifest/manifest.json" in problem.message
    assert "field 'version'" in problem.message


def test_a_package_that_cannot_be_found_is_reported():
    found = discover([EntryPoint("ghost", "no_such_package_xyz", ENTRY_POINT_GROUP)])
    assert found.addons == {}
    assert found.problems[0].addon == "ghost"
    assert "cannot locate package 'no_such_package_xyz'" in found.problems[0].message


def test_only_restricts_and_reports_unknown_names():
    found = discover(fixture_eps(), only=["alpha", "nosuch"])
    assert list(found.addons) == ["alpha"]
    assert [p.addon for p in found.problems] == ["nosuch"]
    assert "YAPRAK_ADDONS" in found.problems[0].message
