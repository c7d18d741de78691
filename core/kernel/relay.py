"""Per-company hook calls: a relay answers only through the add-ons a company enabled.

One relay exists per distinct set of enabled add-ons (memoised by the kernel), and each
hook caller in it is made once with pluggy's ``subset_hook_caller``. Calling through a
relay therefore costs one attribute lookup more than a plain ``pm.hook.<name>(...)``
call plus pluggy's own filtering of the removed plugins.
"""

from __future__ import annotations

from typing import Any

import pluggy

from core.ui import flatten


class HookRelay:
    """``relay.<hook>(**kwargs)`` calls the hook on the relay's add-ons only."""

    def __init__(
        self,
        pm: pluggy.PluginManager,
        addons: frozenset[str],
        removed: list,
        call_addon: Any = None,
    ) -> None:
        self._pm = pm
        self._removed = removed
        self._call_addon = call_addon
        self.addons = addons

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        hook = getattr(self._pm.hook, name, None)
        if hook is None or not hook.has_spec():
            raise AttributeError(f"no hook specification named {name!r}")
        caller = self._pm.subset_hook_caller(name, self._removed)
        self.__dict__[name] = caller  # later lookups skip __getattr__
        return caller

    def gather(self, name: str, **kwargs: Any) -> list[Any]:
        """Call hook ``name`` and flatten the lists the implementations returned."""
        return flatten(getattr(self, name)(**kwargs))

    def by_addon(self, name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call hook ``name`` and return ``(addon, result)`` pairs, for attribution.

        Used where the caller must say which add-on answered (a field two add-ons both
        add to a schema, for instance). Each add-on is called through pluggy, so
        tracing still shows the calls.
        """
        caller = getattr(self, name)
        names = [impl.plugin_name for impl in caller.get_hookimpls()]
        results = []
        for addon in sorted(set(names)):
            for result in self._call_addon(addon, name, **kwargs):
                results.append((addon, result))
        return results

    def __repr__(self) -> str:
        return f"<HookRelay {sorted(self.addons)}>"


def hooks_for(company: Any) -> HookRelay:
    """The relay for ``company`` in the current runtime (web request, CLI, job or test)."""
    from core.runtime import current_runtime

    return current_runtime().hooks_for(company)
