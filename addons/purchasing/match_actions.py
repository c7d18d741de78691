"""The buttons of receipts and vendor invoices (and the order's *Receive* and *Create
vendor invoice*): each one service, run in one transaction from a page's POST or an API
call; a refusal is flashed (pages) or answered 400/409 (API) and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect
from marshmallow import ValidationError

from core.documents import TransitionRefused
from core.i18n import translate_message
from core.web.context import current_user, db_session, require_role


@dataclass(frozen=True)
class Action:
    """``run(session, document, user)`` is the service; it returns the record to show next
    (another document, or None for the same one). ``page``: the button opens this picker
    (an endpoint of the blueprint) instead of posting."""

    name: str
    label: Any
    role: str
    states: tuple[str, ...]
    run: Callable[[Any, Any, Any], Any]
    done: Any
    style: str = "secondary"
    sequence: int = 100
    when: Callable[[Any], bool] = lambda _doc: True
    page: str = ""


def same(service: Callable[..., Any]) -> Callable[[Any, Any, Any], Any]:
    def run(session: Any, doc: Any, user: Any) -> Any:
        service(session, doc, user)
        return None

    return run


def find(actions: list[Action], name: str) -> Action | None:
    return next((a for a in actions if a.name == name), None)


def offered(actions: list[Action], document: Any) -> list[Action]:
    return [a for a in actions if document.state in a.states and a.when(document)]


def run_action(document: Any, action: Action) -> Any:
    session = db_session()
    try:
        result = action.run(session, document, current_user())
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        flat: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item)
            else:
                flat.append(translate_message(value))

        walk(exc.messages)
        return "; ".join(flat)
    return translate_message(str(exc))


def act(form: Any, actions: list[Action], record_id: int, name: str, next_form: Any) -> Any:
    """A button's POST: the service, then the page again (or the document it made)."""
    step = find(actions, name)
    if step is None:
        abort(404)
    document = form.load(record_id)  # another company's: 404
    require_role(step.role)
    if document.state not in step.states or not step.when(document):
        flash(
            message(TransitionRefused(f"{name}: not possible in state {document.state}")), "danger"
        )
        return redirect(form.url(document))
    try:
        result = run_action(document, step)
    except (ValidationError, TransitionRefused) as exc:
        flash(message(exc), "danger")
        return redirect(form.url(form.load(record_id)))
    flash(str(step.done), "success")
    if result is not None:
        return redirect(next_form(result).url(result))
    return redirect(form.url(document))


def buttons(
    actions: list[Action], document: Any, user: Any, url: Callable[[Action], str]
) -> list[Any]:
    """``core.ui.DocumentAction`` buttons for the actions ``user`` may take now."""
    from flask import has_request_context

    from core.auth import has_role
    from core.ui import DocumentAction
    from core.web.context import current_company, runtime

    if not has_request_context():
        return []
    session, kernel, company = db_session(), runtime().kernel, current_company()
    allowed: dict[str, bool] = {}
    found = []
    for a in offered(actions, document):
        if a.role not in allowed:
            allowed[a.role] = has_role(session, kernel, user, company, a.role)
        if allowed[a.role]:
            found.append(
                DocumentAction(
                    a.name,
                    str(a.label),
                    url(a),
                    sequence=a.sequence,
                    style=a.style,
                    method="get" if a.page else "post",
                )
            )
    return found
