"""``yaprak reporting ...``: the cube export and the read-only database role."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click

DAY = click.DateTime(["%Y-%m-%d"])


@click.command("export-cube")
@click.option("--company", "code", required=True, help="company code")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder to write the Parquet files and cube.json into (made if missing)",
)
@click.option("--from", "start", type=DAY, help="first invoice date (YYYY-MM-DD)")
@click.option("--to", "end", type=DAY, help="last invoice date (YYYY-MM-DD)")
def export_cube_command(
    code: str, out_dir: Path, start: datetime | None, end: datetime | None
) -> Any:
    """Write the company's sales cube (star schema, Parquet) for DuckDB, pandas, OLAP tools."""
    from core import hooks_for
    from core.cli import company_context

    from .cube import CubeError, export_cube, require_pyarrow

    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and first > last:
        raise click.BadParameter("the end date is before the start date", param_hint="--to")
    try:
        require_pyarrow()
        began = time.perf_counter()
        with company_context(code) as (session, company):
            dimensions = hooks_for(company).gather("reporting_cube_dimensions")
            described = export_cube(session.connection(), company, out_dir, dimensions, first, last)
    except CubeError as exc:
        raise click.ClickException(str(exc)) from None
    lines = described["tables"]["fact_sales_line"]["rows"]
    seconds = time.perf_counter() - began
    click.echo(f"Wrote the cube of {company.code}: {lines} lines, ", nl=False)
    click.echo(f"{len(described['tables']) - 1} dimension tables, in {out_dir} ({seconds:.1f} s)")


@click.command("grant-readonly")
@click.argument("role")
@click.option("--company", "code", required=True, help="company code")
@click.option("--password", default=None, help="the role's password (omit: keep or none)")
def grant_readonly_command(role: str, code: str, password: str | None) -> Any:
    """Create or refresh a PostgreSQL role reading only the company's report views.

    Run it again after installing an add-on: its views then reach the role."""
    from core.cli import company_context

    from .readonly_role import ReadonlyError, grant_readonly

    try:
        with company_context(code) as (session, company):
            schema, views = grant_readonly(session.connection(), role, company, password)
    except ReadonlyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Role {role} reads {len(views)} views of {company.code} in schema {schema}.")


@click.command("revoke-readonly")
@click.argument("role")
@click.option("--company", "code", required=True, help="company code")
def revoke_readonly_command(role: str, code: str) -> Any:
    """Take a company's report views away from a role (dropped when it reads no other)."""
    from core.cli import company_context

    from .readonly_role import ReadonlyError, revoke_readonly

    try:
        with company_context(code) as (session, company):
            dropped = revoke_readonly(session.connection(), role, company)
    except ReadonlyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Role {role} dropped." if dropped else f"Role {role} no longer reads {code}.")
