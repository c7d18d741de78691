"""The kernel: loads add-ons in dependency order into one pluggy PluginManager.

``Kernel`` is never a module global: every app, CLI run and test builds its own.
Python modules are process-wide, so an add-on's modules are imported once per process;
what differs per kernel is which add-ons are registered with its PluginManager.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

import core
from core import hookspecs as core_hookspecs
from core.kernel import graph
from core.kernel.discovery import AddonSpec, discover
from core.kernel.errors import Problem, UnknownAddon
from core.kernel.relay import HookRelay

# Tables that appeared in the metadata while an add-on's modules were first imported
# (module -> table names). Kept per process because modules are imported once.
_TABLES_AT_IMPORT: dict[str, set[str]] = {}


@dataclass
class LoadedAddon:
    spec: AddonSpec
    package: ModuleType
    plugin: ModuleType
    hookspecs: ModuleType | None
    models: ModuleType | None
    published_hooks: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name


def _submodule(package: str, name: str) -> ModuleType | None:
    full = f"{package}.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def _where_in(package: Path, exc: BaseException) -> str:
    """`` (at hooks.py, line 3)``: the innermost place inside the add-on's package."""
    import traceback

    root = package.resolve()
    places = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and exc.filename:
        places.append((exc.filename, exc.lineno))
    for filename, lineno in reversed(places):
        path = Path(filename).resolve()
        if path.is_relative_to(root):
            return f" (at {path.relative_to(root)}, line {lineno})"
    return ""


def _hook_names(module: ModuleType) -> list[str]:
    marker = f"{core.PROJECT}_spec"
    return sorted(n for n, obj in vars(module).items() if hasattr(obj, marker))


