"""Yaprak kernel: add-on discovery, hooks, companies, migrations, web shell and CLI.

Add-ons import from here only what the public contract offers:

    from core import hookimpl, hookspec        # pluggy markers, project name "yaprak"
    from core import hooks_for                  # per-company hook relay
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

PROJECT = "yaprak"

#: Decorate an add-on's hook implementations with this marker.
hookimpl = pluggy.HookimplMarker(PROJECT)
#: Decorate hook specifications (core's and the ones an add-on publishes) with this marker.
hookspec = pluggy.HookspecMarker(PROJECT)


def hooks_for(company):
    """Return the hook relay for ``company``: only add-ons enabled for it answer.

    See :func:`core.kernel.relay.hooks_for`.
    """
    from core.kernel.relay import hooks_for as _hooks_for

    return _hooks_for(company)


__all__ = ["PROJECT", "__version__", "hookimpl", "hooks_for", "hookspec"]
