"""Templates a company edits: its own source for a PDF template, stored as data.

A company may replace any file template (``docs/request.pdf.html``, or the shared
``core/pdf/base.html`` every document extends) with its own source. PDF rendering then
uses it for that company only, in Jinja's sandbox. Sources are checked when saved: a
syntax error is refused with its line.

These functions take a session acting for the company (``core.tenancy``): the tenant
filter scopes every read and write to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.kernel.errors import KernelError
from core.models import TemplateOverride

if TYPE_CHECKING:
    from core.kernel.registry import Kernel

CORE_TEMPLATES = Path(__file__).resolve().parent / "web" / "templates"
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")
MAX_SOURCE = 200_000  # characters


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for every Jinja environment of the process.

    Each app (and each runtime's mail/PDF environment) has its own environment, and
    compiling a page's templates costs tens of milliseconds; a process that builds
    several apps (tests, ``yaprak`` commands that render) compiles each template once.
    The key adds the environment's extensions (and gettext style) and a site tag to
    Jinja's (name, file): environments set up differently never share code; Jinja itself
    checks the source's checksum, so an edited file is compiled again.
    """

    def __init__(self, site: str) -> None:
        self.site = site
        self._store: dict[str, bytes] = {}

    def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Bucket:
        signature = ",".join(sorted(environment.extensions)) + (
            "+newstyle" if getattr(environment, "newstyle_gettext", False) else ""
        )
        key = f"{self.site}|{signature}|{self.get_cache_key(name, filename)}"
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


WEB_BYTECODE = SharedBytecodeCache("web")  # Flask apps (core.web.app)
RENDER_BYTECODE = SharedBytecodeCache("render")  # mail and documents (Runtime.templates)


class TemplateRefused(KernelError):
    """A template override that cannot be saved (unknown name, syntax error, too long)."""


def template_folders(kernel: Kernel) -> list[Path]:
    """Core's ``templates/`` folder, then each loaded add-on's, in load order."""
    folders = [CORE_TEMPLATES]
    for name in kernel.order:
        folder = kernel.available[name].templates_dir
        if folder.is_dir():
            folders.append(folder)
    return folders


def file_source(name: str, folders: Iterable[Path]) -> str | None:
    """The source of file template ``name`` (first folder that has it), or None."""
    if not NAME_RE.match(name) or ".." in name.split("/"):
        return None
    for folder in folders:
        path = Path(folder) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def check_source(name: str, source: str) -> None:
    """Refuse ``source`` unless it compiles in the sandbox; the message names the line."""
    from jinja2 import TemplateSyntaxError

    from core.pdf import template_environment

    if len(source) > MAX_SOURCE:
        raise TemplateRefused(f"{name}: at most {MAX_SOURCE:,} characters")
    env = template_environment(loader=None, sandboxed=True)  # type: ignore[arg-type]
    try:
        env.parse(source, name=name)
        env.compile(source, name=name)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(f"{name} line {exc.lineno}: {exc.message}") from None


def get_override(session: Session, name: str) -> TemplateOverride | None:
    return session.scalar(select(TemplateOverride).where(TemplateOverride.name == name))


def set_override(
    session: Session, name: str, source: str, folders: Iterable[Path]
) -> TemplateOverride:
    """Make ``source`` the company's version of file template ``name``."""
    if file_source(name, folders) is None:
        raise TemplateRefused(f"no template named {name!r} to override")
    check_source(name, source)
    row = get_override(session, name)
    if row is None:
        row = TemplateOverride(name=name, source=source)
        session.add(row)
    else:
        row.source = source
    session.flush()
    return row


def reset_override(session: Session, name: str) -> bool:
    """Go back to the file template; False when the company had no override."""
    row = get_override(session, name)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def list_overrides(session: Session) -> list[TemplateOverride]:
    """The company's overrides, by name."""
    return list(session.scalars(select(TemplateOverride).order_by(TemplateOverride.name)))
