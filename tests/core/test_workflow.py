"""Documents, transitions, the audit trail and the workflow engine with approvals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.auth import add_user, grant
from core.companies import get_company
from core.documents import TransitionRefused, Veto, audit_trail, copy_document, transition
from core.models import Approval, OutboxMessage
from core.workflow import decide, pending_approvals, save_workflow, workflow_definition


@pytest.fixture
def shop(make_company, yaprak_runtime):
    """ACME with docs enabled and four users."""
    make_company("ACME", addons=["docs"])
    users = {}
    with yaprak_runtime.db.transaction() as s:
        company = get_company(s, "ACME")
        for name, roles in (
            ("req", ["docs.requester"]),
            ("appr", ["docs.approver"]),
            ("appr2", ["docs.approver"]),
            ("boss", ["manager"]),
            ("clerk", ["user"]),
        ):
            user = add_user(s, f"{name}@acme.test", name.title())
            grant(s, yaprak_runtime.kernel, user, company, roles)
            users[name] = user.id
    return users


class Env:
    def __init__(self, runtime, users):
        self.runtime, self.users = runtime, users
        with runtime.db.Session() as s:
            self.company_id = get_company(s, "ACME").id

    def session(self):
        return self.runtime.db.session_for(self.company_id, write=True)

    def user(self, session, name):
        from core.models import User

        return session.get(User, self.users[name])

    def new_request(self, amount, requester="req", note="", day=None):
        """A draft with one line of ``amount`` (net, KDV 0) by ``requester``."""
        from yk_docs.models import DocsRequest, DocsRequestLine

        with self.session() as s, s.begin():
            user = self.user(s, requester)
            doc = DocsRequest(requester_id=user.id, note=note, date=day or date.today())
            doc.lines.append(
                DocsRequestLine(
                    description="thing",
                    quantity=Decimal("1"),
                    unit_price=Decimal(amount),
                    tax_rate=0,
                )
            )
            doc.recompute()
            s.add(doc)
            s.flush()
            return doc.id

    def do(self, doc_id, action, who, comment=""):
        from yk_docs.models import DocsRequest

        with self.session() as s, s.begin():
            doc = s.get(DocsRequest, doc_id)
            transition(s, doc, action, self.user(s, who), comment)
            return doc.state, doc.number

    def decide(self, doc_id, who, decision="approved", comment="", on=None):
        from yk_docs.models import DocsRequest

        with self.session() as s, s.begin():
            doc = s.get(DocsRequest, doc_id)
            decide(s, doc, self.user(s, who), decision, comment, on=on)
            return doc.state

    def state(self, doc_id):
        from yk_docs.models import DocsRequest

        with self.session() as s:
            doc = s.get(DocsRequest, doc_id)
            return doc.state, doc.number


@pytest.fixture
def env(shop, yaprak_runtime):
    return Env(yaprak_runtime, shop)


def test_small_requests_are_approved_at_submit_and_numbered_when_done(env):
    doc = env.new_request("80.00")
    assert env.state(doc) == ("draft", None)  # drafts have no number
    assert env.do(doc, "submit", "req") == ("approved", None)  # <= 100: no approver needed
    state, number = env.do(doc, "done", "req")
    assert state == "done" and number == f"RQ-{date.today().year}-0001"


def test_refusals_say_why_and_change_nothing(env):
    doc = env.new_request("80.00")
    with pytest.raises(TransitionRefused, match="'done' is not allowed from state 'draft'"):
        env.do(doc, "done", "req")
    with pytest.raises(TransitionRefused, match="'submit' needs the role docs.requester"):
        env.do(doc, "submit", "clerk")
    with pytest.raises(TransitionRefused, match="'approve' happens through the approval chain"):
        env.do(doc, "approve", "appr")
    with pytest.raises(TransitionRefused, match="has no action 'fly'"):
        env.do(doc, "fly", "req")
    zero = env.new_request("0.00")
    env.do(zero, "submit", "req")
    with pytest.raises(TransitionRefused, match="a request needs an amount"):  # a guard
        env.do(zero, "done", "req")
    vetoed = env.new_request("50.00", note="veto")
    with pytest.raises(Veto, match="docs refuses: the note says veto"):
        env.do(vetoed, "submit", "req")
    assert env.state(doc) == ("draft", None) and env.state(vetoed) == ("draft", None)


def test_a_failing_after_hook_rolls_the_whole_transition_back(env, yaprak_runtime):
    doc = env.new_request("80.00", note="explode")
    env.do(doc, "submit", "req")
    with pytest.raises(RuntimeError, match="docs failed after the transition"):
        env.do(doc, "done", "req")
    assert env.state(doc) == ("approved", None)  # no state, no number
    ok = env.new_request("70.00")
    env.do(ok, "submit", "req")
    assert env.do(ok, "done", "req")[1] == f"RQ-{date.today().year}-0001"  # the number came back
    with yaprak_runtime.db.Session() as s:
        assert s.scalar(select(OutboxMessage.subject)) == (
            f"RQ-{date.today().year}-0001 numaralı talep tamamlandı"
        )


def test_the_approval_chain_follows_the_amount_band(env, yaprak_runtime):
    middle = env.new_request("5000.00")
    assert env.do(middle, "submit", "req")[0] == "submitted"
    with pytest.raises(TransitionRefused, match="approving this step needs the role docs.approver"):
        env.decide(middle, "boss")  # a manager is not an approver (roles are exact)
    assert env.decide(middle, "appr") == "approved"

    big = env.new_request("50000.00")
    env.do(big, "submit", "req")
    assert env.decide(big, "appr") == "submitted"  # one of two steps
    with pytest.raises(TransitionRefused, match="needs the role manager"):
        env.decide(big, "appr2")
    assert env.decide(big, "boss") == "approved"
    with yaprak_runtime.db.Session() as s:
        rows = s.scalars(
            select(Approval).where(Approval.document_id == big).order_by(Approval.step)
        ).all()
        assert [(r.step, r.role, r.decision) for r in rows] == [
            (0, "docs.approver", "approved"),
            (1, "manager", "approved"),
        ]


def test_no_self_approval(env, yaprak_runtime):
    with yaprak_runtime.db.transaction() as s:  # the requester is an approver too
        grant(
            s, yaprak_runtime.kernel, env.user(s, "req"), get_company(s, "ACME"), ["docs.approver"]
        )
    doc = env.new_request("500.00")
    env.do(doc, "submit", "req")
    with pytest.raises(TransitionRefused, match="no self-approval"):
        env.decide(doc, "req")
    assert env.state(doc)[0] == "submitted"


def test_rejection_needs_a_reason_and_tells_the_requester(env, yaprak_runtime):
    doc = env.new_request("500.00")
    env.do(doc, "submit", "req")
    with pytest.raises(TransitionRefused, match="a rejection needs a reason"):
        env.decide(doc, "appr", "rejected")
    assert env.decide(doc, "appr", "rejected", "Bütçe aşıldı, gelecek aya erteleyin.") == "rejected"
    with yaprak_runtime.db.Session() as s:  # (the approvers were told when it was submitted)
        mail = s.scalar(select(OutboxMessage).where(OutboxMessage.to == "req@acme.test"))
    assert "reddedildi" in mail.subject
    assert "Gerekçe: Bütçe aşıldı, gelecek aya erteleyin." in mail.body_text
    assert env.do(doc, "reopen", "req")[0] == "draft"


def test_changing_an_approved_document_resets_its_approval(env):
    from yk_docs.models import DocsRequest

    doc = env.new_request("500.00")
    env.do(doc, "submit", "req")
    env.decide(doc, "appr")
    with env.session() as s, s.begin():
        request = s.get(DocsRequest, doc)
        request.lines[0].unit_price = Decimal("600.00")
        request.recompute()
    assert env.state(doc)[0] == "submitted"  # needs approval again
    with env.session() as s:
        assert s.scalars(select(Approval.void).where(Approval.document_id == doc)).all() == [True]
    assert env.decide(doc, "appr") == "approved"


def test_a_copy_starts_unapproved_without_a_number(env):
    from yk_docs.models import DocsRequest

    doc = env.new_request("500.00")
    env.do(doc, "submit", "req")
    env.decide(doc, "appr")
    env.do(doc, "done", "req")
    with env.session() as s, s.begin():
        clone = copy_document(s, s.get(DocsRequest, doc), lines="lines")
        assert (clone.state, clone.number, clone.amount_total) == ("draft", None, Decimal("500.00"))
        assert [line.unit_price for line in clone.lines] == [Decimal("500.0000")]
        clone_id = clone.id
    with env.session() as s:
        assert s.scalar(select(Approval).where(Approval.document_id == clone_id)) is None


def test_two_approvers_at_once_make_one_transition(env):
    import threading

    from yk_docs.models import DocsRequest

    doc = env.new_request("500.00")
    env.do(doc, "submit", "req")
    start = threading.Barrier(2)
    outcomes = []

    def approve(who):
        start.wait()
        try:
            with env.runtime.activate(), env.session() as s, s.begin():
                decide(s, s.get(DocsRequest, doc), env.user(s, who), "approved")
            outcomes.append("approved")
        except TransitionRefused as exc:  # the loser is told, in words
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=approve, args=(who,)) for who in ("appr", "appr2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["TransitionRefused", "approved"], outcomes
    with env.session() as s:
        assert len(s.scalars(select(Approval).where(Approval.document_id == doc)).all()) == 1
    assert env.state(doc)[0] == "approved"


def test_delegation_for_a_date_range(env, yaprak_runtime, cli):
    doc = env.new_request("500.00")
    env.do(doc, "submit", "req")
    today = date.today()
    out = cli(
        "approvals",
        "delegate",
        "appr@acme.test",
        "clerk@acme.test",
        "--company",
        "ACME",
        "--start",
        today.isoformat(),
        "--end",
        (today + timedelta(days=7)).isoformat(),
    ).output
    assert out == (
        f"clerk@acme.test approves for appr@acme.test from {today} "
        f"to {today + timedelta(days=7)}.\n"
    )
    bad = cli(
        "approvals",
        "delegate",
        "appr@acme.test",
        "clerk@acme.test",
        "--company",
        "ACME",
        "--start",
        "2026-13-01",
        "--end",
        "2026-12-01",
        expect=1,
    )
    assert bad.output == "Error: start: '2026-13-01' is not a date (YYYY-MM-DD)\n"
    with pytest.raises(TransitionRefused, match="needs the role docs.approver"):
        env.decide(doc, "clerk", on=today + timedelta(days=8))  # outside the range
    assert env.decide(doc, "clerk", on=today + timedelta(days=1)) == "approved"
    with env.session() as s:
        row = s.scalar(select(Approval).where(Approval.document_id == doc))
        assert (row.user_id, row.on_behalf_of_id) == (env.users["clerk"], env.users["appr"])


def test_accumulation_adds_up_a_requesters_recent_documents(env):
    with env.session() as s, s.begin():
        raw = workflow_definition(s, "docs.request")
        raw["approval"]["accumulate_days"] = 30
        save_workflow(s, raw)
    first = env.new_request("60.00")
    assert env.do(first, "submit", "req")[0] == "approved"  # 60 <= 100
    second = env.new_request("60.00")
    assert env.do(second, "submit", "req")[0] == "submitted"  # 60 + 60 > 100: split refused
    long_ago = env.new_request("60.00", day=date.today() - timedelta(days=40))
    assert env.do(long_ago, "submit", "req")[0] == "approved"  # outside the 30 days


def test_pending_approvals_per_user(env, yaprak_runtime):
    small = env.new_request("5000.00")
    big = env.new_request("50000.00")
    env.do(small, "submit", "req")
    env.do(big, "submit", "req")
    with env.session() as s:
        company = get_company(s, "ACME")
        assert sorted(d.id for d, _ in pending_approvals(s, env.user(s, "appr"), company)) == [
            small,
            big,
        ]
        assert pending_approvals(s, env.user(s, "boss"), company) == []  # not its turn yet
        assert pending_approvals(s, env.user(s, "req"), company) == []
    env.decide(big, "appr")
    with env.session() as s:
        company = get_company(s, "ACME")
        assert [(d.id, r) for d, r in pending_approvals(s, env.user(s, "boss"), company)] == [
            (big, "manager")
        ]


def test_the_audit_trail_records_who_changed_what(env):
    from yk_docs.models import DocsRequest

    doc = env.new_request("80.00")
    with env.session() as s, s.begin():
        s.info["yaprak_user_id"] = env.users["req"]
        request = s.get(DocsRequest, doc)
        request.note = "urgent"
    env.do(doc, "submit", "req")
    with env.session() as s:
        trail = [
            (e.action, e.field, e.old, e.new, e.user_id)
            for e in audit_trail(s, s.get(DocsRequest, doc))
        ]
    assert trail[0][0] == "create"
    assert ("update", "note", "", "urgent", env.users["req"]) in trail
    assert ("transition", "state", "draft", "submitted", env.users["req"]) in trail
    assert ("transition", "state", "submitted", "approved", env.users["req"]) in trail


def test_companies_change_workflows_and_numbers_without_code(env, cli, yaprak_runtime):
    shown = cli("workflow", "show", "docs.request", "--company", "ACME").output
    assert "  submit     draft -> submitted  by docs.requester" in shown
    assert "    up to 10000.00     docs.approver" in shown
    changed = cli(
        "workflow",
        "set",
        "docs.request",
        "--company",
        "ACME",
        "--band",
        "250:",
        "--band",
        "-:manager",
        "--role",
        "submit=user",
        "--accumulate-days",
        "7",
    ).output
    assert "    up to 250.00       no approval" in changed
    assert "    above 250.00       manager" in changed
    assert "by user" in changed and "adding up 7 days" in changed
    doc = env.new_request("200.00", requester="clerk")
    assert env.do(doc, "submit", "clerk")[0] == "approved"  # 200 <= 250 now
    bad = cli(
        "workflow", "set", "docs.request", "--company", "ACME", "--band", "x:manager", expect=1
    )
    assert bad.output == "Error: --band 'x:manager': the limit must be an amount or '-'\n"
    bad = cli(
        "workflow", "set", "docs.request", "--company", "ACME", "--band", "-:wizard", expect=1
    )
    assert bad.output == "Error: invalid workflow: approval band: unknown role 'wizard'\n"
    bad = cli(
        "workflow", "set", "docs.request", "--company", "ACME", "--role", "fly=user", expect=1
    )
    assert bad.output.startswith("Error: --role 'fly=user': use TRANSITION=ROLE")
    bad = cli(
        "workflow",
        "set",
        "docs.request",
        "--company",
        "ACME",
        "--band",
        "500:",
        "--band",
        "100:",
        expect=1,
    )
    assert (
        bad.output
        == "Error: invalid workflow: approval bands must rise, only the last may be open\n"
    )
    assert (
        cli("workflow", "reset", "docs.request", "--company", "ACME").output
        == "Back to the default workflow.\n"
    )

    out = cli(
        "sequence", "set", "docs.request", "--company", "ACME", "--pattern", "TLP{yy}-{seq:03d}"
    ).output
    assert out.startswith("docs.request: next numbers look like TLP")
    doc = env.new_request("50.00")
    env.do(doc, "submit", "req")
    assert env.do(doc, "done", "req")[1] == f"TLP{date.today().year % 100:02d}-001"
    assert "TLP{yy}-{seq:03d}" in cli("sequence", "list", "--company", "ACME").output
    bad = cli(
        "sequence", "set", "docs.request", "--company", "ACME", "--pattern", "{year}", expect=1
    )
    assert bad.output == "Error: pattern: the pattern needs {seq}\n"

    big = env.new_request("5000.00")
    env.do(big, "submit", "req")
    pending = cli("approvals", "pending", "appr@acme.test", "--company", "ACME").output
    assert "docs.request" in pending and "5000.00 TRY  as docs.approver" in pending
    assert cli("approvals", "pending", "req@acme.test", "--company", "ACME").output == (
        "Nothing waits for this user.\n"
    )


def test_decisions_and_resets_are_in_the_audit_trail(env):
    from yk_docs.models import DocsRequest

    doc = env.new_request("50000.00")
    env.do(doc, "submit", "req")
    env.decide(doc, "appr", comment="bütçe uygun")
    with env.session() as s, s.begin():
        request = s.get(DocsRequest, doc)
        request.lines[0].unit_price = Decimal("40000.00")
        request.recompute()
    with env.session() as s:
        trail = [
            (e.action, e.field, e.comment, e.user_id)
            for e in audit_trail(s, s.get(DocsRequest, doc))
        ]
    assert ("approve", "step 1: docs.approver", "bütçe uygun", env.users["appr"]) in trail
    assert ("approval reset", "state", "amount or lines changed: approvals voided", None) in trail


def test_workflow_settings_are_checked(env, cli, make_company):
    make_company("EXPO")
    checks = [
        (
            ["--band", "100.123:manager"],
            "Error: --band '100.123:manager': the limit must be an "
            "amount with at most 2 decimals\n",
        ),
        (
            ["--band", "100:", "--band", "100:manager", "--band", "-:manager"],
            "Error: invalid workflow: approval bands must rise, only the last may be open\n",
        ),
        (
            ["--band", "100:", "--band", "500:manager"],
            "Error: invalid workflow: the last approval band must be open ('-'): which chain "
            "approves amounts above 500.00?\n",
        ),
        (
            ["--role", "approve=manager"],
            "Error: invalid workflow: approve is taken by the approval "
            "chain and has no role (change the bands instead)\n",
        ),
    ]
    for args, message in checks:
        assert (
            cli("workflow", "set", "docs.request", "--company", "ACME", *args, expect=1).output
            == message
        )
    for args, message in (
        (
            ["--band", "1,000:"],
            "Error: --band '1,000:': write the limit without a thousands "
            "separator and with a dot for decimals, e.g. 10000 or 10000.50\n",
        ),
        (["--band", "-1:"], "Error: --band '-1:': the limit must not be negative\n"),
    ):
        assert (
            cli("workflow", "set", "docs.request", "--company", "ACME", *args, expect=1).output
            == message
        )
    for command in ("show", "reset"):
        out = cli("workflow", command, "docs.request", "--company", "EXPO", expect=1).output
        assert out == "Error: docs.request: the add-on docs is not enabled for EXPO\n"
    out = cli("approvals", "pending", "req@acme.test", "--company", "EXPO", expect=1).output
    assert out == "Error: req@acme.test is not a member of EXPO\n"


def test_delegations_are_checked_listed_and_ended(env, cli, make_company, yaprak_runtime):
    make_company("EXPO")
    with yaprak_runtime.db.transaction() as s:
        outsider = add_user(s, "out@expo.test")
        grant(s, yaprak_runtime.kernel, outsider, get_company(s, "EXPO"), ["user"])
    today = date.today()
    args = [
        "--company",
        "ACME",
        "--start",
        today.isoformat(),
        "--end",
        (today + timedelta(days=3)).isoformat(),
    ]
    bad = cli("approvals", "delegate", "appr@acme.test", "out@expo.test", *args, expect=1).output
    assert bad == "Error: to: out@expo.test is not a member of ACME\n"
    past = ["--company", "ACME", "--start", "2020-01-01", "--end", "2020-01-31"]
    bad = cli("approvals", "delegate", "appr@acme.test", "clerk@acme.test", *past, expect=1).output
    assert bad == "Error: end: the period is over already\n"
    cli("approvals", "delegate", "appr@acme.test", "clerk@acme.test", *args)
    listing = cli("approvals", "delegations", "--company", "ACME").output
    delegation_id = int(listing.split()[0])
    assert "appr@acme.test -> clerk@acme.test" in listing
    assert cli("approvals", "undelegate", str(delegation_id), "--company", "ACME").output == (
        f"Delegation {delegation_id} ended.\n"
    )
    assert cli("approvals", "delegations", "--company", "ACME").output == "No delegation.\n"


def test_approvers_are_told_when_a_document_waits_for_them(env, yaprak_runtime):
    from core.workflow import delegate

    def mails():
        with yaprak_runtime.db.Session() as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            return [(m.to, m.subject) for m in rows]

    env.do(env.new_request("80.00"), "submit", "req")  # no approval needed: nobody is told
    assert mails() == []
    with env.session() as s, s.begin():  # appr2 is away: clerk decides for them this week
        delegate(s, env.user(s, "appr2"), env.user(s, "clerk"), date.today(), date.today())
    big = env.new_request("50000.00")
    env.do(big, "submit", "req")
    to = sorted(t for t, _ in mails())  # the docs.approver holders and the delegate
    assert to == ["appr2@acme.test", "appr@acme.test", "clerk@acme.test"]
    assert all("onayınızı bekliyor" in subject for _, subject in mails())
    env.decide(big, "appr")  # step 2 waits for a manager now: the boss is told
    assert [t for t, _ in mails()[3:]] == ["boss@acme.test"]
    env.decide(big, "boss")
    assert len(mails()) == 4  # approved: nobody else


def test_without_holders_of_the_role_the_administrators_are_told(env, yaprak_runtime):
    from core.auth import revoke_roles

    with yaprak_runtime.db.transaction() as s:
        company = get_company(s, "ACME")
        for name in ("appr", "appr2"):
            revoke_roles(s, env.user(s, name), company, ["docs.approver"])
        admin = add_user(s, "admin@acme.test", "Admin")
        grant(s, yaprak_runtime.kernel, admin, company, ["admin"])
    env.do(env.new_request("500.00"), "submit", "req")
    with yaprak_runtime.db.Session() as s:
        assert s.scalars(select(OutboxMessage.to)).all() == ["admin@acme.test"]
