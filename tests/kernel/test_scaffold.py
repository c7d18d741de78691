"""`yaprak addons new` writes a package that pip installs and that works end to end.

The package is installed into a virtual environment of the test's own that sees this one's
packages (a ``.pth`` line adding this environment's site folder), never into the environment
running the suite: another suite running beside this one (CI runs SQLite and PostgreSQL side
by side) would otherwise find an extra add-on for a while."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from core.scaffold import create_addon

NAME = "acme_loyalty"
DIST = "yaprak-acme-loyalty"


def _own_environment(folder):
    """A venv in ``folder`` whose Python also sees this environment's packages; its python."""
    import sysconfig
    import venv

    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = sysconfig.get_path("purelib")
    (Path(inner) / "yaprak-outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    return python


@pytest.fixture
def installed_scaffold(tmp_path):
    python = _own_environment(tmp_path / "venv")
    target = create_addon(NAME, tmp_path)
    pip = [str(python), "-m", "pip", "-q", "install", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*pip, "-e", str(target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    yield target, python


@pytest.mark.slow
def test_the_scaffolded_addon_installs_is_discovered_and_passes_its_own_tests(
    installed_scaffold, tmp_path
):
    target, python = installed_scaffold
    manifest = json.loads((target / NAME / "manifest.json").read_text())
    assert manifest["name"] == NAME and manifest["kernel"] == ">=0.1,<0.2"

    env = {**os.environ, "YAPRAK_HOME": str(tmp_path / "home")}
    run = lambda *args: subprocess.run(  # noqa: E731
        [str(python), "-m", "core.cli", *args], capture_output=True, text=True, env=env
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
        [str(python), "-m", "pytest", str(target / "tests"), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=target,
        env=os.environ,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
