"""E-mail: queued in the outbox with the change that causes it, delivered over SMTP after commit.

``queue_mail`` renders an add-on's templates (Turkish or English) and writes an
``OutboxMessage`` in the caller's transaction: a rolled-back change sends nothing. After the
commit a delivery job is queued; ``deliver_outbox`` claims due messages, sends them over one
SMTP connection, and marks each sent, or schedules a retry with backoff (the reason kept).
A message that keeps failing is marked failed after ``MAX_ATTEMPTS``; nothing is lost while
the server is down.

Exactly once: a message is claimed (``sending``) and committed before it is sent, and marked
sent right after. Only a crash between the SMTP server accepting a message and that mark can
repeat it (after ``STALE_CLAIM``); the Message-ID stays the same, so mail clients drop the
duplicate.

Templates live in an add-on's ``templates/<addon>/mail/``: ``<name>.subject.txt`` (one line),
``<name>.txt`` and optionally ``<name>.html``, each optionally per language
(``<name>.tr.txt`` wins over ``<name>.txt`` for Turkish).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, selectinload

from core.kernel.errors import KernelError
from core.models import OutboxAttachment, OutboxMessage
from core.tenancy import company_of

if TYPE_CHECKING:
    from core.runtime import Runtime

MAX_ATTEMPTS = 8
BACKOFF = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)  # seconds
STALE_CLAIM = timedelta(minutes=10)
BATCH = 200


def now() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------------------- queueing
def _template(env: Any, name: str, suffix: str, language: str, required: bool = True) -> Any:
    from jinja2 import TemplateNotFound

    stem, _, ext = suffix.rpartition(".")
    localized = f"{name}.{stem + '.' if stem else ''}{language}.{ext}"
    for candidate in (localized, f"{name}.{suffix}"):
        try:
            return env.get_template(candidate)
        except TemplateNotFound:
            continue
    if required:
        raise KernelError(f"no mail template {name}.{suffix}")
    return None


LANGUAGE_VARIABLE = "yaprak_language"


def template_filters() -> dict[str, Any]:
    """``money`` and ``date`` for templates rendered outside a request (mail): in the
    language of the message being written (``yaprak_language`` in the context)."""
    from babel.dates import format_date
    from jinja2 import pass_context

    from core.money import format_money

    @pass_context
    def money(context: Any, amount: Any, currency: str = "TRY") -> str:
        if amount is None or amount == "":
            return ""
        return format_money(amount, currency, context.get(LANGUAGE_VARIABLE, "tr"))

    @pass_context
    def date(context: Any, value: Any, format: str = "medium") -> str:
        if value is None:
            return ""
        return format_date(value, format, locale=context.get(LANGUAGE_VARIABLE, "tr"))

    return {"money": money, "date": date}


MAIL_HELD = "yaprak_mail_held"


def queue_mail(
    session: Session,
    to: list[str],
    template: str,
    context: dict[str, Any],
    language: str = "tr",
    cc: list[str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> OutboxMessage:
    """Write a message to the outbox in ``session``'s transaction (the session's company).

    While ``session.info[MAIL_HELD]`` is set (core sets it around the add-ons' demo data)
    the message is made and returned but not written: nothing is ever sent."""
    from core.runtime import current_runtime

    if company_of(session) is None:
        raise KernelError("mail is queued in a session acting for a company")
    recipients = [a.strip() for a in to if a and a.strip()]
    for address in [*recipients, *(cc or [])]:
        if "@" not in parseaddr(address)[1]:
            raise KernelError(f"not an e-mail address: {address!r}")
    if not recipients:
        raise KernelError("a message needs at least one recipient")
    env = current_runtime().templates
    context = {**context, LANGUAGE_VARIABLE: language}  # the filters' language
    subject = _template(env, template, "subject.txt", language).render(**context).strip()
    text = _template(env, template, "txt", language).render(**context)
    html_template = _template(env, template, "html", language, required=False)
    message = OutboxMessage(
        to=", ".join(recipients),
        cc=", ".join(cc or []),
        subject=subject.splitlines()[0][:300],
        body_text=text,
        body_html=html_template.render(**context) if html_template else None,
        message_id=make_msgid(domain="yaprak.local"),
    )
    for filename, content, mime in attachments or []:
        message.attachments.append(
            OutboxAttachment(filename=filename, content=content, mime_type=mime)
        )
    if session.info.get(MAIL_HELD):
        return message
    session.add(message)
    session.flush()
    _deliver_after_commit(session)
    return message


def _after_commit(session: Session) -> None:
    # also called when a SAVEPOINT is released: wait for the real commit
    if session.in_nested_transaction() or not session.info.pop("yaprak_mail_pending", False):
        return
    from core.jobs import enqueue_delivery

    enqueue_delivery()


def _after_rollback(session: Session, previous: Any) -> None:
    if previous.parent is None:  # the whole transaction rolled back: nothing was queued
        session.info.pop("yaprak_mail_pending", None)


def _deliver_after_commit(session: Session) -> None:
    """Once ``session`` commits, ask the worker to deliver (listeners set once per session)."""
    session.info["yaprak_mail_pending"] = True
    if not session.info.get("yaprak_mail_listening"):
        session.info["yaprak_mail_listening"] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_rollback)


# ----------------------------------------------------------------------------- delivery
@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # none | starttls | tls
    username: str
    password: str
    sender: str

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpSettings:
        """``smtp://user:pass@host:25``, ``smtp+starttls://...:587``, ``smtps://...:465``."""
        parts = urlsplit(url)
        security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise KernelError(
                f"YAPRAK_SMTP_URL: {url!r} is not smtp://, smtp+starttls:// or smtps://"
            )
        try:
            port = parts.port or {"none": 25, "starttls": 587, "tls": 465}[security]
        except ValueError:
            raise KernelError(f"YAPRAK_SMTP_URL: {url!r} has no valid port") from None
        return cls(
            parts.hostname,
            port,
            security,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            sender,
        )

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=30, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=30)
            if self.security == "starttls":
                client.starttls(context=context)
        if self.username:
            client.login(self.username, self.password)
        return client


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = row.to
    if row.cc:
        email["Cc"] = row.cc
    email["Subject"] = row.subject
    email["Message-ID"] = row.message_id or make_msgid(domain="yaprak.local")
    email.set_content(row.body_text)
    if row.body_html:
        email.add_alternative(row.body_html, subtype="html")
    for attachment in row.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        email.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def _due(when: datetime) -> Any:
    return or_(
        (OutboxMessage.state == "queued") & (OutboxMessage.next_attempt_at <= when),
        (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at <= when - STALE_CLAIM),
    )


