"""reporting: the pages. ``/reporting/`` lists the reports the user may run;
``/reporting/<report_id>`` runs one (parameter form, chart, table, totals, drill-down links,
exports, presets). Schedules have their pages in ``schedule_views``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from marshmallow import ValidationError

from core.i18n import _, current_language, format_number, translate_errors, translate_message
from core.web.context import current_user, db_session, hooks, require_role
from core.web.forms import describe_fields

from . import presets
from .charts import render_svg
from .exports import FORMATS, PDF_ROWS, ExportUnavailable
from .formatting import ALIGN_END, formatted_row, formatted_totals
from .framework import ParamsError, Report, load_params, run_report
from .runner import (
    PAGE_ROWS,
    USER,
    drill_link,
    grouped,
    query_string,
    raw_from_args,
    raw_params,
    runnable_reports,
    visible_reports,
)
from .web import context, export_response, held_roles, is_manager, report_or_abort

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> Any:
    require_role(USER)
    groups = grouped(visible_reports(hooks(), held_roles()))
    return render_template("reporting/index.html", groups=groups)


def _raw_for_page(report: Report) -> tuple[dict[str, Any], Any]:
    """The parameters the page runs with: a saved preset's (``?_preset=<id>``), those in
    the query string, or (none given, no ``_run``) the default preset's; and the preset used.
    The runner's own arguments start with ``_``: a report's parameter may be ``preset``."""
    user_id = current_user().id
    if request.args.get("_preset"):
        try:
            preset = presets.get(db_session(), int(request.args["_preset"]), user_id)
        except ValueError:
            preset = None
        if preset is None or preset.report_id != report.id:
            abort(404)
        return presets.params_of(preset), preset
    raw = raw_from_args(report, request.args)
    if not raw and "_run" not in request.args:
        default = presets.default_of(db_session(), user_id, report.id)
        if default is not None:
            return presets.params_of(default), default
    return raw, None


def _chart(report: Report, result: Any, rows: list[Any], language: str) -> Any:
    chart = result.chart  # this run's, else the report's
    keys = [c.key for c in result.columns]
    if chart is None or not rows or chart.category not in keys:
        return None
    series_keys = [k for k in chart.series if k in keys]
    labels = {c.key: str(c.label) for c in result.columns}
    category = keys.index(chart.category)
    series = [(labels[k], [row[keys.index(k)] for row in rows]) for k in series_keys]
    return render_svg(
        chart.kind,
        str(report.title),
        [row[category] for row in rows],
        series,
        lambda v: format_number(v, 0, language),
    )


def _defaults(schema: Any) -> dict[str, Any]:
    """The schema's plain defaults, for the fields a refused run did not give."""
    return {
        name: field.load_default
        for name, field in schema.fields.items()
        if isinstance(field.load_default, str | int)
    }


def render_report(report: Report, raw: dict[str, Any], preset: Any = None) -> Any:
    """The report's page for ``raw`` parameters: 400 with the messages under the fields,
    else the run."""
    session, ctx = db_session(), context()
    language = current_language()
    schema = report.params()
    infos = describe_fields(schema, None, report.choices, session, set(schema.fields))
    common = {
        "report": report,
        "infos": infos,
        "presets": presets.visible(session, current_user().id, report.id),
        "preset": preset,
        "manager": is_manager(),
        "formats": FORMATS,
        "page_rows": PAGE_ROWS,
        "pdf_rows": PDF_ROWS,
    }
    try:
        params = load_params(report, ctx, raw)
    except ParamsError as exc:
        errors = translate_errors(exc.errors)
        values = {**_defaults(schema), **raw}  # what was typed, over the defaults
        return render_template(
            "reporting/report.html", values=values, errors=errors, result=None, **common
        ), 400
    result = run_report(report, ctx, params)
    rows = result.materialise(PAGE_ROWS)
    currency = result.data.currency
    reports = runnable_reports(hooks(), held_roles())
    table = [
        (
            formatted_row(result.columns, row, currency, language),
            drill_link(result, ctx, row, reports),
        )
        for row in rows
    ]
    normalised = raw_params(report, params)
    return render_template(
        "reporting/report.html",
        values=normalised,
        errors={},
        result=result,
        columns=result.visible,
        end_aligned=ALIGN_END,
        table=table,
        totals=formatted_totals(result.columns, result.totals, currency, language),
        chart=_chart(report, result, rows, language),
        query=query_string(normalised),
        **common,
    )


@bp.get("/<report_id>")
def run(report_id: str) -> Any:
    report = report_or_abort(report_id)
    raw, preset = _raw_for_page(report)
    return render_report(report, raw, preset)


@bp.get("/<report_id>/export.<fmt>")
def export(report_id: str, fmt: str) -> Any:
    report = report_or_abort(report_id)
    if fmt not in FORMATS:
        abort(404)
    ctx = context()
    try:
        params = load_params(report, ctx, raw_from_args(report, request.args))
    except ParamsError:
        return render_report(report, raw_from_args(report, request.args))
    try:
        return export_response(report, ctx, run_report(report, ctx, params), fmt)
    except ExportUnavailable as exc:
        flash(translate_message(str(exc)), "danger")
        return redirect(f"/reporting/{report.id}?{request.query_string.decode()}")


# ------------------------------------------------------------------------------ presets
def _back(report: Report, preset: Any = None) -> Any:
    if preset is not None:
        return redirect(f"/reporting/{report.id}?_preset={preset.id}")
    return redirect(f"/reporting/{report.id}")


@bp.post("/<report_id>/presets")
def save_preset(report_id: str) -> Any:
    report = report_or_abort(report_id)
    raw = raw_from_args(report, request.form)
    try:
        params = load_params(report, context(), raw)
    except ParamsError:
        flash(_("The preset was not saved: the parameters are not valid."), "danger")
        return render_report(report, raw)
    try:
        preset = presets.save(
            db_session(),
            current_user().id,
            report.id,
            request.form.get("preset_name", ""),
            raw_params(report, params),
            shared=request.form.get("preset_shared") == "1",
            is_default=request.form.get("preset_default") == "1",
            manager=is_manager(),
        )
    except ValidationError as exc:
        db_session().rollback()
        for messages in translate_errors(exc.messages).values():
            for message in messages:
                flash(message, "danger")
        return redirect(f"/reporting/{report.id}?_run=1&{query_string(raw)}")
    db_session().commit()
    flash(_("Preset saved."), "success")
    return _back(report, preset)


def _preset_or_404(report: Report, preset_id: int) -> Any:
    preset = presets.get(db_session(), preset_id, current_user().id)
    if preset is None or preset.report_id != report.id:
        abort(404)
    return preset


@bp.post("/<report_id>/presets/<int:preset_id>/default")
def default_preset(report_id: str, preset_id: int) -> Any:
    report = report_or_abort(report_id)
    preset = _preset_or_404(report, preset_id)
    try:
        presets.make_default(db_session(), preset, current_user().id, is_manager())
    except ValidationError:
        abort(403)
    db_session().commit()
    flash(_("Default preset set."), "success")
    return _back(report, preset)


@bp.post("/<report_id>/presets/<int:preset_id>/delete")
def delete_preset(report_id: str, preset_id: int) -> Any:
    report = report_or_abort(report_id)
    preset = _preset_or_404(report, preset_id)
    try:
        presets.delete(db_session(), preset, current_user().id, is_manager())
    except ValidationError:
        abort(403)
    db_session().commit()
    flash(_("Preset deleted."), "success")
    return _back(report)
