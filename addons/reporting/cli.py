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


@click.command("list")
@click.option("--company", "code", required=True, help="company code")
def list_command(code: str) -> Any:
    """The reports the company's enabled add-ons register: id, title."""
    from core import hooks_for
    from core.cli import company_context
    from core.web.context import request_for

    from .framework import reports_of

    with company_context(code) as (session, company), request_for(session, company.id, "tr"):
        reports = reports_of(hooks_for(company))
        for report_id in sorted(reports):
            click.echo(f"{report_id}\t{reports[report_id].title}")


@click.command("run")
@click.argument("report_id")
@click.option("--company", "code", required=True, help="company code")
@click.option(
    "--param",
    "-p",
    "pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="a report parameter, as on its page (repeat; e.g. -p group_by=customer_group)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "xlsx", "pdf", "parquet"]),
    default="text",
    show_default=True,
    help="text: a table on the terminal; the others: a file (--out)",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="the file to write")
@click.option(
    "--language",
    type=click.Choice(["tr", "en"]),
    default="tr",
    show_default=True,
    help="the language of the headings, numbers and dates",
)
def run_command(
    report_id: str, code: str, pairs: tuple[str, ...], fmt: str, out: Path | None, language: str
) -> Any:
    """Run a report for a company: on the terminal, or exported to a file.

    The command line is the operator's: it runs any report the company has, with no
    user's roles (like the other commands); bad parameters are refused naming them."""
    from dataclasses import replace

    from core import hooks_for
    from core.cli import company_context
    from core.web.context import request_for

    from .exports import ExportUnavailable
    from .framework import ParamsError, UnknownReport, find_report, load_params, run_report
    from .runner import context_for

    if fmt != "text" and out is None:
        raise click.BadParameter(f"--format {fmt} writes a file: give --out", param_hint="--out")
    raw: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        raw.setdefault(name.strip(), []).append(value.strip())
    with company_context(code) as (session, company):
        try:
            report = find_report(hooks_for(company), report_id)
        except UnknownReport:
            known = ", ".join(sorted(reports_of_company(company))) or "none"
            raise click.ClickException(
                f"no report {report_id!r} for {company.code} (its reports: {known})"
            ) from None
        ctx = replace(context_for(session, company, None), language=language)
        flat = {k: v if _is_list(report, k) else v[-1] for k, v in raw.items()}
        try:
            params = load_params(report, ctx, flat)
        except ParamsError as exc:
            raise click.ClickException(
                "; ".join(f"--param {k}: {' '.join(map(str, m))}" for k, m in exc.errors.items())
            ) from None
        try:
            with request_for(session, company.id, language):  # labels in ``language``
                result = run_report(report, ctx, params)
                if fmt == "text":
                    _echo_table(result, language)
                else:
                    assert out is not None
                    _write_file(session, company, report, params, result, fmt, out, language)
        except ExportUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        if fmt != "text":
            click.echo(f"Wrote {result.count} rows of {report_id} to {out}")


def reports_of_company(company: Any) -> dict[str, Any]:
    from core import hooks_for

    from .framework import reports_of

    return reports_of(hooks_for(company))


def _is_list(report: Any, name: str) -> bool:
    from marshmallow import fields

    return isinstance(report.params().fields.get(name), fields.List)


def _echo_table(result: Any, language: str) -> None:
    """The rows as an aligned table, amounts right-aligned, then the totals."""
    from .formatting import formatted_row, formatted_totals

    currency = result.data.currency
    shown = [i for i, c in enumerate(result.columns) if not c.hidden]
    header = [str(result.columns[i].label) for i in shown]
    lines = [formatted_row(result.columns, row, currency, language) for row in result.rows()]
    totals = formatted_totals(result.columns, result.totals, currency, language)
    if not any(totals):
        totals = None
    else:
        lines.append(totals)
    widths = [max([len(h)] + [len(line[n]) for line in lines]) for n, h in enumerate(header)]
    right = [result.columns[i].kind != "text" for i in shown]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    for note in result.data.notes:
        click.echo(str(note))
    click.echo(fmt(header))
    click.echo("  ".join("-" * w for w in widths))
    for n, line in enumerate(lines):
        if totals is not None and n == len(lines) - 1:
            click.echo("  ".join("-" * w for w in widths))
        click.echo(fmt(line))
    click.echo(f"({result.count} rows)")


def _write_file(
    session: Any,
    company: Any,
    report: Any,
    params: Any,
    result: Any,
    fmt: str,
    out: Path,
    lang: str,
) -> None:
    from .exports import write_export
    from .schedules import heading_of

    heading = heading_of(report, params, company, lang)
    heading.notes = [str(note) for note in result.data.notes]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        write_export(fmt, result, handle, heading, session, company.id)
