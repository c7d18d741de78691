"""SQL views for third-party report writers, created by an add-on's own migrations.

An add-on describes a view over its own tables (and the tables of what it depends on) as
an ``SqlView``: a name carrying its prefix (``<addon>_v_<thing>``), a ``FROM`` clause and
typed columns. ``create_views(op, views)`` / ``drop_views(op, views)`` in a revision's
``upgrade``/``downgrade`` build the SQL for the engine:

* ``money`` (2 places), ``quantity`` (3), ``price`` (4) columns are ``NUMERIC(18, p)`` on
  PostgreSQL (exact). On SQLite, where ``core.types`` stores them as scaled integers, the
  view divides by ``10**p`` and gives a ``REAL``: the double nearest to the exact value
  (rounding it to ``p`` places gives the value back exactly; a ``SUM`` of many of them may
  be off in the last cent and should be rounded; exact sums: PostgreSQL, or the cube).
* On PostgreSQL each view gets a comment starting with ``REPORT_VIEW_MARK``: that is how
  ``yaprak reporting grant-readonly`` finds every report view present in the database,
  whichever add-on created it.

The definitions belong in the revision file (a revision is history: a view that changes
is a new revision that drops and creates it again). Views are dropped with ``CASCADE`` on
PostgreSQL, so the per-company read-only views built on them (``grant-readonly``) never
block a downgrade; running ``grant-readonly`` again rebuilds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

REPORT_VIEW_MARK = "yaprak report view:"
SCALE = {"money": 2, "quantity": 3, "price": 4}
KINDS = ("text", "integer", "boolean", "date", *SCALE)


@dataclass(frozen=True)
class ViewColumn:
    """A view column: ``sql`` is its expression over the view's ``FROM`` clause (a scaled
    column for money, quantity and price kinds: the helper presents it per engine)."""

    name: str
    sql: str
    kind: str = "text"
    meaning: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"view column {self.name!r}: kind {self.kind!r} not in {KINDS}")

    def expression(self, dialect: str) -> str:
        places = SCALE.get(self.kind)
        if places is None:
            return self.sql
        if dialect == "sqlite":
            return f"(({self.sql}) / {10**places}.0)"
        return f"CAST(({self.sql}) AS NUMERIC(18, {places}))"


@dataclass(frozen=True)
class SqlView:
    """A stable view: ``name`` (with the add-on's prefix), what a row is (``description``),
    ``source`` (the ``FROM`` clause, joins included), its columns (``company_id`` among
    them: the read-only role filters on it) and an optional ``where``."""

    name: str
    description: str
    source: str
    columns: Sequence[ViewColumn]
    where: str = ""

    def __post_init__(self) -> None:
        if "company_id" not in {c.name for c in self.columns}:
            raise ValueError(f"view {self.name}: every report view has a company_id column")

    def select(self, dialect: str) -> str:
        cols = ",\n  ".join(f"{c.expression(dialect)} AS {c.name}" for c in self.columns)
        where = f"\nWHERE {self.where}" if self.where else ""
        return f"SELECT\n  {cols}\nFROM {self.source}{where}"


def signed(expr: str, kind_column: str, negative: str = "credit_note") -> str:
    """``expr`` negative on rows whose ``kind_column`` is ``negative`` (credit notes)."""
    return f"CASE WHEN {kind_column} = '{negative}' THEN -({expr}) ELSE ({expr}) END"


def _dialect(op: Any) -> str:
    return op.get_context().dialect.name


def create_views(op: Any, views: Iterable[SqlView]) -> None:
    """In a revision's ``upgrade``: create ``views`` (in order) for the engine."""
    dialect = _dialect(op)
    for view in views:
        op.execute(f"CREATE VIEW {view.name} AS\n{view.select(dialect)}")
        if dialect == "postgresql":
            text = f"{REPORT_VIEW_MARK} {view.description}".replace("'", "''")
            op.execute(f"COMMENT ON VIEW {view.name} IS '{text}'")


def drop_views(op: Any, views: Iterable[SqlView]) -> None:
    """In a revision's ``downgrade``: drop ``views`` (in reverse order)."""
    cascade = " CASCADE" if _dialect(op) == "postgresql" else ""
    for view in reversed(list(views)):
        op.execute(f"DROP VIEW IF EXISTS {view.name}{cascade}")


def report_views(connection: Any) -> list[str]:
    """The report views present in the connection's current schema (PostgreSQL), by name."""
    from sqlalchemy import text

    return list(
        connection.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'v' "
                "AND obj_description(c.oid, 'pg_class') LIKE :mark ORDER BY c.relname"
            ),
            {"mark": REPORT_VIEW_MARK + "%"},
        )
    )
