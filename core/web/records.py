"""Routes every record page shares: notes, attachments and workflow actions.

``/records/<record_type>/<id>/...`` where ``record_type`` is a registered form's type
(``core.partner``, ``docs.request``). The record is loaded through the request's session
and the form's read role, so another company's record, a missing one and one of an add-on
the company has not enabled all answer 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, request

from core.i18n import _
from core.web.context import current_company, current_user, db_session, require_role, runtime

bp = Blueprint("records", __name__, url_prefix="/records")


def _record(record_type: str, record_id: int) -> tuple[Any, Any]:
    from core.web.forms import RECORDS

    form = RECORDS.get(record_type)
    company = current_company()
    if form is None or company is None:
        abort(404)
    addon = record_type.split(".", 1)[0]
    if addon != "core" and addon not in company.enabled_addons:
        abort(404)
    return form, form.load(record_id)


def _back(form: Any, record: Any) -> Any:
    return redirect(form.url(record) if form.endpoint else "/")


@bp.post("/<record_type>/<int:record_id>/notes")
def add_note(record_type: str, record_id: int) -> Any:
    from core.models import Note

    form, record = _record(record_type, record_id)
    body = (request.form.get("body") or "").strip()
    if not body:
        abort(400, description=_("body: write something"))
    if len(body) > 10000:
        abort(400, description=_("body: at most %(n)d characters", n=10000))
    user = current_user()
    db_session().add(
        Note(
            record_type=record_type,
            record_id=record.id,
            body=body,
            user_id=user.id if user else None,
        )
    )
    db_session().commit()
    return _back(form, record)


@bp.post("/<record_type>/<int:record_id>/attachments")
def add_attachment(record_type: str, record_id: int) -> Any:
    from core.models import Attachment

    form, record = _record(record_type, record_id)
    if form.write_role:
        require_role(form.write_role)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, description=_("file: choose a file"))
    limit = runtime().config.attachment_max_mb * 1024 * 1024
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        abort(
            400, description=_("file: larger than %(mb)d MB", mb=runtime().config.attachment_max_mb)
        )
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    user = current_user()
    db_session().add(
        Attachment(
            record_type=record_type,
            record_id=record.id,
            filename=name,
            content_type=(upload.mimetype or "application/octet-stream")[:100],
            size=len(data),
            data=data,
            user_id=user.id if user else None,
        )
    )
    db_session().commit()
    flash(_("%(name)s attached.", name=name), "success")
    return _back(form, record)


def _attachment(record_type: str, record_id: int, attachment_id: int) -> tuple[Any, Any, Any]:
    from core.models import Attachment

    form, record = _record(record_type, record_id)
    attachment = db_session().get(Attachment, attachment_id)
    if attachment is None or (attachment.record_type, attachment.record_id) != (
        record_type,
        record.id,
    ):
        abort(404)
    return form, record, attachment


@bp.get("/<record_type>/<int:record_id>/attachments/<int:attachment_id>")
def download_attachment(record_type: str, record_id: int, attachment_id: int) -> Response:
    """Always a download, never rendered by the browser (an uploaded page cannot run here)."""
    from core.web.downloads import download

    *_, attachment = _attachment(record_type, record_id, attachment_id)
    return download(attachment.data, attachment.filename)


@bp.post("/<record_type>/<int:record_id>/attachments/<int:attachment_id>/delete")
def delete_attachment(record_type: str, record_id: int, attachment_id: int) -> Any:
    form, record, attachment = _attachment(record_type, record_id, attachment_id)
    if form.write_role:
        require_role(form.write_role)
    db_session().delete(attachment)
    db_session().commit()
    flash(_("%(name)s removed.", name=attachment.filename), "success")
    return _back(form, record)


@bp.post("/<record_type>/<int:record_id>/actions/<action>")
def take_action(record_type: str, record_id: int, action: str) -> Any:
    """A workflow action (transition, approve, reject) from the document's buttons."""
    from core.documents import Document, TransitionRefused
    from core.workflow import take_action as take

    form, record = _record(record_type, record_id)
    if not isinstance(record, Document):
        abort(404)
    comment = (request.form.get("comment") or "").strip()[:2000]
    user = current_user()
    try:
        take(db_session(), record, action, user, current_company(), comment)
        db_session().commit()
    except TransitionRefused as exc:
        db_session().rollback()
        from core.i18n import translate_message

        flash(translate_message(str(exc)), "danger")
        return _back(form, form.load(record_id))
    flash(_("Done: %(action)s.", action=action), "success")
    return _back(form, record)
