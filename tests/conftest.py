"""Suite-wide fixtures: the test add-ons under tests/fixtures/addons are discoverable.

They are found through entry points made here (as if installed), next to the add-ons
really installed in the venv (the third-party test package, scaffolded ones).
"""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from core.kernel.discovery import ENTRY_POINT_GROUP, installed_entry_points

FIXTURE_ADDONS = Path(__file__).parent / "fixtures" / "addons"
sys.path.insert(0, str(FIXTURE_ADDONS))

HEALTHY = {"alpha": "yk_alpha", "beta": "yk_beta"}
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
    """alpha and beta plus whatever is installed (acme_notes in CI)."""
    return fixture_eps() + installed_entry_points()