def _claim(runtime: Runtime, when: datetime, limit: int) -> list[int]:
    """Mark up to ``limit`` due messages as sending (committed), return their ids."""
    with runtime.db.transaction() as session:
        query = select(OutboxMessage).where(_due(when)).order_by(OutboxMessage.id).limit(limit)
        if runtime.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)  # several workers share the outbox
        rows = session.scalars(query).all()
        for row in rows:
            row.state, row.claimed_at = "sending", when
        return [row.id for row in rows]


def deliver_outbox(
    runtime: Runtime,
    when: datetime | None = None,
    limit: int | None = None,
    connections: int | None = None,
) -> tuple[int, int]:
    """Send due messages over ``connections`` SMTP connections at once (default
    ``YAPRAK_SMTP_CONNECTIONS``, 2); ``(sent, failed attempts)``. Safe to run in several
    workers: each claims its own messages."""
    import threading

    config = runtime.config
    if not config.smtp_url:  # mail waits in the outbox, its attempts untouched
        return 0, 0
    settings = SmtpSettings.from_url(config.smtp_url, config.mail_from)
    count = max(1, connections or config.smtp_connections) if limit is None else 1
    totals = [0, 0]
    lock = threading.Lock()

    def sender() -> None:
        client = None
        try:
            while True:
                with lock:
                    if limit is not None and totals[0] + totals[1] >= limit:
                        return
                    size = BATCH if limit is None else min(BATCH, limit - totals[0] - totals[1])
                moment = when or now()
                ids = _claim(runtime, moment, size)
                if not ids:
                    return
                if client is None:
                    try:
                        client = settings.connect()
                    except (OSError, smtplib.SMTPException) as exc:
                        _retry(runtime, ids, f"cannot reach the SMTP server: {exc}", moment)
                        with lock:
                            totals[1] += len(ids)
                        return
                done, failed, alive = _send_batch(runtime, client, settings, ids, moment)
                with lock:
                    totals[0] += done
                    totals[1] += failed
                if not alive:
                    return
        finally:
            if client is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    client.quit()

    if count == 1:
        sender()
    else:
        threads = [threading.Thread(target=sender, name=f"yaprak-smtp-{i}") for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return totals[0], totals[1]


def _send_batch(
    runtime: Runtime, client: smtplib.SMTP, settings: SmtpSettings, ids: list[int], moment: datetime
) -> tuple[int, int, bool]:
    """Send claimed messages; no transaction is open while the SMTP server works.
    ``(sent, failed, connection still usable)``."""
    with runtime.db.Session() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .options(selectinload(OutboxMessage.attachments))
            .order_by(OutboxMessage.id)
        ).all()
        emails = [(row.id, build_message(row, settings.sender)) for row in rows]
    outcome: dict[int, str | None] = {}
    alive = True
    for message_id, email in emails:
        try:
            client.send_message(email)
            outcome[message_id] = None
        except (OSError, smtplib.SMTPException) as exc:
            outcome[message_id] = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                alive = False
                break  # the connection is gone: the rest waits for the next run
    sent = failed = 0
    with runtime.db.transaction() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
            if row.id not in outcome:
                row.state = "queued"  # claimed but not tried
            elif outcome[row.id] is None:
                row.state, row.sent_at, row.last_error = "sent", now(), ""
                sent += 1
            else:
                _schedule_retry(row, outcome[row.id] or "", moment)
                failed += 1
    return sent, failed, alive


def _schedule_retry(row: OutboxMessage, reason: str, moment: datetime) -> None:
    row.attempts += 1
    row.last_error = reason[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.state = "failed"
    else:
        row.state = "queued"
        row.next_attempt_at = moment + timedelta(
            seconds=BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
        )


def _retry(runtime: Runtime, ids: list[int], reason: str, moment: datetime) -> None:
    with runtime.db.transaction() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
            _schedule_retry(row, reason, moment)


def waiting_messages(runtime: Runtime) -> tuple[int, datetime] | None:
    """How many queued messages wait for a retry, and when the next one is due."""
    from sqlalchemy import func

    with runtime.db.Session() as session:
        count, first = session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.state == "queued", OutboxMessage.attempts > 0
            )
        ).one()
    return (count, first) if count else None


def retry_message(session: Session, message_id: int) -> OutboxMessage:
    """Queue a failed (or waiting) message again, now."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise KernelError(f"no outbox message {message_id}")
    if row.state == "sent":
        raise KernelError(f"message {message_id} was sent already")
    row.state, row.next_attempt_at, row.attempts = "queued", now(), 0
    return row


__all__ = ["SmtpSettings", "deliver_outbox", "formataddr", "queue_mail", "retry_message"]
