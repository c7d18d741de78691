"""Static checks of an add-on: its tables carry its prefix; its migrations touch only them.

``yaprak addons check`` runs them for every add-on, and installing an add-on refuses one
that fails them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.db import CompanyOwned
from core.kernel.errors import KernelError

if TYPE_CHECKING:
    from core.runtime import Runtime

_TABLE_PATTERNS = [
    r"CREATE TABLE (?:IF NOT EXISTS )?\"?(\w+)\"?",
    r"ALTER TABLE (?:ONLY )?(?:IF EXISTS )?\"?(\w+)\"?",
    r"DROP TABLE (?:IF EXISTS )?\"?(\w+)\"?",
    # views share the tables' namespace: an add-on's views carry its prefix too
    r"CREATE (?:OR REPLACE )?VIEW (?:IF NOT EXISTS )?\"?(\w+)\"?",
    r"DROP VIEW (?:IF EXISTS )?\"?(\w+)\"?",
    r"CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?\"?\w+\"? "
    r"ON (?:ONLY )?\"?(\w+)\"?",
    r"INSERT INTO \"?(\w+)\"?",
    r"^\s*UPDATE \"?(\w+)\"?",
    r"DELETE FROM \"?(\w+)\"?",
    r"TRUNCATE (?:TABLE )?\"?(\w+)\"?",
    r"RENAME TO \"?(\w+)\"?",
    r"COMMENT ON (?:TABLE|COLUMN|VIEW) \"?(\w+)\"?",
    r"REFERENCES \"?(\w+)\"?",
]
_TABLE_RE = re.compile("|".join(f"(?:{p})" for p in _TABLE_PATTERNS), re.IGNORECASE | re.MULTILINE)
# A foreign key to another add-on's table is how a document is extended: reading, not altering.
_READ_ONLY = re.compile(r"REFERENCES \"?(\w+)\"?", re.IGNORECASE)


def tables_touched(statement: str) -> set[str]:
    """Tables a statement writes to or alters (foreign key targets excluded)."""
    referenced = {m.group(1) for m in _READ_ONLY.finditer(statement)}
    touched = set()
    for match in _TABLE_RE.finditer(statement):
        name = next(g for g in match.groups() if g)
        touched.add(name)
    return (touched - referenced) - {"alembic_version"}


def _mapped_classes(module: str) -> list[type]:
    from core.db import Base

    return [
        m.class_
        for m in Base.registry.mappers
        if m.class_.__module__ == module or m.class_.__module__.startswith(module + ".")
    ]


def check_addon(runtime: Runtime, name: str) -> list[str]:
    """Findings (one line each) for add-on ``name``; empty when it is fine."""
    kernel = runtime.kernel
    findings: list[str] = []
    prefix = f"{name}_"
    for table in kernel.tables_of(name):
        if not table.startswith(prefix):
            findings.append(f"model table {table!r} lacks the add-on's prefix {prefix!r}")
    for cls in _mapped_classes(kernel.spec(name).module):
        if "company_id" in cls.__table__.c and not issubclass(cls, CompanyOwned):
            findings.append(
                f"model {cls.__name__} has a company_id but is not CompanyOwned: its rows "
                "would not be filtered to the company (use core.db.CompanyOwned)"
            )
    migrations = runtime.migrations
    if name not in migrations.locations:
        if kernel.tables_of(name):
            findings.append("defines tables but has no migrations/versions folder")
        return findings
    try:
        migrations.head_of(name)
    except KernelError as exc:
        findings.append(str(exc).removeprefix(f"{name}: "))
        return findings
    bases = [
        r
        for r, owner in migrations.owner_of_revision.items()
        if owner == name and migrations.script.get_revision(r).down_revision is None
    ]
    for rev in bases:
        labels = migrations.script.get_revision(rev).branch_labels
        if name not in labels:
            findings.append(f"first revision {rev} must carry branch_labels = ({name!r},)")
    try:
        statements = migrations.offline_sql(name)
    except Exception as exc:  # a migration that cannot even render is a finding too
        findings.append(f"migrations cannot be rendered: {type(exc).__name__}: {exc}")
        return findings
    created = {
        m.group(1)
        for statement in statements.get(name, [])
        for m in re.finditer(r"CREATE TABLE (?:IF NOT EXISTS )?\"?(\w+)\"?", statement, re.I)
    }
    for table in kernel.tables_of(name):
        if table.startswith(prefix) and table not in created:
            findings.append(
                f"model table {table!r} is created by no migration: run "
                f"`yaprak db revision {name} -m ... --autogenerate`"
            )
    for statement in statements.get(name, []):
        for table in sorted(tables_touched(statement)):
            owner = migrations.table_owner(table)
            if owner != name:
                whose = f"{owner}'s" if owner else "a foreign"
                findings.append(
                    f"a migration alters {whose} table {table!r}: an add-on creates and "
                    f"changes only tables prefixed {prefix!r} (extend a document with a table "
                    "of your own keyed by its id)"
                )
    return sorted(set(findings), key=findings.index)
