"""A PostgreSQL role that reads the report views of one company, and nothing else.

Per-company views in a schema of their own, rather than row-level security: the company's
schema (``yaprak_ro_<code>``; ``<schema>_ro_<code>`` when Yaprak lives in another schema
than ``public``) holds one view per report view, ``SELECT * FROM <view> WHERE company_id =
N``, marked ``security_barrier`` (no function of the reader sees a filtered-out row). The
views belong to the database owner, so they read the base tables with the owner's rights;
the role gets ``USAGE`` on that schema and ``SELECT`` on its views, nothing on the base
schema. RLS would need a policy on every base table of every add-on, a way to tell the
session's company (a setting the reader could change), and would still leave the base
tables' other columns readable; views expose exactly the documented columns.

Re-running ``grant_readonly`` rebuilds the company's schema from the report views present
now (an add-on installed later brings its views to every reader of the schema), keeping
the grants of the other roles that read it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from core.sql_views import report_views


class ReadonlyError(Exception):
    """The role cannot be made (not PostgreSQL, a bad name, a superuser): one line."""


_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def readonly_schema(base_schema: str, company_code: str) -> str:
    """The schema of ``company_code``'s read-only views."""
    prefix = "yaprak" if base_schema == "public" else base_schema
    return f"{prefix}_ro_{company_code.lower()}"[:63]


def _check(connection: Any, role: str) -> None:
    if connection.dialect.name != "postgresql":
        raise ReadonlyError(
            "read-only roles are a PostgreSQL feature; this database is "
            f"{connection.dialect.name} (report writers can open the SQLite file read-only)"
        )
    if not _NAME.match(role):
        raise ReadonlyError(
            f"role name {role!r}: use lower-case letters, digits and _ (at most 63)"
        )


def _q(connection: Any, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _readers(connection: Any, schema: str) -> list[str]:
    """Login roles (not superusers, not ourselves; so not ``pg_read_all_data`` and the
    like) that may use ``schema``."""
    return list(
        connection.scalars(
            text(
                "SELECT r.rolname FROM pg_roles r JOIN pg_namespace n ON n.nspname = :schema "
                "WHERE NOT r.rolsuper AND r.rolcanlogin AND r.rolname <> current_user "
                "AND has_schema_privilege(r.oid, n.oid, 'USAGE') ORDER BY r.rolname"
            ),
            {"schema": schema},
        )
    )


def grant_readonly(
    connection: Any, role: str, company: Any, password: str | None = None
) -> tuple[str, list[str]]:
    """Create or update ``role`` (LOGIN) to read ``company``'s report views; returns the
    schema and the views it reads."""
    _check(connection, role)
    base = connection.scalar(text("SELECT current_schema()"))
    views = report_views(connection)
    if not views:
        raise ReadonlyError("there are no report views here: run `yaprak db upgrade`")
    powers = connection.execute(
        text("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :r"),
        {"r": role},
    ).first()
    if powers is not None and any(powers):
        raise ReadonlyError(f"role {role} may do more than read (superuser or creator)")
    schema = readonly_schema(base, company.code)
    r, s = _q(connection, role), _q(connection, schema)
    run = connection.exec_driver_sql
    login = f"LOGIN PASSWORD {_literal(password)}" if password else "LOGIN"
    run(f"{'ALTER' if powers is not None else 'CREATE'} ROLE {r} {login}")
    keep = [x for x in _readers(connection, schema) if x != role]
    run(f"DROP SCHEMA IF EXISTS {s} CASCADE")
    run(f"CREATE SCHEMA {s}")
    run(f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC")
    for view in views:
        run(
            f"CREATE VIEW {s}.{_q(connection, view)} WITH (security_barrier) AS "
            f"SELECT * FROM {_q(connection, base)}.{_q(connection, view)} "
            f"WHERE company_id = {int(company.id)}"
        )
        run(f"COMMENT ON VIEW {s}.{_q(connection, view)} IS {_literal(company.code)}")
    for reader in [role, *keep]:
        q = _q(connection, reader)
        run(f"GRANT USAGE ON SCHEMA {s} TO {q}")
        run(f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {q}")
    database = _q(connection, connection.scalar(text("SELECT current_database()")))
    run(f"GRANT CONNECT ON DATABASE {database} TO {r}")  # in case PUBLIC lost it
    run(f"ALTER ROLE {r} SET search_path = {s}")
    return schema, views


def revoke_readonly(connection: Any, role: str, company: Any) -> bool:
    """``role`` no longer reads ``company``'s views; the role is dropped when it reads no
    other company's, the schema when no role reads it. Returns whether the role is gone."""
    _check(connection, role)
    if connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
        raise ReadonlyError(f"there is no role {role}")
    base = connection.scalar(text("SELECT current_schema()"))
    schema = readonly_schema(base, company.code)
    r, s = _q(connection, role), _q(connection, schema)
    run = connection.exec_driver_sql
    present = connection.scalar(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
    )
    if present:
        run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}")
        run(f"REVOKE ALL ON SCHEMA {s} FROM {r}")
        if not _readers(connection, schema):
            run(f"DROP SCHEMA {s} CASCADE")
    others = connection.scalar(
        text(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%\\_ro\\_%' "
            "AND has_schema_privilege(:r, oid, 'USAGE')"
        ),
        {"r": role},
    )
    if others:
        return False
    database = _q(connection, connection.scalar(text("SELECT current_database()")))
    run(f"REVOKE ALL ON DATABASE {database} FROM {r}")
    run(f"DROP ROLE {r}")
    return True
