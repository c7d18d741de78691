"""The outbox: written with the change, sent after commit exactly once, retried, never lost.
A real SMTP server (aiosmtpd) on loopback receives the messages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.mail import MAX_ATTEMPTS, deliver_outbox, now, queue_mail
from core.models import OutboxMessage


@pytest.fixture
def acme(make_company):
    return make_company("ACME", addons=["docs"])


def _queue(runtime, company, subject_number="RQ-1", rollback=False, attachments=None):
    from yk_docs.models import DocsRequest

    session = runtime.db.session_for(company, write=True)
    with session:
        session.begin()
        doc = DocsRequest(number=subject_number, amount_total="12.50")
        session.add(doc)
        session.flush()
        queue_mail(
            session,
            ["ali@example.com"],
            "docs/mail/done",
            {"document": doc},
            language="en",
            attachments=attachments,
        )
        if rollback:
            session.rollback()
        else:
            session.commit()


def _rows(runtime):
    with runtime.db.Session() as s:
        return s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_committed_change_sends_once_a_rolled_back_one_never(yaprak_runtime, acme, smtp_server):
    yaprak_runtime.config.smtp_url = smtp_server.url
    _queue(yaprak_runtime, acme, "RQ-ROLLED", rollback=True)
    _queue(
        yaprak_runtime,
        acme,
        "RQ-1",
        attachments=[("talep.pdf", b"%PDF-1.4 test", "application/pdf")],
    )
    assert [m["Subject"] for m in smtp_server.messages] == ["Request RQ-1 is done"]
    message = smtp_server.messages[0]
    assert message["To"] == "ali@example.com" and message["From"] == "Yaprak <yaprak@localhost>"
    assert "Request RQ-1 (12.50) is done." in message.get_body(("plain",)).get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "talep.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"
    rows = _rows(yaprak_runtime)
    assert [(r.state, r.attempts) for r in rows] == [("sent", 0)]
    assert deliver_outbox(yaprak_runtime) == (0, 0)  # nothing is sent twice
    assert len(smtp_server.messages) == 1


def test_a_server_that_is_down_then_up_loses_nothing(yaprak_runtime, acme, smtp_server):
    port = smtp_server.port
    smtp_server.stop()
    yaprak_runtime.config.smtp_url = f"smtp://127.0.0.1:{port}"
    _queue(yaprak_runtime, acme, "RQ-7")
    (row,) = _rows(yaprak_runtime)
    assert row.state == "queued" and row.attempts == 1
    assert row.last_error.startswith("cannot reach the SMTP server")
    assert row.next_attempt_at > now() + timedelta(seconds=50)  # backoff: a minute
    assert deliver_outbox(yaprak_runtime) == (0, 0)  # not due yet
    smtp_server.start(port)
    assert deliver_outbox(yaprak_runtime, when=now() + timedelta(minutes=2)) == (1, 0)
    assert [m["Subject"] for m in smtp_server.messages] == ["Request RQ-7 is done"]
    assert _rows(yaprak_runtime)[0].state == "sent"


def test_a_message_fails_after_the_last_attempt_and_can_be_retried(
    yaprak_runtime, acme, smtp_server, cli
):
    yaprak_runtime.config.smtp_url = ""  # no server configured: the mail simply waits
    _queue(yaprak_runtime, acme, "RQ-9")
    (row,) = _rows(yaprak_runtime)
    assert (row.state, row.attempts, row.last_error) == ("queued", 0, "")
    assert cli("outbox", "send", expect=1).output == (
        "Error: no SMTP server is configured (YAPRAK_SMTP_URL): the mail waits in the outbox\n"
    )
    yaprak_runtime.config.smtp_url = "smtp://127.0.0.1:1"  # a server that never answers
    moment = now()
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(days=2)
        deliver_outbox(yaprak_runtime, when=moment)
    (row,) = _rows(yaprak_runtime)
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error.startswith("cannot reach the SMTP server")
    listing = cli("outbox", "list", "--state", "failed").output
    assert f"{row.id:<6} failed   {MAX_ATTEMPTS} failed  ali@example.com" in listing
    yaprak_runtime.config.smtp_url = smtp_server.url
    assert cli("outbox", "retry", str(row.id)).output == f"Message {row.id} queued again.\n"
    assert cli("outbox", "send").output == "Sent 1, not sent 0.\n"
    assert len(smtp_server.messages) == 1


def test_bad_recipients_are_refused(yaprak_runtime, acme):
    from core.kernel.errors import KernelError

    with (
        yaprak_runtime.db.session_for(acme, write=True) as s,
        pytest.raises(KernelError, match="not an e-mail"),
    ):
        queue_mail(s, ["nobody"], "docs/mail/done", {"document": None})


def test_delivery_reports_what_waits_and_bad_settings(yaprak_runtime, acme, cli):
    yaprak_runtime.config.smtp_url = "smtp://127.0.0.1:1"  # nothing listens there
    _queue(yaprak_runtime, acme, "RQ-2")
    out = cli("outbox", "send").output
    assert out.startswith("Sent 0, not sent 0. 1 waiting for a retry, the next at ")
    yaprak_runtime.config.smtp_url = "smtp://127.0.0.1:notaport"
    bad = cli("outbox", "send", expect=1).output
    assert bad == "Error: YAPRAK_SMTP_URL: 'smtp://127.0.0.1:notaport' has no valid port\n"


def test_text_in_html_mail_is_escaped(yaprak_runtime, acme, smtp_server):
    """What users typed reaches an HTML e-mail as text, never as markup."""
    from yk_docs.models import DocsRequest

    yaprak_runtime.config.smtp_url = smtp_server.url
    with yaprak_runtime.db.session_for(acme, write=True) as session, session.begin():
        doc = DocsRequest(number="RQ-9", amount_total="1", note="<script>alert(1)</script><b>x</b>")
        session.add(doc)
        session.flush()
        queue_mail(session, ["ali@example.com"], "docs/mail/done", {"document": doc}, language="en")
    html = smtp_server.messages[0].get_body(("html",)).get_content()
    assert "<strong>RQ-9</strong>" in html  # the template's own markup stays
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>" not in html
