"""Administration: company settings and new companies, workflows (approval bands and roles),
number sequences, the mail outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.i18n import _
from core.i18n import lazy_gettext as _l
from core.kernel.errors import KernelError
from core.listing import Column, Filter, ListSpec
from core.models import Company, OutboxMessage
from core.schemas import HEADER_FIELDS, CompanySchema
from core.web.admin import bp
from core.web.context import current_company, db_session, require_role, runtime
from core.web.forms import FormView
from core.web.lists import BulkAction, ListView


# ---------------------------------------------------------------------------- workflows
def _document_types(company: Any) -> list[str]:
    from core.workflow import default_workflows

    enabled = company.enabled_addons
    return sorted(t for t in default_workflows(runtime().kernel) if t.split(".", 1)[0] in enabled)


def _workflow_or_404(document_type: str) -> dict:
    from core.workflow import workflow_definition

    if document_type not in _document_types(current_company()):
        abort(404)
    return workflow_definition(db_session(), document_type)


def _band_lines(raw: dict) -> str:
    lines = []
    for band in (raw.get("approval") or {}).get("bands", []):
        limit = band.get("up_to") if band.get("up_to") is not None else "-"
        lines.append(f"{limit}:{','.join(band.get('chain', []))}")
    return "\n".join(lines)


@bp.get("/workflows")
def workflows() -> Any:
    from core.workflow import describe, parse_workflow, workflow_definition

    require_role("admin")
    company = current_company()
    found = [
        (t, describe(parse_workflow(workflow_definition(db_session(), t))))
        for t in _document_types(company)
    ]
    return render_template("core/admin/workflows.html", workflows=found)


def _workflow_page(document_type: str, raw: dict, error: str = "", form: Any = None) -> Any:
    from core.auth import all_roles
    from core.workflow import describe, parse_workflow

    roles = sorted(all_roles(runtime().kernel))
    return (
        render_template(
            "core/admin/workflow.html",
            document_type=document_type,
            raw=raw,
            lines=describe(parse_workflow(raw)),
            bands=form.get("bands") if form else _band_lines(raw),
            accumulate=form.get("accumulate_days")
            if form
            else (raw.get("approval") or {}).get("accumulate_days", 0),
            roles=roles,
            error=error,
        ),
        400 if error else 200,
    )


@bp.get("/workflows/<document_type>")
def workflow(document_type: str) -> Any:
    require_role("admin")
    return _workflow_page(document_type, _workflow_or_404(document_type))


@bp.post("/workflows/<document_type>")
def save_workflow_page(document_type: str) -> Any:
    """Bands (one per line, ``UP_TO:ROLE,ROLE``, ``-`` for no limit), roles, accumulation."""
    from core.workflow import change_workflow, reset_workflow, save_workflow

    require_role("admin")
    raw = _workflow_or_404(document_type)
    session = db_session()
    if request.form.get("reset"):
        reset_workflow(session, document_type)
        session.commit()
        flash(_("The workflow is back to the add-on's default."), "success")
        return redirect(url_for("admin.workflow", document_type=document_type))
    bands = [b.strip() for b in (request.form.get("bands") or "").splitlines() if b.strip()]
    roles = [
        f"{t['name']}={request.form.get('role-' + t['name'], '')}"
        for t in raw["transitions"]
        if not t.get("approval") and f"role-{t['name']}" in request.form
    ]
    try:
        days_text = (request.form.get("accumulate_days") or "0").strip()
        if not days_text.isdigit():
            raise KernelError(_("accumulate_days: a whole number of days, 0 or more"))
        changed = change_workflow(raw, bands or None, roles, int(days_text))
        save_workflow(session, changed)
        session.commit()
    except KernelError as exc:
        session.rollback()
        return _workflow_page(document_type, raw, str(exc), request.form)
    flash(_("Workflow saved."), "success")
    return redirect(url_for("admin.workflow", document_type=document_type))


# ---------------------------------------------------------------------------- sequences
def _numbered_types(company: Any) -> dict[str, Any]:
    from core.documents import document_classes

    enabled = company.enabled_addons
    return {
        t: cls
        for t, cls in sorted(document_classes().items())
        if t.split(".", 1)[0] in enabled and getattr(cls, "__number_pattern__", None)
    }


@bp.get("/sequences")
def sequences(errors: dict | None = None, values: Any = None) -> Any:
    from core.models import Sequence, SequenceCounter
    from core.numbering import render

    require_role("admin")
    company = current_company()
    session = db_session()
    stored = {s.code: s for s in session.scalars(select(Sequence))}
    rows = []
    for document_type, cls in _numbered_types(company).items():
        seq = stored.get(document_type)
        pattern = seq.pattern if seq else cls.__number_pattern__
        reset = seq.reset if seq else getattr(cls, "__number_reset__", "yearly")
        taken = 0
        if seq is not None:
            counters = session.scalars(
                select(SequenceCounter).where(SequenceCounter.sequence_id == seq.id)
            ).all()
            taken = sum(c.next_value - 1 for c in counters)
        rows.append(
            {
                "code": document_type,
                "pattern": pattern,
                "reset": reset,
                "example": render(pattern, taken + 1, date.today()),
                "taken": taken,
                "custom": seq is not None,
            }
        )
    status = 400 if errors else 200
    page = render_template(
        "core/admin/sequences.html", rows=rows, errors=errors or {}, values=values or {}
    )
    return page, status


@bp.post("/sequences/<code>")
def save_sequence(code: str) -> Any:
    from core.companies import InvalidField
    from core.numbering import set_sequence

    require_role("admin")
    if code not in _numbered_types(current_company()):
        abort(404)
    session = db_session()
    try:
        set_sequence(
            session, code, request.form.get("pattern", ""), request.form.get("reset", "yearly")
        )
        session.commit()
    except InvalidField as exc:
        session.rollback()
        return sequences({code: {exc.field: [exc.message]}}, {code: request.form})
    flash(_("Numbering of %(code)s saved.", code=code), "success")
    return redirect(url_for("admin.sequences"))


# ---------------------------------------------------------------------------- outbox
def _retry(session: Any, message: Any) -> str:
    from core.mail import retry_message

    retry_message(session, message.id)
    return str(_l("queued again"))


OUTBOX_STATES = {
    "queued": _l("queued"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
}
outbox = ListView(
    ListSpec(
        "core.outbox",
        OutboxMessage,
        columns=[
            Column("created_at", _l("Created"), kind="datetime"),
            Column("to", _l("To"), sortable=False),
            Column("subject", _l("Subject")),
            Column("state", _l("State"), kind="state", choices=OUTBOX_STATES, groupable=True),
            Column("attempts", _l("Attempts"), kind="number"),
            Column("last_error", _l("Last error"), sortable=False),
            Column("sent_at", _l("Sent"), kind="datetime", nullable=True),
        ],
        filters=[Filter("state", _l("State"), OutboxMessage.state, choices=OUTBOX_STATES)],
        search=[OutboxMessage.subject, OutboxMessage.to],
        default_sort="-created_at",
    ),
    title=_l("Outbox"),
    read_role="admin",
    bulk_actions=[BulkAction("retry", _l("Send again"), _retry, role="admin")],
    label=lambda m: m.subject,
    row_url=lambda m: url_for("admin.outbox_message", message_id=m.id),
)
outbox.register(bp, "/outbox")


def _message(message_id: int) -> Any:
    require_role("admin")
    message = db_session().get(OutboxMessage, message_id)  # another company's: filtered, 404
    if message is None:
        abort(404)
    return message


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int) -> Any:
    """One message as it was (or will be) sent: addresses, state, the text body and the
    attachments (downloaded, never shown inline)."""
    message = _message(message_id)
    return render_template("core/admin/outbox_message.html", message=message, states=OUTBOX_STATES)


@bp.get("/outbox/<int:message_id>/attachments/<int:attachment_id>")
def outbox_attachment(message_id: int, attachment_id: int) -> Any:
    from core.web.downloads import download

    message = _message(message_id)
    found = next((a for a in message.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    return download(found.content, found.filename)


# ---------------------------------------------------------------------------- company
class CompanyForm(FormView):
    """The current company's settings (an admin's), with the fields add-ons add to
    ``core.company``. Only the company the request acts for can be reached."""

    def load(self, record_id: int) -> Any:
        require_role("admin")
        company = current_company()
        if company is None or record_id != company.id:
            abort(404)
        return company


def _update_company(_session: Any, company: Any, payload: dict) -> Any:
    from core.companies import apply_company

    apply_company(company, CompanySchema(partial=True).load(payload))
    return company


company_form = CompanyForm(
    record_type="core.company",
    model=Company,  # loaded only as the current company: see CompanyForm.load
    schema=CompanySchema,
    title=_l("Company"),
    update=_update_company,
    # then what documents print in the header; add-ons' fields follow; add-ons: /admin/addons
    fields=["name", "code", "currency", *HEADER_FIELDS],
    read_role="admin",
    write_role="admin",
    label=lambda c: c.name,
)
company_form.register(bp, "/company")


@bp.get("/company")
def company_settings() -> Any:
    company = current_company()
    if company is None:
        abort(404)
    return redirect(url_for("admin.company", record_id=company.id))


@bp.route("/companies/new", methods=["GET", "POST"])
def new_company() -> Any:
    """An administrator opens another company and becomes its administrator."""
    from core.auth import grant
    from core.companies import InvalidField, add_company
    from core.web.context import SESSION_COMPANY_KEY, current_user

    require_role("admin")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        session = db_session()
        form = request.form
        try:
            company = add_company(
                session, form.get("code", ""), form.get("name", ""), form.get("currency", "TRY")
            )
            grant(session, runtime().kernel, current_user(), company, ["admin"])
            session.commit()
        except InvalidField as exc:
            session.rollback()
            errors[exc.field] = [exc.message]
        else:
            from flask import session as cookie

            cookie[SESSION_COMPANY_KEY] = company.id
            flash(_("%(name)s opened; you are its administrator.", name=company.name), "success")
            return redirect(url_for("admin.addons"))
    return (
        render_template("core/admin/new_company.html", errors=errors, values=request.form),
        400 if errors else 200,
    )
