"""Per-add-on Alembic branches: round trips, models equal DDL, failures, needs upgrade."""

import textwrap

import pytest
from sqlalchemy import inspect, select

from core.companies import add_company, enable_addons, get_company
from core.kernel import lifecycle
from core.kernel.errors import KernelError, MigrationFailed
from core.kernel.migrations import CORE, Migrations, database_state
from core.models import InstalledAddon
from core.scaffold import core_head
from core.testing.plugin import client_for

from ..conftest import write_addon, write_revision


def _tables(runtime):
    return set(inspect(runtime.db.engine).get_table_names())


def test_every_branch_has_one_head_and_its_label(yaprak_runtime):
    m = Migrations(yaprak_runtime)
    assert m.head_of(CORE) == core_head()
    for name in m.locations:
        head = m.head_of(name)
        assert m.owner_of_revision[head] == name


def test_models_and_migrations_agree_for_core_and_every_addon(yaprak_runtime):
    kernel = yaprak_runtime.kernel
    lifecycle.install(yaprak_runtime, kernel.order)
    m = Migrations(yaprak_runtime)
    assert "acme_notes" in kernel.order  # the third-party package is checked too
    for owner in [CORE, *kernel.order]:
        assert m.pending_diff(owner) == [], owner


def test_upgrade_downgrade_base_upgrade_round_trips_for_each_addon(yaprak_runtime):
    rt = yaprak_runtime
    kernel = rt.kernel
    lifecycle.install(rt, kernel.order)
    before = _tables(rt)
    for name in kernel.order:
        own = {t for t in before if t.startswith(f"{name}_")}
        dependents = kernel.dependents(name)
        lifecycle.downgrade(rt, f"{name}@base")
        after = _tables(rt)
        assert not own & after, name
        state = database_state(rt)
        assert name not in state.installed
        assert not dependents & set(state.installed)  # their tables went with it
        lifecycle.install(rt, [name, *dependents])
        assert _tables(rt) == before, name
        assert Migrations(rt).pending_diff(name) == []


def test_core_round_trips_too(yaprak_runtime):
    rt = yaprak_runtime
    lifecycle.downgrade(rt, "core@base")
    assert _tables(rt) <= {"alembic_version"}
    lifecycle.init_database(rt)
    assert {"core_company", "core_addon", "core_company_addon"} <= _tables(rt)


def test_a_migration_failing_halfway_leaves_the_last_good_revision(runtime_with):
    rt = runtime_with({"failmig": "yk_failmig"})
    with pytest.raises(MigrationFailed) as info:
        lifecycle.install(rt, ["failmig"])
    message = str(info.value)
    assert message.startswith("failmig: migration failed (IntegrityError")
    assert "stays at the last good revision" in message
    tables = _tables(rt)
    assert "failmig_one" in tables  # the first revision is kept
    assert "failmig_two" not in tables  # the failing one rolled back (DDL included)
    with rt.db.engine.connect() as conn:
        assert "d4d4d4d4d401" in Migrations(rt).db_heads(conn)
    with rt.db.Session() as s:
        assert s.scalar(select(InstalledAddon).where(InstalledAddon.name == "failmig")) is None


def test_needs_upgrade_is_a_clear_503_and_the_addon_is_left_out(runtime_with, tmp_path, cli):
    hooks = textwrap.dedent("""
        from flask import Blueprint
        from core.ui import MenuItem
        bp = Blueprint("pages", __name__)

        @bp.get("/")
        def index():
            return "grow page"

        @hookimpl
        def addon_blueprints():
            return [bp]

        @hookimpl
        def menu_items(company, user):
            return [MenuItem("Grow", "/grow/")]
    """)
    module, package = write_addon(tmp_path / "pkgs", "grow", hooks)
    write_revision(
        package,
        "grow",
        "9a0000000001",
        body='op.create_table("grow_one", sa.Column("id", sa.Integer, primary_key=True))',
    )
    rt = runtime_with({"grow": module})
    with rt.db.transaction() as s:
        add_company(s, "ACME", "Acme")
    enable_addons(rt, "ACME", ["grow"])

    # a new release of the add-on brings a second revision; the database is not upgraded yet
    write_revision(
        package,
        "grow",
        "9a0000000002",
        down="9a0000000001",
        body='op.create_table("grow_two", sa.Column("id", sa.Integer, primary_key=True))',
    )
    rt2 = runtime_with({"grow": module})
    rt2.refresh_state()
    assert "grow" in rt2.needs_upgrade

    from core.web import create_app

    app = create_app(runtime=rt2)
    with rt2.db.Session() as s:
        client = client_for(app, get_company(s, "ACME"))
    response = client.get("/grow/")
    assert response.status_code == 503
    assert "add-on grow needs a database upgrade" in response.get_data(as_text=True)
    assert "yaprak db upgrade" in response.get_data(as_text=True)
    assert "Grow" not in client.get("/").get_data(as_text=True)  # no menu entry meanwhile

    check = cli("addons", "check", runtime=rt2).output
    assert check == "ok      grow 1.0.0 (this database needs `yaprak db upgrade`)\n"

    assert lifecycle.upgrade(rt2) == [CORE, "grow"]
    assert "grow_two" in _tables(rt2)
    response = client.get("/grow/")
    assert response.status_code == 200 and response.data == b"grow page"


