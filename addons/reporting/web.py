"""What the pages and the API share in a request: the report the user opens (404, 403),
the run's context, and an export as a response."""

from __future__ import annotations

import tempfile

from flask import Response, abort

from core.auth import roles_of
from core.web.context import current_company, current_user, db_session, hooks, runtime
from core.web.downloads import download, download_file, download_stream

from .exports import csv_chunks, filename, pdf_bytes, write_export
from .framework import Report, ReportContext, Result, UnknownReport
from .runner import MANAGER, NotAllowed, context_for, open_report
from .schedules import heading_of


def held_roles() -> frozenset[str]:
    return roles_of(db_session(), runtime().kernel, current_user(), current_company())


def is_manager() -> bool:
    return MANAGER in held_roles()


def report_or_abort(report_id: str) -> Report:
    """The report for this company and user: 404 unknown or not enabled, 403 roles."""
    try:
        return open_report(hooks(), report_id, held_roles())
    except UnknownReport:
        abort(404)
    except NotAllowed:
        abort(403)


def context() -> ReportContext:
    return context_for(db_session(), current_company(), current_user())


def export_response(report: Report, ctx: ReportContext, result: Result, fmt: str) -> Response:
    """The export ``fmt`` of a run as a download (rows streamed; files from a temp file)."""
    name = filename(report.id, fmt, ctx.today)
    heading = heading_of(report, result.params, ctx.company, ctx.language)
    heading.notes = [str(note) for note in result.data.notes]
    if fmt == "csv":
        return download_stream(csv_chunks(result), name)
    if fmt == "pdf":
        return download(pdf_bytes(db_session(), ctx.company.id, result, heading), name)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent)
    try:
        write_export(fmt, result, out, heading, db_session(), ctx.company.id)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return download_file(out, name)
