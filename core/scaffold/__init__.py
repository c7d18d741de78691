"""``yaprak addons new NAME``: write a pip-installable add-on package from a template.

The template lives in ``core/scaffold/template``; every ``__TOKEN__`` in file names and
contents is replaced (``__ADDON__`` by the add-on name and so on).
"""

from __future__ import annotations

import importlib.util
import re
import uuid
from datetime import date
from pathlib import Path

from packaging.version import Version

import core

TEMPLATE = Path(__file__).resolve().parent / "template"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
RESERVED = {"core", "api", "static", "admin", "auth", "addons", "tests"}


class ScaffoldError(Exception):
    pass


def core_head() -> str:
    """The head revision of core's migrations (the scaffold's first revision depends on it)."""
    from alembic.script import ScriptDirectory

    from core.kernel.migrations import CORE_MIGRATIONS

    script = ScriptDirectory(
        str(CORE_MIGRATIONS), version_locations=[str(CORE_MIGRATIONS / "versions")]
    )
    head = script.get_current_head()
    assert head is not None
    return head


def _tokens(name: str, author: str) -> dict[str, str]:
    title = name.replace("_", " ").title()
    kernel = Version(core.__version__)
    next_kernel = f"{kernel.major + 1}" if kernel.major else f"0.{kernel.minor + 1}"
    return {
        "__REVISION__": uuid.uuid4().hex[:12],
        "__ADDON__": name,
        "__CLASS__": title.replace(" ", ""),
        "__TITLE__": title,
        "__DIST__": name.replace("_", "-"),
        "__SUMMARY__": f"{title}: a Yaprak add-on",
        "__AUTHOR__": author,
        "__KERNEL_MIN__": f"{kernel.major}.{kernel.minor}",
        "__KERNEL_NEXT__": next_kernel,
        "__CORE_HEAD__": core_head(),
        "__DATE__": date.today().isoformat(),
    }


def _render(text: str, tokens: dict[str, str]) -> str:
    for token, value in tokens.items():  # __REVISION__ first: file names join it to __ADDON__
        text = text.replace(token, value)
    return text


def create_addon(name: str, directory: Path, author: str | None = None) -> Path:
    """Write the package ``directory/name`` and return its path."""
    if not NAME_RE.match(name) or name in RESERVED:
        raise ScaffoldError(
            f"{name!r} is not a valid add-on name: lower case letters, digits and _, starting "
            "with a letter, 2 to 40 characters, not a reserved name"
        )
    if importlib.util.find_spec(name) is not None:
        raise ScaffoldError(f"a Python package named {name!r} already exists in this environment")
    target = Path(directory) / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists")
    tokens = _tokens(name, author or "Your Name")
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = _render(str(source.relative_to(TEMPLATE)), tokens).removesuffix(".tmpl")
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(
            _render(source.read_text(encoding="utf-8"), tokens), encoding="utf-8"
        )
    return target
