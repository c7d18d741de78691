"""`yaprak addons check` rules: own table prefix, migrations touch only own tables."""

import pytest

from core.kernel import lifecycle
from core.kernel.checks import check_addon, tables_touched
from core.kernel.errors import KernelError
from core.kernel.migrations import database_state


def test_tables_touched_reads_writes_and_alters_but_not_references():
    assert tables_touched(
        "CREATE TABLE beta_x (id INT, FOREIGN KEY(a) REFERENCES alpha_thing (id));"
    ) == {"beta_x"}
    assert tables_touched("ALTER TABLE alpha_thing ADD COLUMN colour VARCHAR(20);") == {
        "alpha_thing"
    }
    assert tables_touched('CREATE INDEX ix_a ON "alpha_thing" (name);') == {"alpha_thing"}
    assert tables_touched("INSERT INTO core_company (code) VALUES ('x');") == {"core_company"}
    assert tables_touched("UPDATE alembic_version SET version_num='x';") == set()
    assert tables_touched("ALTER TABLE beta_a RENAME TO other;") == {"beta_a", "other"}


def test_healthy_addons_pass(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "beta": "yk_beta"})
    assert check_addon(rt, "alpha") == []
    assert check_addon(rt, "beta") == []


def test_a_table_without_the_prefix_is_refused(runtime_with):
    rt = runtime_with({"badprefix": "yk_badprefix"})
    findings = check_addon(rt, "badprefix")
    assert findings[0] == "model table 'things' lacks the add-on's prefix 'badprefix_'"
    with pytest.raises(KernelError, match="badprefix: refused to install: model table 'things'"):
        lifecycle.install(rt, ["badprefix"])
    assert database_state(rt).installed == {}


def test_altering_another_addons_table_is_refused(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "alterother": "yk_alterother"})
    findings = check_addon(rt, "alterother")
    assert findings == [
        "a migration alters alpha's table 'alpha_thing': an add-on creates and changes only "
        "tables prefixed 'alterother_' (extend a document with a table of your own keyed by its id)"
    ]
    with pytest.raises(
        KernelError, match="alterother: refused to install: a migration alters alpha's"
    ):
        lifecycle.install(rt, ["alterother"])
    assert database_state(rt).installed == {}  # checked before anything was migrated


def test_a_model_table_without_a_migration_is_found(runtime_with, tmp_path):
    import textwrap

    from ..conftest import write_addon, write_revision

    models = textwrap.dedent("""
        from sqlalchemy.orm import Mapped, mapped_column
        from core.db import Base, CompanyOwned

        class HalfOne(CompanyOwned, Base):
            __tablename__ = "half_one"
            id: Mapped[int] = mapped_column(primary_key=True)

        class HalfTwo(CompanyOwned, Base):
            __tablename__ = "half_two"
            id: Mapped[int] = mapped_column(primary_key=True)
    """)
    module, package = write_addon(tmp_path / "pkgs", "half", models=models)
    write_revision(
        package,
        "half",
        "6d0000000001",
        body='op.create_table("half_one", sa.Column("id", sa.Integer, primary_key=True))',
    )
    rt = runtime_with({"half": module})
    assert check_addon(rt, "half") == [
        "model table 'half_two' is created by no migration: run "
        "`yaprak db revision half -m ... --autogenerate`"
    ]
