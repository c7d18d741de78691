"""Suite-wide fixtures: the test add-ons under tests/fixtures/addons are discoverable.

They are found through entry points made here (as if installed), next to the add-ons
really installed in the venv (the third-party test package, scaffolded ones).
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from core.kernel.discovery import ENTRY_POINT_GROUP, installed_entry_points

pytest_plugins = ["pytester"]

FIXTURE_ADDONS = Path(__file__).parent / "fixtures" / "addons"
sys.path.insert(0, str(FIXTURE_ADDONS))

HEALTHY = {"alpha": "yk_alpha", "beta": "yk_beta"}
DOCS = {"docs": "yk_docs"}
BROKEN = {
    "badmanifest": "yk_badmanifest",
    "importerror": "yk_importerror",
    "misspelt": "yk_misspelt",
    "cycle_a": "yk_cycle_a",
    "cycle_b": "yk_cycle_b",
    "missingdep": "yk_missingdep",
    "badrange": "yk_badrange",
    "badkernel": "yk_badkernel",
    "needsbroken": "yk_needsbroken",
    "badprefix": "yk_badprefix",
    "alterother": "yk_alterother",
    "failmig": "yk_failmig",
}


def fixture_eps(names: dict[str, str] | None = None) -> list[EntryPoint]:
    names = HEALTHY if names is None else names
    return [EntryPoint(name, module, ENTRY_POINT_GROUP) for name, module in names.items()]


@pytest.fixture
def yaprak_entry_points() -> list[EntryPoint]:
    """alpha, beta and docs plus whatever is installed (acme_notes)."""
    return fixture_eps({**HEALTHY, **DOCS}) + installed_entry_points()


# Tests under these folders all see the same add-ons (the entry points above), so they reuse
# databases (core.testing.databases.reused_database): a finished test's database, emptied
# of rows, with core and the add-ons it installed still installed. tests/kernel looks at
# installation itself and gets empty databases; so does a test marked ``fresh_database`` or
# one that makes runtimes with other add-ons (``runtime_with``).
REUSE_IN = {"addons", "api", "web", "browser", "core"}
TESTS = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fresh_database: the test needs an empty database, not a reused one"
    )


@pytest.fixture
def yaprak_database_url(request, tmp_path):
    from core.testing.databases import reused_database, throwaway_database

    folder = Path(request.node.path).relative_to(TESTS).parts[0]
    reuse = (
        folder in REUSE_IN
        and "runtime_with" not in request.fixturenames
        and request.node.get_closest_marker("fresh_database") is None
    )
    with (reused_database if reuse else throwaway_database)(tmp_path) as url:
        yield url


@pytest.fixture
def runtime_with(yaprak_database_url, tmp_path):
    """``runtime_with({"alpha": "yk_alpha", ...})``: a runtime on this test's database
    whose kernel sees exactly those fixture add-ons (core migrated). Several runtimes on
    one database stand for the same database seen by different code."""
    from core.testing.plugin import make_runtime

    made = []

    def make(names, extra_eps=(), **config):
        eps = fixture_eps(names) + list(extra_eps)
        runtime = make_runtime(yaprak_database_url, tmp_path / "instance", eps, **config)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.db.dispose()


@pytest.fixture
def cli(yaprak_runtime):
    """``cli("addons", "list")``: run the yaprak CLI in-process on the test runtime."""
    from click.testing import CliRunner

    from core.cli import CLIState, main

    def run(*args, runtime=None, expect=0):
        state = CLIState()
        state._runtime = runtime or yaprak_runtime
        result = CliRunner().invoke(main, list(args), obj=state, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    return run


CORE_HEAD = "3f0a6c1d2b01"


def write_revision(
    package_dir, name, rev, down=None, body="pass", depends_on=(CORE_HEAD,), down_body="pass"
):
    """Write one Alembic revision file for a test add-on written by ``write_addon``."""
    versions = package_dir / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    labels = repr((name,)) if down is None else "None"
    deps = repr(tuple(depends_on)) if down is None else "None"
    (versions / f"{rev}_{name}.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels}\n"
        f"depends_on = {deps}\n\n\ndef upgrade():\n    {body}\n\n\n"
        f"def downgrade():\n    {down_body}\n"
    )


def write_addon(root, name, hooks="", depends=(), module=None, models=None):
    """Write an add-on package under ``root`` (put on sys.path); return (module, package dir)."""
    import json
    import uuid

    module = module or f"yk_{name}_{uuid.uuid4().hex[:8]}"
    package = root / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "manifest.json").write_text(
        json.dumps(
            {
                "name": name,
                "version": "1.0.0",
                "summary": f"Test add-on {name}",
                "depends": list(depends),
                "author": "tests",
                "license": "MIT",
                "kernel": ">=0.1",
            }
        )
    )
    (package / "hooks.py").write_text("from core import hookimpl\n" + hooks)
    if models is not None:
        (package / "models.py").write_text(models)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return module, package


def fixture_site(root, names):
    """A folder that makes fixture add-ons discoverable in another process, the way pip
    would: ``.dist-info`` folders with entry points. Returns the PYTHONPATH to use."""
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    for name, module in names.items():
        info = site / f"yaprak_fixture_{name}-1.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: yaprak-fixture-{name}\nVersion: 1.0\n"
        )
        (info / "entry_points.txt").write_text(f"[yaprak.addons]\n{name} = {module}\n")
    return os.pathsep.join([str(site), str(FIXTURE_ADDONS)])