class Kernel:
    """Available add-ons, the healthy ones loaded, their hooks, and per-company relays."""

    def __init__(
        self,
        entry_points: Iterable[EntryPoint] | None = None,
        only: Iterable[str] | None = None,
        trace_hooks: bool = False,
    ) -> None:
        self.version = core.__version__
        found = discover(entry_points, only)
        self.available: dict[str, AddonSpec] = found.addons
        self.problems: list[Problem] = list(found.problems)
        #: package folder of every add-on found, loadable or not (for its migrations)
        self.located = found.located
        #: add-ons left out by YAPRAK_ADDONS
        self.excluded = found.excluded
        resolution = graph.resolve(found.addons, self.version)
        self.problems.extend(resolution.problems)
        self.depth = resolution.depth

        self.pm = pluggy.PluginManager(core.PROJECT)
        self.pm.add_hookspecs(core_hookspecs)
        self.core_hooks = _hook_names(core_hookspecs)
        self.loaded: dict[str, LoadedAddon] = {}
        for name in resolution.order:
            self._load(name)
        self._check_pending()
        self.order: list[str] = [n for n in resolution.order if n in self.loaded]
        self._relays: dict[frozenset[str], HookRelay] = {}
        self._single: dict[tuple[str, str], Any] = {}
        self._registrations: dict[str, list[tuple[str, Any]]] = {}
        self.tracing = False
        if trace_hooks:
            self.enable_tracing()

    # ---------------------------------------------------------------- loading
    def _problem(self, name: str, message: str) -> None:
        spec = self.available.get(name)
        self.problems.append(Problem(name, message, spec.distribution if spec else ""))

    def _load(self, name: str) -> None:
        spec = self.available[name]
        for dep in spec.manifest.dependency_names:
            if dep not in self.loaded:
                self._problem(name, f"depends on {dep!r}, which cannot load")
                return
        from core.db import Base

        fresh = spec.module not in sys.modules
        before = set(Base.metadata.tables)
        try:
            package = importlib.import_module(spec.module)
            specs_module = _submodule(spec.module, "hookspecs")
            models = _submodule(spec.module, "models")
            plugin = _submodule(spec.module, "hooks") or package
        except Exception as exc:
            where = _where_in(spec.path, exc)
            self._problem(name, f"import failed: {type(exc).__name__}: {exc}{where}")
            return
        if fresh:
            _TABLES_AT_IMPORT[spec.module] = set(Base.metadata.tables) - before
        published: list[str] = []
        try:
            if specs_module is not None:
                published = _hook_names(specs_module)
                clash = [
                    h
                    for h in published
                    if self.pm.hook.__dict__.get(h) is not None
                    and getattr(self.pm.hook, h).has_spec()
                ]
                if clash:
                    self._problem(name, f"publishes hook {clash[0]!r}, which already exists")
                    return
                self.pm.add_hookspecs(specs_module)
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            self._problem(name, f"invalid hook implementation: {exc}")
            return
        self.loaded[name] = LoadedAddon(spec, package, plugin, specs_module, models, published)

    def _unload(self, name: str, message: str) -> None:
        self._problem(name, message)
        self.pm.unregister(name=name)
        del self.loaded[name]
        for other in sorted(graph.dependents(self.available, name)):
            if other in self.loaded:
                self._unload(other, f"depends on {name!r}, which cannot load")

    def _check_pending(self) -> None:
        """pluggy's ``check_pending``: a misspelt hook implementation unloads its add-on."""
        while True:
            try:
                self.pm.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                name = self.pm.get_name(exc.plugin)
                if name is None:  # pragma: no cover - only add-ons are registered
                    raise
                bad = [
                    hook
                    for hook in self.pm.hook.__dict__
                    if not hook.startswith("_")
                    and not getattr(self.pm.hook, hook).has_spec()
                    and any(
                        impl.plugin is exc.plugin and not impl.optionalhook
                        for impl in getattr(self.pm.hook, hook).get_hookimpls()
                    )
                ]
                self._unload(
                    name,
                    f"implements {', '.join(repr(b) for b in bad)}, which no hook specification "
                    "defines (misspelt? a hook of an add-on it does not depend on needs "
                    "@hookimpl(optionalhook=True))",
                )

    # ---------------------------------------------------------------- queries
    def spec(self, name: str) -> AddonSpec:
        try:
            return self.available[name]
        except KeyError:
            if name in self.excluded:
                from core.kernel.errors import KernelError

                raise KernelError(f"add-on {name} is left out by YAPRAK_ADDONS") from None
            problems = self.problems_of(name)
            if problems:  # found, but its manifest (or package) is broken
                from core.kernel.errors import KernelError

                raise KernelError(
                    f"add-on {name} cannot load: {'; '.join(p.message for p in problems)}"
                ) from None
            raise UnknownAddon(name) from None

    def problems_of(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.addon == name]

    def is_loaded(self, name: str) -> bool:
        return name in self.loaded

    def closure(self, names: Iterable[str]) -> list[str]:
        """``names`` and their dependencies, in load order."""
        wanted = graph.closure(self.available, names)
        return [n for n in self.order if n in wanted] + sorted(wanted - set(self.order))

    def dependents(self, name: str) -> set[str]:
        return graph.dependents(self.available, name)

    def hooks_implemented(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return []
        return sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def tables_of(self, name: str) -> list[str]:
        """Tables defined by the add-on's models."""
        from core.db import Base

        module = self.spec(name).module
        tables = set(_TABLES_AT_IMPORT.get(module, ()))
        for mapper in Base.registry.mappers:
            owner = mapper.class_.__module__
            if owner == module or owner.startswith(module + "."):
                tables.update(t.name for t in mapper.tables)
        return sorted(tables)

    # ---------------------------------------------------------------- hook calls
    def relay(self, enabled: Iterable[str]) -> HookRelay:
        """The hook relay for a set of enabled add-ons (memoised per distinct set)."""
        relay = self._relays.get(enabled) if isinstance(enabled, frozenset) else None
        if relay is not None:  # fast path: the set is already known (the usual case)
            return relay
        key = frozenset(enabled).intersection(self.loaded)
        relay = self._relays.get(key)
        if relay is None:
            removed = [self.loaded[n].plugin for n in self.loaded if n not in key]
            relay = self._relays[key] = HookRelay(self.pm, key, removed, self.call_addon)
        if isinstance(enabled, frozenset):
            self._relays[enabled] = relay
        return relay

    @property
    def relay_count(self) -> int:
        """How many distinct relays exist (one per distinct enabled set)."""
        return len({id(r) for r in self._relays.values()})

    def call_addon(self, name: str, hook: str, **kwargs: Any) -> list[Any]:
        """Call ``hook`` on the add-on ``name`` alone (on_enable, demo_data, ...)."""
        caller = self._single.get((name, hook))
        if caller is None:
            others = [a.plugin for n, a in self.loaded.items() if n != name]
            caller = self._single[(name, hook)] = self.pm.subset_hook_caller(hook, others)
        return caller(**kwargs)

    def registrations(self, hook: str) -> list[tuple[str, Any]]:
        """``(addon, item)`` for each item a registration hook returned, in load order.

        Registration hooks (``addon_blueprints``, ``periodic_tasks`` ...) are attributed to
        the add-on that answered, so the kernel can gate what they return per company.
        """
        cached = self._registrations.get(hook)
        if cached is None:
            cached = []
            for name in self.order:
                for result in self.call_addon(name, hook):
                    for item in result or ():
                        cached.append((name, item))
            self._registrations[hook] = cached
        return cached

    def enable_tracing(self) -> None:
        """Print every hook call to stderr (``YAPRAK_TRACE_HOOKS=1``)."""
        if self.tracing:
            return

        def before(hook_name: str, impls: list, kwargs: dict) -> None:
            who = ", ".join(i.plugin_name for i in impls) or "(no implementation)"
            args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            print(f"[hook] {hook_name}({args}) -> {who}", file=sys.stderr)

        def after(outcome: Any, hook_name: str, impls: list, kwargs: dict) -> None:
            if outcome.exception is not None:
                print(f"[hook] {hook_name} raised {outcome.exception!r}", file=sys.stderr)
            else:
                print(f"[hook] {hook_name} returned {outcome.get_result()!r}", file=sys.stderr)

        self.pm.add_hookcall_monitoring(before, after)
        self.tracing = True
