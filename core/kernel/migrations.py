"""Per-add-on migrations: one Alembic environment, one branch (label = name) per add-on.

``version_locations`` is core's ``migrations/versions`` plus the ``migrations/versions``
folder of every loaded add-on. Upgrades run add-on by add-on, ``<name>@head``, in
dependency order; each revision in its own transaction (transactional DDL on both
engines, see ``core.db``), so a failing revision leaves the database at the last good
revision and the add-on is not marked installed.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from argparse import Namespace
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Connection

import core
from core.kernel.errors import KernelError, MigrationFailed
from core.kernel.graph import reachable
from core.models import CompanyAddon, InstalledAddon

if TYPE_CHECKING:
    from core.runtime import Runtime

CORE = "core"
CORE_MIGRATIONS = Path(core.__file__).resolve().parent / "migrations"


def has_migrations(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*.py"))


class Migrations:
    """The revision graph of core and the loaded add-ons, and commands over it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.kernel = runtime.kernel
        self.db = runtime.db

    # ------------------------------------------------------------- the script graph
    @cached_property
    def installed_rows(self) -> dict[str, str]:
        """``core_addon`` as the database has it when first asked (name -> version)."""
        with self.db.engine.connect() as conn:
            if "core_addon" not in inspect(conn).get_table_names():
                return {}
            return dict(conn.execute(select(InstalledAddon.name, InstalledAddon.version)).all())

    @cached_property
    def locations(self) -> dict[str, Path]:
        """``{owner: versions folder}`` for core, each loaded add-on with migrations, and each
        add-on installed in the database that cannot load here but whose package is present
        (broken, or left out by ``YAPRAK_ADDONS``): its revisions must stay known, or one
        broken add-on would make the whole database unreadable."""
        found = {CORE: CORE_MIGRATIONS / "versions"}
        for name in self.kernel.order:
            path = self.kernel.available[name].migrations_dir
            if has_migrations(path):
                found[name] = path.resolve()
        for name in sorted(self._unloaded_installed()):
            path = self.kernel.located[name] / "migrations" / "versions"
            if has_migrations(path):
                found[name] = path.resolve()
        return found

    def _unloaded_installed(self) -> set[str]:
        if not self.db_exists():
            return set()
        names = set(self.installed_rows) - set(self.kernel.loaded)
        return {n for n in names if n in self.kernel.located}

    def db_exists(self) -> bool:
        """False for an SQLite file that does not exist yet (reading must not create it)."""
        url = self.db.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return True
        return Path(url.database).exists()

    def config(
        self,
        connection: Connection | None = None,
        locations: dict[str, Path] | None = None,
        **attributes: Any,
    ) -> AlembicConfig:
        # quiet: our commands print their own lines
        cfg = AlembicConfig(stdout=io.StringIO(), cmd_opts=Namespace(quiet=True))
        cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
        cfg.set_main_option("path_separator", "os")
        import os

        folders = (self.locations if locations is None else locations).values()
        cfg.set_main_option("version_locations", os.pathsep.join(map(str, folders)))
        if connection is not None:
            cfg.attributes["connection"] = connection
        cfg.attributes.update(attributes)
        return cfg

    @cached_property
    def script(self) -> ScriptDirectory:
        # Reading the revision files imports each of them (tens of milliseconds for a few
        # add-ons); every runtime of a process over the same files shares one graph.
        key = (tuple(map(str, self.locations.values())), self.fingerprint)
        if key in _scripts:
            return _scripts[key]
        script = self._read_script()
        if key == (tuple(map(str, self.locations.values())), self.fingerprint):
            _scripts[key] = script  # not when a broken add-on's folder was left out
        return script

    def _read_script(self) -> ScriptDirectory:
        script = ScriptDirectory.from_config(self.config())
        try:
            script.revision_map.heads  # noqa: B018 - loads every revision file now
        except Exception:
            extra = set(self.locations) - {CORE, *self.kernel.order}
            if not extra:
                raise
            # a broken add-on's migration files cannot even be read: go on without them
            # (its revisions become "unknown" and it is named as such)
            self.__dict__["locations"] = {o: p for o, p in self.locations.items() if o not in extra}
            script = ScriptDirectory.from_config(self.config())
        return script

    @cached_property
    def owner_of_revision(self) -> dict[str, str]:
        """Revision id -> the add-on (or ``core``) whose folder holds it."""
        by_folder = {path: owner for owner, path in self.locations.items()}
        owners = {}
        for rev in self.script.walk_revisions():
            owners[rev.revision] = by_folder.get(Path(rev.path).resolve().parent, "?")
        return owners

    def head_of(self, owner: str) -> str | None:
        """The head revision of ``owner``'s branch (None: it has no migrations)."""
        if owner not in self.locations:
            return None
        heads = [r for r, o in self.owner_of_revision.items() if o == owner]
        tips = [
            r for r in heads if not any(r in self._down_of(other) for other in heads if other != r)
        ]
        if len(tips) != 1:
            raise KernelError(
                f"{owner}: its migrations have {len(tips)} heads ({', '.join(sorted(tips))}); "
                "an add-on's branch must have exactly one"
            )
        return tips[0]

    def _down_of(self, rev_id: str) -> set[str]:
        rev = self.script.get_revision(rev_id)
        downs: set[str] = set()
        for item in _as_tuple(rev.down_revision):
            downs.add(item)
        for dep in _as_tuple(rev.dependencies):
            downs.update(r.revision for r in self.script.revision_map.get_revisions(dep) if r)
        return downs

    def applied(self, heads: Iterable[str]) -> set[str]:
        """Every revision applied when the database is at ``heads`` (dependencies included).

        Alembic stores only the heads; a branch that another branch depends on has no
        row of its own once the dependent branch is upgraded.
        """
        return reachable(heads, self._down_of)

    # ------------------------------------------------------------- database state
    def db_heads(self, connection: Connection) -> tuple[str, ...]:
        return MigrationContext.configure(connection).get_current_heads()

    def state(self) -> DatabaseState:
        state = DatabaseState()
        if not self.db_exists():
            return state
        with self.db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables:
                return state
            heads = self.db_heads(conn)
            installed: dict[str, str] = {}
            if "core_addon" in tables:
                installed = dict(
                    conn.execute(select(InstalledAddon.name, InstalledAddon.version)).all()
                )
        state.installed = installed
        for name in sorted(installed):
            if name not in self.kernel.loaded:
                if name in self.kernel.excluded:
                    why = "left out by YAPRAK_ADDONS"
                else:
                    why = "; ".join(p.message for p in self.kernel.problems_of(name)) or (
                        "its package is not installed here"
                    )
                state.missing[name] = f"installed in this database but not loaded: {why}"
        known = set(self.owner_of_revision)
        unknown = [h for h in heads if h not in known]
        if unknown:
            # Which revisions are applied cannot be worked out; core's tables tell whether
            # the database was initialised, so the add-ons that do load keep working.
            state.unknown_revisions = unknown
            core_tables = {t for t in _metadata_tables() if t.startswith("core_")}
            state.core_ready = core_tables <= tables
            return state
        applied = self.applied(heads)
        state.applied = applied
        state.core_ready = self.head_of(CORE) in applied
        for name in installed:
            if name in state.missing:
                continue
            head = self.head_of(name)
            if head is not None and head not in applied:
                state.needs_upgrade[name] = (
                    f"add-on {name} needs a database upgrade (revision {head} has not run): "
                    "run `yaprak db upgrade`"
                )
        return state

    def _explain_unknown(self, unknown: list[str]) -> str:
        state = self.state()
        gone = sorted(n for n in state.missing if n not in self.kernel.located)
        who = ", ".join(gone) or "an add-on whose package is gone"
        return (
            f"the database holds migration revision(s) {', '.join(unknown)} of an add-on whose "
            f"package is not installed here ({who}); reinstall the package, then downgrade it "
            "with `yaprak db downgrade <addon>@base` before removing it"
        )

    # ------------------------------------------------------------- commands
    @property
    def fingerprint(self) -> str:
        """A digest of every revision file in ``locations`` (names and contents; read each
        time, so a revision written a moment ago counts)."""
        digest = hashlib.sha256()
        for owner, folder in sorted(self.locations.items()):
            for path in sorted(folder.glob("*.py")):
                digest.update(f"{owner}/{path.name}\0".encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()

    def _run(self, fn: Any, target: str, owner: str) -> None:
        self.db.ensure_directory()
        with self.db.engine.connect() as conn:
            cfg = self.config(conn)
            key = None
            if _replay is not None and fn is command.upgrade:
                key = (conn.dialect.name, target, _version_rows(conn), self.fingerprint)
                recorded = _replay.get(key)
                if recorded is not None:
                    _play(conn, recorded)
                    return
            try:
                if key is None:
                    fn(cfg, target)
                else:
                    with _recording(conn) as recorded:
                        fn(cfg, target)
                    _replay[key] = recorded  # type: ignore[index]
            except CommandError as exc:
                if "Can't locate revision" in str(exc):
                    raise KernelError(
                        self._explain_unknown(self.state().unknown_revisions)
                    ) from exc
                raise KernelError(f"{owner}: {exc}") from exc
            except KernelError:
                raise
            except Exception as exc:
                raise MigrationFailed(
                    f"{owner}: migration failed ({type(exc).__name__}: {_one_line(exc)}); "
                    f"the database stays at the last good revision and {owner} is not "
                    "marked installed"
                ) from exc
            if conn.in_transaction():
                conn.commit()

    def upgrade_core(self) -> None:
        self._run(command.upgrade, f"{CORE}@head", CORE)

    def upgrade_addon(self, name: str) -> None:
        if name in self.locations:
            self._run(command.upgrade, f"{name}@head", name)

    def downgrade(self, target: str) -> None:
        owner = target.split("@", 1)[0] if "@" in target else ""
        if owner and owner != CORE and owner not in self.kernel.located:
            raise KernelError(f"unknown add-on {owner!r} in {target!r}")
        self._run(command.downgrade, target, owner or target)

    def revision(self, name: str, message: str, autogenerate: bool = False) -> Path | None:
        """Write a new revision file for add-on ``name``; its path, or None if autogenerate
        found nothing to change.

        The first revision starts the add-on's branch (``branch_labels = (name,)``) and
        depends on the current heads of core and of the add-on's dependencies. Autogenerate
        compares only the add-on's own tables with what its migrations so far create.
        """
        from core.kernel.lifecycle import require_loadable

        if name == CORE:  # Yaprak's own development: core's branch
            folder, first, deps = CORE_MIGRATIONS / "versions", False, [CORE]
        else:
            require_loadable(self.runtime, [name])
            spec = self.kernel.available[name]
            folder = spec.migrations_dir
            first = name not in self.locations
            deps = [CORE, *self.kernel.closure(spec.manifest.dependency_names)]
        kwargs: dict[str, Any] = {"version_path": str(folder)}
        if first:
            heads = [h for h in (self.head_of(d) for d in deps) if h]
            kwargs.update(head="base", branch_label=name, depends_on=heads)
        else:
            kwargs.update(head=f"{name}@head")

        # Autogenerate compares against a scratch database (a temporary SQLite file) brought
        # to the heads of core, the dependencies and the add-on itself: the result does not
        # depend on what this instance's database holds (an add-on not installed yet, another
        # one behind), and that database is not touched.
        owners = {CORE, *deps} | ({name} if not first else set())
        locations = {o: p for o, p in self.locations.items() if o in owners}
        if first:
            folder.mkdir(parents=True, exist_ok=True)
            locations[name] = folder.resolve()
        owner_of = self.table_owner

        def include(obj: Any, obj_name: str, type_: str, reflected: bool, compare_to: Any) -> bool:
            table = obj_name if type_ == "table" else getattr(obj, "table", None)
            return owner_of(table if isinstance(table, str) else getattr(table, "name", "")) == name

        def skip_empty(context: Any, revision: Any, directives: list) -> None:
            if autogenerate and directives and directives[0].upgrade_ops.is_empty():
                directives[:] = []

        with tempfile.TemporaryDirectory(prefix="yaprak-revision-") as scratch:
            from core.db import Database

            database = Database(f"sqlite:///{Path(scratch) / 'scratch.db'}")
            try:
                if autogenerate:
                    self._prepare_scratch(database, [o for o in self.locations if o in owners])
                with database.engine.connect() as conn:
                    cfg = self.config(
                        conn,
                        locations=locations,
                        include_object=include,
                        process_revision_directives=skip_empty,
                    )
                    try:
                        script = command.revision(
                            cfg, message=message, autogenerate=autogenerate, **kwargs
                        )
                    except CommandError as exc:
                        raise KernelError(f"{name}: {exc}") from exc
            finally:
                database.dispose()
        self.__dict__.pop("locations", None)  # the graph changed: read it again next time
        self.__dict__.pop("script", None)
        self.__dict__.pop("owner_of_revision", None)
        if not script:
            return None
        assert not isinstance(script, list)
        path = Path(script.path)
        _format_python(path)
        return path

    def _prepare_scratch(self, database: Any, owners: list[str]) -> None:
        """Upgrade ``owners``' branches (core first) on a scratch database."""
        with database.engine.connect() as conn:
            cfg = self.config(conn)
            for owner in [CORE, *[o for o in self.kernel.order if o in owners]]:
                try:
                    command.upgrade(cfg, f"{owner}@head")
                except Exception as exc:
                    raise KernelError(
                        f"{owner}: its migrations fail on a scratch database "
                        f"({type(exc).__name__}: {_one_line(exc)})"
                    ) from exc
                if conn.in_transaction():
                    conn.commit()

    def offline_sql(self, name: str, dialect: str = "postgresql") -> dict[str, list[str]]:
        """SQL statements of ``name``'s upgrade (from base), grouped by owning add-on.

        Rendering runs every revision through Alembic (a quarter of a second for a few
        add-ons); the result depends only on the revision files, so it is kept per process
        under their ``fingerprint``.
        """
        key = (name, dialect, self.fingerprint)
        if key not in _offline_sql:
            _offline_sql[key] = self._render_offline(name, dialect)
        return {owner: list(statements) for owner, statements in _offline_sql[key].items()}

    def _render_offline(self, name: str, dialect: str) -> dict[str, list[str]]:
        buffer = io.StringIO()
        cfg = self.config(output_buffer=buffer)
        cfg.output_buffer = buffer
        cfg.set_main_option("sqlalchemy.url", f"{dialect}://")
        command.upgrade(cfg, f"{name}@head", sql=True)
        statements: dict[str, list[str]] = {}
        owner = "?"
        current: list[str] = []
        for line in buffer.getvalue().splitlines():
            marker = re.match(r"-- Running upgrade .*-> (\w+)", line)
            if marker:
                owner = self.owner_of_revision.get(marker.group(1), "?")
                continue
            if line.startswith("--") or not line.strip():
                continue
            current.append(line)
            if line.rstrip().endswith(";"):
                statements.setdefault(owner, []).append("\n".join(current))
                current = []
        return statements

    def pending_diff(self, owner: str) -> list[Any]:
        """Differences between ``owner``'s models and the database (autogenerate)."""
        from alembic.autogenerate import compare_metadata

        from core.db import Base

        owner_of = self.table_owner

        def include(obj: Any, name: str, type_: str, reflected: bool, compare_to: Any) -> bool:
            table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
            return owner_of(table) == owner

        with self.db.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"include_object": include, "compare_type": True}
            )
            return compare_metadata(ctx, Base.metadata)

    def table_owner(self, table: str) -> str | None:
        """Which add-on (or core) a table belongs to, by its prefix (longest name wins)."""
        names = [CORE, *self.kernel.available]
        matches = [n for n in names if table.startswith(n + "_")]
        return max(matches, key=len) if matches else None


