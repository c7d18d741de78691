"""Finding add-ons: entry points of the group ``yaprak.addons``, and their manifests.

Nothing of an add-on is imported here: its package directory is located with
``importlib.util.find_spec`` and its ``manifest.json`` read and validated first, so a
broken add-on is reported by name and cannot take the others down.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from core.kernel.errors import Problem
from core.kernel.manifest import Manifest, ManifestError, load_manifest

ENTRY_POINT_GROUP = "yaprak.addons"


@dataclass(frozen=True)
class AddonSpec:
    """An available add-on: found, its manifest valid. Nothing of it imported yet."""

    name: str
    module: str  # the importable package, e.g. "addons.sales" or "acme_loyalty"
    path: Path  # the package directory
    manifest: Manifest
    distribution: str  # "yaprak 0.1.0", "yaprak-acme-loyalty 1.0.0", or "(not packaged)"

    @property
    def version(self) -> str:
        return str(self.manifest.version)

    @property
    def migrations_dir(self) -> Path:
        return self.path / "migrations" / "versions"

    @property
    def templates_dir(self) -> Path:
        return self.path / "templates"


@dataclass
class Discovery:
    addons: dict[str, AddonSpec]  # valid manifests, to be loaded
    problems: list[Problem]
    #: every add-on package that could be located, whatever its state (broken manifest,
    #: excluded by YAPRAK_ADDONS): its migrations stay readable, so the database's revision
    #: graph is known even when the add-on itself cannot load.
    located: dict[str, Path] = field(default_factory=dict)
    #: add-ons left out by YAPRAK_ADDONS (not problems: the user asked for it), with their
    #: spec when the manifest is valid
    excluded: dict[str, AddonSpec | None] = field(default_factory=dict)


def _distribution_of(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "(not packaged)"
    return f"{dist.metadata['Name']} {dist.version}"


def installed_entry_points() -> list[EntryPoint]:
    return list(entry_points(group=ENTRY_POINT_GROUP))


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None:
        raise ModuleNotFoundError(f"package {module!r} is not importable")
    if not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{module!r} is a module, not a package (an add-on is a package)")
    return Path(next(iter(spec.submodule_search_locations)))


def discover(
    eps: Iterable[EntryPoint] | None = None, only: Iterable[str] | None = None
) -> Discovery:
    """Find the add-ons among ``eps`` (default: the installed entry points).

    ``only`` restricts which add-ons load (``YAPRAK_ADDONS``): the named ones and what they
    depend on. Names in it that are not found are reported as problems.
    """
    eps = installed_entry_points() if eps is None else list(eps)
    problems: list[Problem] = []
    by_name: dict[str, list[EntryPoint]] = defaultdict(list)
    for ep in eps:
        by_name[ep.name].append(ep)

    found: dict[str, AddonSpec] = {}
    located: dict[str, Path] = {}
    for name in sorted(by_name):
        candidates = by_name[name]
        if len(candidates) > 1:
            where = ", ".join(sorted(f"{_distribution_of(ep)} ({ep.value})" for ep in candidates))
            problems.append(
                Problem(name, f"two add-ons have this name and neither is loaded: {where}")
            )
            continue
        ep = candidates[0]
        source = _distribution_of(ep)
        try:
            path = _package_dir(ep.value)
        except Exception as exc:  # an import error in a parent package lands here too
            problems.append(Problem(name, f"cannot locate package {ep.value!r}: {exc}", source))
            continue
        located[name] = path
        try:
            manifest = load_manifest(path / "manifest.json")
        except ManifestError as exc:
            problems.append(Problem(name, f"invalid manifest: {exc}", source))
            continue
        if manifest.name != name:
            problems.append(
                Problem(
                    name,
                    f"entry point name {name!r} differs from the manifest's name "
                    f"{manifest.name!r} ({manifest.path})",
                    source,
                )
            )
            continue
        found[name] = AddonSpec(name, ep.value, path, manifest, source)

    excluded: dict[str, AddonSpec | None] = {}
    if only is not None:
        wanted = {n.strip() for n in only if n.strip()}
        for name in sorted(wanted - by_name.keys()):
            problems.append(Problem(name, "named in YAPRAK_ADDONS but no such add-on is installed"))
        keep: set[str] = set()
        todo = [n for n in wanted if n in by_name]
        while todo:  # the named add-ons and their dependencies
            name = todo.pop()
            if name not in keep:
                keep.add(name)
                if name in found:
                    todo.extend(d for d in found[name].manifest.dependency_names if d in by_name)
        excluded = {n: found.get(n) for n in sorted(set(by_name) - keep)}
        found = {n: spec for n, spec in found.items() if n in keep}
        problems = [p for p in problems if p.addon not in excluded]
    return Discovery(found, problems, located, excluded)
