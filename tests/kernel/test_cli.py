"""The yaprak command: every subcommand, and one clear line plus a non-zero exit on errors."""

import subprocess
import sys

from core.scaffold import core_head

from ..conftest import BROKEN, HEALTHY


def test_help_lists_every_command_and_addon_groups():
    out = subprocess.run(
        [sys.executable, "-m", "core.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("init", "serve", "demo", "company", "addons", "db", "jobs"):
        assert f"  {command} " in out
    assert "Add-on commands:" in out and "acme_notes" in out  # the installed third-party one
    sub = subprocess.run(
        [sys.executable, "-m", "core.cli", "addons", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("list", "install", "enable", "disable", "check", "show", "new"):
        assert f"  {command} " in sub


def test_companies(cli):
    assert cli("company", "add", "ACME", "--name", "Acme A.Ş.").output == "Company ACME added.\n"
    assert "ACME         Acme A.Ş." in cli("company", "list").output
    r = cli("company", "add", "ACME", "--name", "Again", expect=1)
    assert r.output == "Error: code: a company with code 'ACME' already exists\n"
    r = cli("company", "add", "no way", "--name", "X", expect=1)
    assert r.output.startswith("Error: code: 'no way' is not a valid company code")
    r = cli("company", "add", "B", "--name", "B", "--currency", "TL", expect=1)
    assert r.output == "Error: currency: 'TL' is not an ISO 4217 code such as TRY\n"
    assert cli("company", "add", "USD1", "--name", "Dollar Co", "--currency", "usd").exit_code == 0
    r = cli("company", "add", "C", "--name", "C", "--currency", "XYZ", expect=1)
    assert r.output == "Error: currency: 'XYZ' is not an ISO 4217 code such as TRY\n"
    assert cli("company", "add", "acme-2", "--name", "Lower").output == "Company ACME-2 added.\n"
    r = cli("company", "add", "Acme-2", "--name", "Again", expect=1)
    assert r.output == "Error: code: a company with code 'ACME-2' already exists\n"
    assert "ACME-2       Lower" in cli("company", "list").output


def test_addons_enable_list_show_disable(cli):
    cli("company", "add", "ACME", "--name", "Acme")
    assert (
        cli("addons", "enable", "beta", "--company", "ACME").output
        == "Enabled for ACME: alpha, beta\n"
    )
    listing = cli("addons", "list", "--company", "ACME").output
    assert "alpha                1.2.0      -                        yes            yes" in listing
    assert "beta                 0.3.1      alpha<2,>=1.0            yes            yes" in listing
    show = cli("addons", "show", "alpha").output
    assert "tables:      alpha_thing" in show
    assert "hooks published:   alpha_greeting" in show
    assert "migration head:    a1a1a1a1a1a1" in show
    assert "enabled for:       ACME" in show
    assert "needed by:   beta" in show
    r = cli("addons", "disable", "alpha", "--company", "ACME", expect=1)
    assert (
        r.output == "Error: cannot disable alpha for ACME: beta depends on it (disable it first)\n"
    )
    assert (
        cli("addons", "disable", "beta", "--company", "ACME").output
        == "Disabled for ACME: beta (data kept)\n"
    )
    again = cli("addons", "disable", "beta", "--company", "acme").output
    assert again == "Already disabled for ACME.\n"


def test_addon_command_groups_are_gated_per_company(cli):
    cli("company", "add", "ACME", "--name", "Acme")
    cli("company", "add", "OTHER", "--name", "Other")
    cli("addons", "enable", "alpha", "--company", "ACME")
    assert cli("alpha", "count", "--company", "ACME").output == "ACME has 1 things\n"
    r = cli("alpha", "count", "--company", "OTHER", expect=1)
    assert r.output == "Error: add-on alpha is not enabled for OTHER\n"


def test_errors_are_one_line_and_non_zero(cli):
    assert (
        cli("addons", "enable", "gamma", "--company", "ACME", expect=1).output
        == "Error: unknown add-on 'gamma'\n"
    )
    cli("company", "add", "ACME", "--name", "Acme")
    assert (
        cli("addons", "enable", "alpha", "--company", "NOPE", expect=1).output
        == "Error: unknown company 'NOPE'\n"
    )
    assert cli("addons", "show", "gamma", expect=1).output == "Error: unknown add-on 'gamma'\n"
    assert cli("jobs", "run", "alpha.nightly", "--company", "ACME", expect=1).output == (
        "Error: no scheduled job 'alpha.nightly' exists for ACME\n"
    )
    assert cli("db", "downgrade", "alpha", expect=1).output.startswith(
        "Error: give the target as ADDON@REVISION"
    )


def test_db_commands(cli):
    cli("addons", "install", "beta")
    current = cli("db", "current").output
    head = core_head()
    assert f"core                 {head}   head {head}  (head)" in current
    assert "beta                 b2b2b2b2b2b2   head b2b2b2b2b2b2  (head)" in current
    assert cli("db", "downgrade", "beta@base").output == "Downgraded to beta@base\n"
    assert (
        "beta                 -              head b2b2b2b2b2b2  (not installed)"
        in cli("db", "current").output
    )
    assert cli("db", "upgrade").output.startswith("At head: core, alpha")


def test_jobs_commands(cli):
    cli("company", "add", "ACME", "--name", "Acme")
    cli("addons", "enable", "alpha", "--company", "ACME")
    cli("company", "add", "OTHER", "--name", "Other")
    assert (
        cli("jobs", "list", "--company", "ACME").output
        == "alpha.nightly                            0 2 * * *\n"
    )
    assert cli("jobs", "list", "--company", "OTHER").output == "No scheduled jobs for OTHER.\n"
    ran = cli("jobs", "run", "alpha.nightly", "--company", "ACME").output
    assert ran.startswith("Ran alpha.nightly for ACME (run ")
    assert "alpha.nightly" in cli("jobs", "runs").output and " done " in cli("jobs", "runs").output


def test_check_passes_for_healthy_addons_and_fails_for_broken_ones(cli, runtime_with):
    ok = cli("addons", "check", runtime=runtime_with(HEALTHY))
    assert ok.output == "ok      alpha 1.2.0\nok      beta 0.3.1\n"
    broken = cli("addons", "check", runtime=runtime_with({**HEALTHY, **BROKEN}), expect=1)
    out = broken.output
    assert "ok      alpha 1.2.0" in out
    assert "FAILED  badmanifest: invalid manifest: " in out and "field 'version'" in out
    assert "FAILED  importerror: import failed: RuntimeError: boom at import" in out
    assert "FAILED  misspelt: implements 'menu_itemz'" in out
    assert "FAILED  cycle_a: dependency cycle: cycle_a -> cycle_b -> cycle_a" in out
    assert "FAILED  missingdep: depends on 'nosuch', which is not installed" in out
    assert "FAILED  badrange: depends on alpha>=2, but alpha 1.2.0 is installed" in out
    assert "FAILED  badprefix: model table 'things' lacks the add-on's prefix 'badprefix_'" in out
    assert "FAILED  alterother: a migration alters alpha's table 'alpha_thing'" in out
    assert "FAILED  needsbroken: depends on 'importerror', which cannot load" in out


def test_a_failing_migration_via_the_cli(cli, runtime_with):
    rt = runtime_with({"failmig": "yk_failmig"})
    r = cli("addons", "install", "failmig", runtime=rt, expect=1)
    assert r.output.startswith("Error: failmig: migration failed (IntegrityError")
    assert (
        "failmig              d4d4d4d4d401   head d4d4d4d4d402  (behind)"
        in cli("db", "current", runtime=rt).output
    )


def test_new_scaffolds_a_package(cli, tmp_path):
    r = cli("addons", "new", "acme_points", "--dir", str(tmp_path))
    assert r.output.startswith(f"Created {tmp_path / 'acme_points'}")
    assert (tmp_path / "acme_points" / "acme_points" / "manifest.json").is_file()
    assert cli("addons", "new", "Bad-Name", "--dir", str(tmp_path), expect=1).output.startswith(
        "Error: 'Bad-Name' is not a valid add-on name"
    )
    again = cli("addons", "new", "acme_points", "--dir", str(tmp_path), expect=1)
    assert again.output == f"Error: {tmp_path / 'acme_points'} already exists\n"
    taken = cli("addons", "new", "json", "--dir", str(tmp_path), expect=1)
    assert (
        taken.output == "Error: a Python package named 'json' already exists in this environment\n"
    )


def test_broken_addons_are_named_with_their_reason(cli, runtime_with):
    rt = runtime_with({**HEALTHY, **BROKEN})
    cli("company", "add", "ACME", "--name", "Acme", runtime=rt)
    r = cli("addons", "enable", "importerror", "--company", "ACME", runtime=rt, expect=1)
    assert r.output == (
        "Error: add-on importerror cannot load: import failed: RuntimeError: boom at import"
        " (at hooks.py, line 1)\n"
    )
    r = cli("addons", "enable", "badmanifest", "--company", "ACME", runtime=rt, expect=1)
    assert r.output.startswith("Error: add-on badmanifest cannot load: invalid manifest: ")
    assert "field 'version'" in r.output
    r = cli("addons", "show", "cycle_a", runtime=rt)
    assert "BROKEN:      dependency cycle: cycle_a -> cycle_b -> cycle_a" in r.output
    listing = cli("addons", "list", runtime=rt).output
    assert "misspelt" in listing and "BROKEN: implements 'menu_itemz'" in listing
    assert cli("company", "list", runtime=rt).output.startswith("ACME ")
    assert "add-ons: -" in cli("company", "list", runtime=rt).output  # nothing half-enabled


def test_read_only_commands_create_no_files(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from core.cli import main

    monkeypatch.setenv("YAPRAK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("YAPRAK_DATABASE_URL", raising=False)
    for args in (["addons", "list"], ["addons", "check"], ["company", "list"]):
        CliRunner().invoke(main, args)
    assert not (tmp_path / "home").exists()
    result = CliRunner().invoke(main, ["company", "add", "ACME", "--name", "Acme"])
    assert result.exit_code == 1
    assert "is not initialised: run `yaprak init` first" in result.output


def test_yaprak_addons_leaves_addons_out_by_name(cli, runtime_with):
    from ..conftest import fixture_eps

    rt = runtime_with(HEALTHY)
    cli("company", "add", "ACME", "--name", "Acme", runtime=rt)
    cli("addons", "enable", "beta", "--company", "ACME", runtime=rt)
    from core.config import Config
    from core.runtime import Runtime

    only_alpha = Runtime(
        Config(home=rt.config.home, database_url=rt.config.database_url, addons=["alpha"]),
        entry_points=fixture_eps(),
    )
    r = cli("addons", "enable", "beta", "--company", "ACME", runtime=only_alpha, expect=1)
    assert r.output == "Error: add-on beta is left out by YAPRAK_ADDONS\n"
    listing = cli("addons", "list", "--company", "ACME", runtime=only_alpha).output
    assert "beta" in listing and "(left out by YAPRAK_ADDONS)" in listing
    check = cli("addons", "check", runtime=only_alpha).output
    assert check == "ok      alpha 1.2.0\nskipped beta (left out by YAPRAK_ADDONS)\n"
    upgrade = cli("db", "upgrade", runtime=only_alpha)  # exit 0: the user left it out
    assert "Not upgraded: beta: installed in this database but not loaded: left out by" in (
        upgrade.output
    )
    only_alpha.db.dispose()


def test_the_cli_imports_no_heavy_library_for_help():
    code = (
        "import sys, core.cli\n"
        "libs = ('sqlalchemy', 'flask', 'alembic', 'jsonschema', 'huey')\n"
        "heavy = [m for m in libs if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # `yaprak --help` stays fast