_offline_sql: dict[tuple[str, str, str], dict[str, list[str]]] = {}
_scripts: dict[tuple[tuple[str, ...], str], ScriptDirectory] = {}

# Replaying upgrades (tests and benchmarks only). Running a branch's revisions through
# Alembic costs about half a second per add-on, and a test suite makes a fresh database for
# every test: hundreds of identical upgrades. With replay on, the statements an upgrade sent
# are recorded under (dialect, target, the alembic_version rows before, the revision files'
# fingerprint) and the next identical upgrade sends them again in one transaction. Yaprak's
# migrations are schema only (no data read or written: ``check_addon`` renders them
# offline), so the same statements on the same schema give the same result. A failing
# upgrade is never recorded; a changed revision file changes the fingerprint.
_replay: dict[tuple, list[tuple[str, Any, bool]]] | None = None


def enable_replay() -> None:
    """Record and replay identical upgrades in this process (``core.testing`` turns it on)."""
    global _replay
    if _replay is None:
        _replay = {}


def _version_rows(conn: Connection) -> tuple[str, ...] | None:
    """The alembic_version rows, sorted (None: no such table)."""
    try:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
        return tuple(sorted(rows))
    finally:
        conn.rollback()


@contextmanager
def _recording(conn: Connection) -> Iterator[list[tuple[str, Any, bool]]]:
    recorded: list[tuple[str, Any, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool):
        if statement.split(None, 1)[0].upper() not in _TRANSACTION_CONTROL:
            recorded.append((statement, parameters, many))

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield recorded
    finally:
        event.remove(conn, "before_cursor_execute", record)


# core.db sends BEGIN itself on SQLite; the replay runs in one transaction of its own
_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END"}


def _play(conn: Connection, recorded: list[tuple[str, Any, bool]]) -> None:
    with conn.begin():
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            for statement, parameters, many in recorded:
                if many:
                    cursor.executemany(statement, parameters)
                elif parameters:
                    cursor.execute(statement, parameters)
                else:
                    cursor.execute(statement)
        finally:
            cursor.close()


@dataclass
class DatabaseState:
    core_ready: bool = False
    installed: dict[str, str] = field(default_factory=dict)
    applied: set[str] = field(default_factory=set)
    needs_upgrade: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    unknown_revisions: list[str] = field(default_factory=list)


def _format_python(path: Path) -> None:
    """Format a generated revision with ruff when it is installed (Alembic writes its own
    style); without ruff the file is left as Alembic wrote it."""
    import importlib.util
    import shutil
    import subprocess
    import sys

    if importlib.util.find_spec("ruff") is not None:  # installed with this Python
        command_line = [sys.executable, "-m", "ruff"]
    elif shutil.which("ruff"):
        command_line = [shutil.which("ruff") or "ruff"]
    else:
        return
    subprocess.run(
        [*command_line, "format", "--quiet", str(path)], check=False, capture_output=True
    )


def _metadata_tables() -> set[str]:
    from core.db import Base

    return set(Base.metadata.tables)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def database_state(runtime: Runtime) -> DatabaseState:
    return runtime.migrations.state()


def enabled_companies(runtime: Runtime, name: str) -> list[str]:
    """Codes of the companies that enabled ``name``."""
    from core.models import Company

    with runtime.db.Session() as session:
        return list(
            session.scalars(
                select(Company.code)
                .join(CompanyAddon, CompanyAddon.company_id == Company.id)
                .where(CompanyAddon.addon == name, CompanyAddon.enabled.is_(True))
                .order_by(Company.code)
            )
        )
