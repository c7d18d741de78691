"""The documentation is checked: hook reference up to date, worked example really works,
README starts with the two commands."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.kernel import hookdoc
from core.kernel.migrations import Migrations

from .conftest import write_addon

ROOT = Path(__file__).resolve().parent.parent
ADDONS_MD = ROOT / "docs" / "addons.md"


def test_every_hook_is_documented_and_the_reference_is_current():
    for func in hookdoc.hook_functions():
        assert (func.__doc__ or "").strip(), func.__name__
        assert f"#### `{func.__name__}(" in ADDONS_MD.read_text()
    assert hookdoc.main(["--check", str(ADDONS_MD)]) == 0


def _block_after(text, marker):
    start = text.index(marker)
    match = re.search(r"```python\n(.*?)```", text[start:], re.S)
    return match.group(1)


def _block_containing(text, marker):
    at = text.index(marker)
    start = text.rindex("```python\n", 0, at) + len("```python\n")
    return text[start : text.index("```", at)]


def _rename(code):
    return code.replace("acme_loyalty", "docex_loyalty").replace("AcmeLoyalty", "DocexLoyalty")


@pytest.mark.slow
def test_the_worked_example_works_as_written(tmp_path, runtime_with, cli):
    text = ADDONS_MD.read_text()
    models = _rename(_block_after(text, "**Model** (`models.py`)"))
    hooks = _rename(_block_after(text, "**Hooks** (`hooks.py`)"))
    specs = _rename(_block_containing(text, "# acme_loyalty/hookspecs.py"))
    tests = _rename(_block_after(text, "## 10. Testing"))
    module, package = write_addon(tmp_path / "pkgs", "docex_loyalty", models=models)
    (package / "hooks.py").write_text(hooks)
    (package / "hookspecs.py").write_text(specs)

    rt = runtime_with({"docex_loyalty": module})
    out = cli(
        "db", "revision", "docex_loyalty", "-m", "company points", "--autogenerate", runtime=rt
    )
    assert out.output.startswith("Wrote ")
    assert Migrations(rt).head_of("docex_loyalty")

    flat = text.replace("\n", " ")
    refusals = re.findall(r"`(\{\"acme_loyalty_points\": [^`]*?\})` answers `400 (\{.*?\})`", flat)
    assert len(refusals) == 3  # -5, "abc", 1.5
    cases = [tuple(map(_rename, r)) for r in refusals]
    extra = textwrap.dedent(f"""

        import json
        import pytest

        @pytest.mark.parametrize(("payload", "answer"), {cases!r})
        def test_bad_points_are_refused(make_company, company_client, payload, answer):
            client = company_client(make_company("ACME", addons=["docex_loyalty"]))
            r = client.patch("/api/v1/core/company", json=json.loads(payload))
            assert r.status_code == 400
            assert r.get_json() == json.loads(answer)
    """)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "test_example.py").write_text(tests + extra)
    (tmp_path / "t" / "conftest.py").write_text(
        textwrap.dedent(f"""
        import pytest
        from importlib.metadata import EntryPoint

        @pytest.fixture
        def yaprak_entry_points():
            return [EntryPoint("docex_loyalty", {module!r}, "yaprak.addons")]
    """)
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkgs")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "t")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    head = "\n".join(lines[:25])
    assert "yaprak demo" in head
    assert "pytest" in head
    assert "python3.11 -m venv" in head
