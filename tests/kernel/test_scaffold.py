"""`yaprak addons new` writes a package that pip installs and that works end to end."""

import json
import os
import subprocess
import sys

import pytest

from core.scaffold import create_addon

NAME = "acme_loyalty"
DIST = "yaprak-acme-loyalty"


def _pip(*args):
    return subprocess.run(
        [sys.executable, "-m", "pip", "-q", *args], capture_output=True, text=True
    )


@pytest.fixture
def installed_scaffold(tmp_path):
    _pip("uninstall", "-y", DIST)  # a leftover of an interrupted run
    target = create_addon(NAME, tmp_path)
    result = _pip("install", "--no-deps", "--no-build-isolation", "-e", str(target))
    assert result.returncode == 0, result.stderr
    try:
        yield target
    finally:
        _pip("uninstall", "-y", DIST)


@pytest.mark.slow
def test_the_scaffolded_addon_installs_is_discovered_and_passes_its_own_tests(
    installed_scaffold, tmp_path
):
    target = installed_scaffold
    manifest = json.loads((target / NAME / "manifest.json").read_text())
    assert manifest["name"] == NAME and manifest["kernel"] == ">=0.1,<0.2"

    env = {**os.environ, "YAPRAK_HOME": str(tmp_path / "home")}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, env=env
    )
    assert run("addons", "check").returncode == 0
    assert run("init").returncode == 0
    assert run("company", "add", "ACME", "--name", "Acme").returncode == 0
    enabled = run("addons", "enable", NAME, "--company", "ACME")
    assert enabled.stdout == f"Enabled for ACME: {NAME}\n", enabled.stderr
    show = run("addons", "show", NAME).stdout
    assert f"distribution: {DIST} 0.1.0" in show
    assert f"tables:      {NAME}_entry" in show
    assert "in this database:  installed" in show and "enabled for:       ACME" in show

    # the generated test: migration installed, enabled for one company, 200 there, 404 elsewhere
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", str(target / "tests"), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=target,
        env=os.environ,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
