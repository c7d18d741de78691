"""Tests replay identical upgrades (core.kernel.migrations.enable_replay): a replayed
database must be the one Alembic builds, and a changed revision file must not replay."""

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from core.kernel import lifecycle
from core.kernel import migrations as migrations_module
from core.testing.databases import throwaway_database
from core.testing.plugin import make_runtime


def _schema(runtime):
    """Every table's columns, keys and indexes, and the alembic_version rows."""
    with runtime.db.engine.connect() as conn:
        insp = inspect(conn)
        found = {}
        for table in sorted(insp.get_table_names()):
            found[table] = (
                [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
                insp.get_pk_constraint(table)["constrained_columns"],
                sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in insp.get_foreign_keys(table)
                ),
                sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(table)),
                sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            )
        versions = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return found, versions


def _built(tmp_path, name):
    with throwaway_database(tmp_path, name) as url:
        runtime = make_runtime(url, tmp_path / name)
        try:
            lifecycle.install(runtime, runtime.kernel.order)
            yield _schema(runtime)
        finally:
            runtime.db.dispose()


def test_a_replayed_database_is_the_one_alembic_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(migrations_module, "_replay", None)  # Alembic itself
    expected = next(_built(tmp_path, "alembic"))
    monkeypatch.setattr(migrations_module, "_replay", {})  # record...
    recorded = next(_built(tmp_path, "recorded"))
    assert migrations_module._replay, "nothing was recorded"

    def no_alembic(*args, **kwargs):
        raise AssertionError("Alembic ran although the upgrade was recorded")

    # ...and replay: the same upgrades again, without Alembic (a miss would call it and fail)
    monkeypatch.setattr(command, "upgrade", no_alembic)
    replayed = next(_built(tmp_path, "replayed"))
    assert recorded == expected
    assert replayed == expected
    assert len(expected[0]) > 40  # core and every add-on's tables were compared


def test_a_changed_revision_file_changes_the_fingerprint(yaprak_runtime, tmp_path, monkeypatch):
    migrations = yaprak_runtime.migrations
    folder = tmp_path / "versions"
    folder.mkdir()
    for path in Path(migrations.locations["core"]).glob("*.py"):
        (folder / path.name).write_bytes(path.read_bytes())
    monkeypatch.setitem(migrations.__dict__, "locations", {"core": folder})
    before = migrations.fingerprint
    assert migrations.fingerprint == before  # read again: the same files, the same digest
    first = sorted(folder.glob("*.py"))[0]
    first.write_text(first.read_text() + "\n# changed\n")
    assert migrations.fingerprint != before
