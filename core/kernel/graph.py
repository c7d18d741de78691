"""The dependency graph of add-ons: checks, cycles and a stable load order.

The order is a topological sort sorted by (depth, name), so it is the same on every
machine whatever order the entry points come in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from packaging.version import Version

from core.kernel.discovery import AddonSpec
from core.kernel.errors import Problem


@dataclass
class Resolution:
    order: list[str]  # healthy add-ons, dependencies first
    depth: dict[str, int]
    problems: list[Problem]


def _find_cycle(graph: Mapping[str, Iterable[str]], start: str) -> list[str] | None:
    """A dependency path from ``start`` back to ``start``, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for dep in sorted(graph.get(node, ())):
            if dep == start:
                return [*path, start]
            if dep not in seen and dep in graph:
                seen.add(dep)
                stack.append((dep, [*path, dep]))
    return None


def resolve(specs: Mapping[str, AddonSpec], kernel_version: str) -> Resolution:
    kernel = Version(kernel_version)
    problems: list[Problem] = []
    bad: dict[str, str] = {}

    for name, spec in specs.items():
        if kernel not in spec.manifest.kernel:
            bad[name] = f"needs kernel {spec.manifest.kernel}, this is kernel {kernel_version}"
            continue
        for dep in spec.manifest.depends:
            if dep.name not in specs:
                bad[name] = f"depends on {dep.name!r}, which is not installed"
                break
            have = specs[dep.name].manifest.version
            if str(dep.spec) and have not in dep.spec:
                bad[name] = f"depends on {dep}, but {dep.name} {have} is installed"
                break

    graph = {n: [d.name for d in s.manifest.depends] for n, s in specs.items() if n not in bad}
    for name in sorted(graph):
        if name in bad:
            continue
        cycle = _find_cycle(graph, name)
        if cycle:
            text = " -> ".join(cycle)
            for member in cycle[:-1]:
                bad.setdefault(member, f"dependency cycle: {text}")

    for name, message in sorted(bad.items()):
        problems.append(Problem(name, message, specs[name].manifest.path))

    # An add-on whose dependency cannot load cannot load either (to a fixed point).
    changed = True
    while changed:
        changed = False
        for name in sorted(specs):
            if name in bad:
                continue
            broken = [d for d in specs[name].manifest.dependency_names if d in bad]
            if broken:
                bad[name] = f"depends on {broken[0]!r}, which cannot load"
                problems.append(Problem(name, bad[name], specs[name].manifest.path))
                changed = True

    depth: dict[str, int] = {}

    def depth_of(name: str) -> int:
        if name not in depth:
            deps = specs[name].manifest.dependency_names
            depth[name] = 1 + max((depth_of(d) for d in deps), default=-1)
        return depth[name]

    healthy = [n for n in specs if n not in bad]
    for name in healthy:
        depth_of(name)
    order = sorted(healthy, key=lambda n: (depth[n], n))
    return Resolution(order, {n: depth[n] for n in order}, problems)


T = TypeVar("T")


def reachable(starts: Iterable[T], edges: Callable[[T], Iterable[T]]) -> set[T]:
    """``starts`` and every node reachable from them through ``edges``."""
    result: set[T] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if node not in result:
            result.add(node)
            todo.extend(edges(node))
    return result


def closure(specs: Mapping[str, AddonSpec], names: Iterable[str]) -> set[str]:
    """``names`` and everything they depend on, transitively."""
    return reachable(names, lambda name: specs[name].manifest.dependency_names)


def dependents(specs: Mapping[str, AddonSpec], name: str) -> set[str]:
    """The add-ons that depend on ``name``, directly or transitively."""
    result: set[str] = set()
    changed = True
    while changed:
        changed = False
        for other, spec in specs.items():
            if other not in result and (
                name in spec.manifest.dependency_names
                or result.intersection(spec.manifest.dependency_names)
            ):
                result.add(other)
                changed = True
    return result
