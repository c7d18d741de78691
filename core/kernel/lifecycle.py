"""Installing add-ons in a database, upgrading and downgrading it.

Installed = the add-on's migrations ran to head and a ``core_addon`` row records it.
The row is written only after the last migration succeeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from core.kernel.checks import check_addon
from core.kernel.errors import KernelError, UnknownAddon
from core.kernel.migrations import CORE, Migrations, enabled_companies
from core.models import InstalledAddon

if TYPE_CHECKING:
    from core.runtime import Runtime


def require_loadable(runtime: Runtime, names: Iterable[str]) -> None:
    kernel = runtime.kernel
    for name in names:
        kernel.spec(name)  # UnknownAddon
        if name not in kernel.loaded:
            why = "; ".join(p.message for p in kernel.problems_of(name)) or "not loaded"
            raise KernelError(f"add-on {name} cannot load: {why}")


def init_database(runtime: Runtime) -> None:
    """Bring core's tables to head (``yaprak init``)."""
    runtime.migrations.upgrade_core()
    runtime.refresh_state()


def _record(runtime: Runtime, name: str) -> None:
    version = runtime.kernel.available[name].version
    with runtime.db.transaction() as session:
        row = session.get(InstalledAddon, name)
        if row is None:
            session.add(InstalledAddon(name=name, version=version))
        else:
            row.version = version


def install(runtime: Runtime, names: Iterable[str]) -> list[str]:
    """Install ``names`` and their dependencies; return the ones newly installed."""
    names = list(names)
    require_loadable(runtime, names)
    wanted = runtime.kernel.closure(names)
    require_loadable(runtime, wanted)
    migrations = runtime.migrations
    state = migrations.state()
    if state.unknown_revisions:
        raise KernelError(migrations._explain_unknown(state.unknown_revisions))
    if not state.core_ready:
        migrations.upgrade_core()
    todo = [n for n in wanted if n not in state.installed or n in state.needs_upgrade]
    for name in todo:  # every check before any migration: a refusal changes nothing
        findings = check_addon(runtime, name)
        if findings:
            raise KernelError(f"{name}: refused to install: {findings[0]}")
    newly = []
    for name in todo:
        migrations.upgrade_addon(name)
        _record(runtime, name)
        newly.append(name)
    runtime.refresh_state()
    return newly


def upgrade(runtime: Runtime) -> list[str]:
    """``yaprak db upgrade``: core, then every installed add-on to its head."""
    migrations = runtime.migrations
    state = migrations.state()
    if state.unknown_revisions:
        raise KernelError(migrations._explain_unknown(state.unknown_revisions))
    migrations.upgrade_core()
    done = [CORE]
    for name in runtime.kernel.order:  # installed add-ons that cannot load are left as they are
        if name in state.installed:
            migrations.upgrade_addon(name)
            _record(runtime, name)
            done.append(name)
    runtime.refresh_state()
    return done


def downgrade(runtime: Runtime, target: str) -> None:
    """``yaprak db downgrade ADDON@REV`` (``ADDON@base`` uninstalls its tables).

    Refused while a company has the add-on (or an add-on depending on it) enabled:
    downgrading to base drops its tables.
    """
    if "@" not in target:
        raise KernelError(f"give the target as ADDON@REVISION (or ADDON@base), not {target!r}")
    owner, rev = target.split("@", 1)
    kernel = runtime.kernel
    if owner != CORE and owner not in kernel.located:
        raise UnknownAddon(owner)
    if rev == "base":
        affected = (
            [owner, *sorted(kernel.dependents(owner))] if owner != CORE else list(kernel.available)
        )
        for name in affected:
            companies = enabled_companies(runtime, name)
            if companies:
                raise KernelError(
                    f"{name} is enabled for {', '.join(companies)}: disable it there before "
                    f"downgrading {owner} to base (its tables would be dropped)"
                )
    migrations = runtime.migrations
    migrations.downgrade(target)
    _forget_uninstalled(runtime, migrations)
    runtime.refresh_state()


def _forget_uninstalled(runtime: Runtime, migrations: Migrations) -> None:
    """Remove the ``core_addon`` row of add-ons none of whose revisions remain applied."""
    with runtime.db.engine.connect() as conn:
        applied = migrations.applied(migrations.db_heads(conn))
    owners = {migrations.owner_of_revision[r] for r in applied if r in migrations.owner_of_revision}
    if CORE not in owners:
        return  # core itself went to base: the core_addon table is gone with it
    with runtime.db.transaction() as session:
        installed = session.scalars(select(InstalledAddon.name)).all()
        gone = [n for n in installed if n in migrations.locations and n not in owners]
        if gone:
            session.execute(delete(InstalledAddon).where(InstalledAddon.name.in_(gone)))
