"""The runtime: one kernel (code) bound to one database, plus what the database says.

A web app, a CLI invocation, a worker and a test each hold one. ``hooks_for(company)``
finds the current one through a context variable (set by ``Runtime.activate()``) or the
Flask app in the current app context.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from typing import TYPE_CHECKING, Any

from core.config import Config
from core.db import Database
from core.kernel.registry import Kernel

if TYPE_CHECKING:
    from core.kernel.migrations import Migrations
    from core.kernel.relay import HookRelay
    from core.models import Company

_current: ContextVar[Runtime | None] = ContextVar("yaprak_runtime", default=None)


class Runtime:
    def __init__(
        self,
        config: Config | None = None,
        kernel: Kernel | None = None,
        db: Database | None = None,
        entry_points: Any = None,
    ) -> None:
        self.config = config or Config.from_env()
        self.kernel = kernel or Kernel(
            entry_points, only=self.config.addons, trace_hooks=self.config.trace_hooks
        )
        self.db = db or Database(self.config.database_url)
        #: installed add-ons whose migrations have not all run: their routes answer
        #: "needs upgrade" and they are left out of hook relays until `yaprak db upgrade`.
        self.needs_upgrade: dict[str, str] = {}
        #: add-ons installed in the database whose package cannot be loaded here.
        self.missing: dict[str, str] = {}
        self.core_ready = False

    @cached_property
    def templates(self) -> Any:
        """A Jinja environment over core's and every loaded add-on's ``templates/`` (for
        mail and documents rendered outside a web request)."""
        from pathlib import Path

        from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

        folders = [Path(__file__).resolve().parent / "web" / "templates"]
        for name in self.kernel.order:
            folder = self.kernel.available[name].templates_dir
            if folder.is_dir():
                folders.append(folder)
        from core.templates import RENDER_BYTECODE

        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders]),
            autoescape=select_autoescape(["html"], default_for_string=False),
            bytecode_cache=RENDER_BYTECODE,
        )
        from core.mail import template_filters

        env.filters.update(template_filters())
        return env

    @cached_property
    def jobs(self) -> Any:
        """The huey queue of this runtime (see ``core.jobs``)."""
        from core.jobs import make_queue

        return make_queue(self)

    @cached_property
    def migrations(self) -> Migrations:
        """The revision graph of core and the loaded add-ons (read once per runtime)."""
        from core.kernel.migrations import Migrations

        return Migrations(self)

    def refresh_state(self) -> None:
        """Read the migration state: is core at head, which add-ons need an upgrade."""
        from core.kernel import migrations

        state = migrations.database_state(self)
        self.core_ready = state.core_ready
        self.needs_upgrade = state.needs_upgrade
        self.missing = state.missing

    def load_warnings(self, installed_only: bool = False) -> list[str]:
        """One line per add-on installed here without loading or waiting for a database
        upgrade, and (unless ``installed_only``) per add-on that is broken."""
        lines = [
            f"add-on {name}: {why}"
            for name, why in sorted(self.missing.items())
            if not (installed_only and name in self.kernel.excluded)  # the user asked for it
        ]
        if not installed_only:
            lines += [f"add-on {p}" for p in self.kernel.problems if p.addon not in self.missing]
        lines += [why for _, why in sorted(self.needs_upgrade.items())]
        return lines

    def hooks_for(self, company: Company) -> HookRelay:
        enabled = company.enabled_addons
        if self.needs_upgrade:
            enabled = enabled.difference(self.needs_upgrade)
        return self.kernel.relay(enabled)

    @contextmanager
    def activate(self) -> Iterator[Runtime]:
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)


def current_runtime() -> Runtime:
    runtime = _current.get()
    if runtime is not None:
        return runtime
    import sys

    if "flask" in sys.modules:
        from flask import current_app, has_app_context

        if has_app_context():
            return current_app.extensions["yaprak"]
    raise RuntimeError(
        "no Yaprak runtime is active: use it inside a request, a CLI command, a job, "
        "or `with runtime.activate():`"
    )