def test_an_installed_addon_whose_package_is_gone_is_named(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha"})
    lifecycle.install(rt, ["alpha"])
    gone = runtime_with({}, init=False)  # the same database, alpha's package no longer there
    state = database_state(gone)
    assert state.unknown_revisions == ["a1a1a1a1a1a1"]
    assert state.missing == {
        "alpha": "installed in this database but not loaded: its package is not installed here"
    }
    assert state.core_ready  # the rest of the instance keeps working
    with pytest.raises(KernelError) as info:
        lifecycle.upgrade(gone)
    assert str(info.value) == (
        "the database holds migration revision(s) a1a1a1a1a1a1 of an add-on whose package is "
        "not installed here (alpha); reinstall the package, then downgrade it with "
        "`yaprak db downgrade <addon>@base` before removing it"
    )


def test_an_installed_addon_that_breaks_leaves_the_rest_working(runtime_with, tmp_path, cli):
    import shutil

    hooks = textwrap.dedent("""
        from flask import Blueprint
        bp = Blueprint("pages", __name__)

        @bp.get("/")
        def index():
            return "fragile page"

        @hookimpl
        def addon_blueprints():
            return [bp]
    """)
    module, package = write_addon(tmp_path / "pkgs", "fragile", hooks)
    write_revision(
        package,
        "fragile",
        "7c0000000001",
        body='op.create_table("fragile_one", sa.Column("id", sa.Integer, primary_key=True))',
        down_body='op.drop_table("fragile_one")',
    )
    rt = runtime_with({"alpha": "yk_alpha", "fragile": module})
    with rt.db.transaction() as s:
        add_company(s, "ACME", "Acme")
    enable_addons(rt, "ACME", ["alpha", "fragile"])

    # the next release of the add-on has a misspelt hook (a fresh copy: modules are cached)
    broken = f"{module}_v2"
    shutil.copytree(package, tmp_path / "pkgs" / broken)
    (tmp_path / "pkgs" / broken / "hooks.py").write_text(
        "from core import hookimpl\n\n@hookimpl\ndef menu_itemz(company, user):\n    return []\n"
    )
    rt2 = runtime_with({"alpha": "yk_alpha", "fragile": broken}, init=False)
    rt2.refresh_state()
    assert rt2.core_ready
    assert rt2.missing["fragile"].startswith(
        "installed in this database but not loaded: implements 'menu_itemz'"
    )
    assert lifecycle.upgrade(rt2) == [CORE, "alpha"]

    from core.web import create_app

    app = create_app(runtime=rt2)
    with rt2.db.Session() as s:
        client = client_for(app, get_company(s, "ACME"))
    assert client.get("/alpha/").status_code == 200
    page = client.get("/fragile/")
    assert page.status_code == 503  # enabled here: say why it is not there
    assert (
        "add-on fragile is enabled for ACME but unavailable: installed in this database but "
        "not loaded: implements &#39;menu_itemz&#39;" in page.get_data(as_text=True)
    )
    assert client.get("/api/v1/fragile/x").get_json()["error"]["status"] == 503
    with rt2.db.transaction() as s:
        add_company(s, "OTHER", "Other")
    with rt2.db.Session() as s:
        other = client_for(app, get_company(s, "OTHER"))
    assert other.get("/fragile/").status_code == 404  # not enabled there: nothing to say
    upgrade = cli("db", "upgrade", runtime=rt2, expect=1)
    assert upgrade.output.startswith("At head: core, alpha\nNot upgraded: fragile: ")

    listing = cli("company", "list", runtime=rt2)
    assert listing.stdout.startswith("ACME")
    assert "warning: add-on fragile: installed in this database but not loaded" in listing.stderr

    # it can still be disabled and uninstalled while its package is broken
    cli("addons", "disable", "fragile", "--company", "ACME", runtime=rt2)
    cli("db", "downgrade", "fragile@base", runtime=rt2)
    assert "fragile_one" not in _tables(rt2)
    assert "fragile" not in database_state(rt2).installed


def test_downgrade_to_base_is_refused_while_a_company_uses_the_addon(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "beta": "yk_beta"})
    with rt.db.transaction() as s:
        add_company(s, "ACME", "Acme")
    enable_addons(rt, "ACME", ["beta"])
    with pytest.raises(KernelError, match="alpha is enabled for ACME: disable it there before"):
        lifecycle.downgrade(rt, "alpha@base")
    with pytest.raises(KernelError, match="beta is enabled for ACME: disable it there before"):
        lifecycle.downgrade(rt, "beta@base")
    assert "alpha_thing" in _tables(rt)
    with pytest.raises(KernelError, match="unknown add-on 'gamma'"):
        lifecycle.downgrade(rt, "gamma@base")
    with pytest.raises(KernelError, match="ADDON@REVISION"):
        lifecycle.downgrade(rt, "alpha")


def test_two_heads_in_a_branch_are_reported(runtime_with, tmp_path):
    module, package = write_addon(tmp_path / "pkgs", "forked")
    write_revision(package, "forked", "8b0000000001", body="pass")
    write_revision(package, "forked", "8b0000000002", down="8b0000000001")
    write_revision(package, "forked", "8b0000000003", down="8b0000000001")
    rt = runtime_with({"forked": module})
    with pytest.raises(
        KernelError,
        match=r"forked: refused to install: its migrations have 2 heads "
        r"\(8b0000000002, 8b0000000003\)",
    ):
        lifecycle.install(rt, ["forked"])


def test_db_revision_autogenerates_an_addons_first_migration(runtime_with, tmp_path, cli):
    models = textwrap.dedent("""
        from sqlalchemy import String
        from sqlalchemy.orm import Mapped, mapped_column
        from core.db import Base, CompanyOwned

        class AutogenItem(CompanyOwned, Base):
            __tablename__ = "autogen_item"
            id: Mapped[int] = mapped_column(primary_key=True)
            label: Mapped[str] = mapped_column(String(50))
    """)
    module, package = write_addon(tmp_path / "pkgs", "autogen", models=models)
    # alpha is available but not installed here: its branch must not block autogenerate
    rt = runtime_with({"autogen": module, "alpha": "yk_alpha", "beta": "yk_beta"})
    out = cli("db", "revision", "autogen", "-m", "items", "--autogenerate", runtime=rt).output
    (path,) = (package / "migrations" / "versions").glob("*_items.py")
    assert out == f"Wrote {path}\n"
    text = path.read_text()
    assert 'branch_labels: str | Sequence[str] | None = ("autogen",)' in text  # ruff-formatted
    assert f'depends_on: str | Sequence[str] | None = "{core_head()}"' in text
    assert 'op.create_table(\n        "autogen_item",' in text
    assert "alpha_thing" not in text

    rt2 = runtime_with({"autogen": module, "alpha": "yk_alpha"})
    assert lifecycle.install(rt2, ["autogen"]) == ["autogen"]
    assert Migrations(rt2).pending_diff("autogen") == []
    nothing = cli("db", "revision", "autogen", "-m", "same", "--autogenerate", runtime=rt2).output
    assert nothing == "No changes in autogen's models: no revision written.\n"
    second = cli("db", "revision", "autogen", "-m", "nothing new", runtime=rt2).output
    (path2,) = (package / "migrations" / "versions").glob("*_nothing_new.py")
    assert second == f"Wrote {path2}\n"
    assert f'down_revision: str | None = "{path.name.split("_")[0]}"' in path2.read_text()


def test_autogenerate_works_before_the_addon_is_ever_installed(runtime_with, tmp_path, cli):
    """Models added to a scaffolded add-on before its first install: the next revision is
    autogenerated (against a scratch database) and then it installs."""
    models = textwrap.dedent("""
        from sqlalchemy.orm import Mapped, mapped_column
        from core.db import Base, CompanyOwned

        class GrownOne(CompanyOwned, Base):
            __tablename__ = "grown_one"
            id: Mapped[int] = mapped_column(primary_key=True)

        class GrownTwo(CompanyOwned, Base):
            __tablename__ = "grown_two"
            id: Mapped[int] = mapped_column(primary_key=True)
    """)
    module, package = write_addon(tmp_path / "pkgs", "grown", models=models)
    body = (
        'op.create_table("grown_one", sa.Column("id", sa.Integer(), nullable=False), '
        'sa.Column("company_id", sa.Integer(), nullable=False), '
        'sa.ForeignKeyConstraint(["company_id"], ["core_company.id"], '
        'name=op.f("fk_grown_one_company_id_core_company"), ondelete="CASCADE"), '
        'sa.PrimaryKeyConstraint("id", name=op.f("pk_grown_one"))); '
        'op.create_index(op.f("ix_grown_one_company_id"), "grown_one", ["company_id"])'
    )
    write_revision(package, "grown", "5e0000000001", body=body)
    rt = runtime_with({"grown": module})
    refused = cli("addons", "install", "grown", runtime=rt, expect=1).output
    assert "model table 'grown_two' is created by no migration" in refused
    out = cli("db", "revision", "grown", "-m", "two", "--autogenerate", runtime=rt).output
    assert out.startswith("Wrote ")
    (path,) = (package / "migrations" / "versions").glob("*_two.py")
    upgrade = path.read_text().split("def downgrade")[0]
    assert '"grown_two"' in upgrade and '"grown_one",' not in upgrade
    assert database_state(rt).installed == {}  # the instance's database was not touched
    rt2 = runtime_with({"grown": module})
    assert lifecycle.install(rt2, ["grown"]) == ["grown"]
    assert Migrations(rt2).pending_diff("grown") == []
