"""Workflows as data: states, transitions, roles, guards and approval matrices.

An add-on ships a default workflow per document type (``workflows`` hook); a company changes
its copy without code (``yaprak workflow set``). Definitions are JSON validated against
``WORKFLOW_SCHEMA``; guards are ``(field, operator, value)`` triples compared in Python,
never evaluated.

Approvals: the amount of the document (plus, with ``accumulate_days``, the same requester's
other documents of that type within that many days) picks a band; the band's chain of roles
must approve in order. Each step is taken by a user with the role (or their delegate for the
day), never by the requester. When the chain is complete the ``approval: complete``
transition is taken automatically (at once when the chain is empty); a rejection takes the
``approval: reject`` transition and tells the requester why. Changing an approved document's
amount or lines voids its approvals and sends it back for approval.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.cache import SharedCache
from core.documents import USER_KEY, Document, TransitionRefused, document_classes, transition
from core.kernel.errors import KernelError
from core.models.workflow import Approval, Delegation, WorkflowSetting

if TYPE_CHECKING:
    from core.kernel.registry import Kernel
    from core.models import Company, User

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "set", "unset")

WORKFLOW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["document_type", "states", "initial", "transitions"],
    "properties": {
        "document_type": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"},
        "states": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "uniqueItems": True,
        },
        "initial": {"type": "string"},
        "transitions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "from", "to"],
                "properties": {
                    "name": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
                    "label": {"type": "string"},
                    "from": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "to": {"type": "string"},
                    "role": {"type": ["string", "null"]},
                    "number": {"type": "boolean"},
                    "approval": {"enum": ["complete", "reject"]},
                    "guards": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["field", "op"],
                            "properties": {
                                "field": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
                                "op": {"enum": list(OPERATORS)},
                                "value": {},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
        "approval": {
            "type": "object",
            "additionalProperties": False,
            "required": ["bands"],
            "properties": {
                "amount_field": {"type": "string"},
                "bands": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["up_to", "chain"],
                        "properties": {
                            "up_to": {"type": ["string", "null"], "pattern": r"^\d+(\.\d{1,2})?$"},
                            "chain": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
                "accumulate_days": {"type": "integer", "minimum": 0},
                "reset_fields": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


# ----------------------------------------------------------------------------- definitions
@dataclass(frozen=True)
class Guard:
    field: str
    op: str
    value: Any
    message: str


@dataclass(frozen=True)
class Step:
    name: str
    sources: tuple[str, ...]
    to: str
    role: str | None
    number: bool
    approval: str | None
    guards: tuple[Guard, ...]
    label: str


@dataclass(frozen=True)
class Band:
    up_to: Decimal | None
    chain: tuple[str, ...]


@dataclass(frozen=True)
class Workflow:
    document_type: str
    states: tuple[str, ...]
    initial: str
    steps: dict[str, Step]
    bands: tuple[Band, ...]
    amount_field: str
    accumulate_days: int
    reset_fields: tuple[str, ...]
    raw: dict

    @property
    def approval_step(self) -> Step | None:
        return next((s for s in self.steps.values() if s.approval == "complete"), None)

    @property
    def reject_step(self) -> Step | None:
        return next((s for s in self.steps.values() if s.approval == "reject"), None)

    def chain_for(self, amount: Decimal) -> tuple[str, ...]:
        for band in self.bands:
            if band.up_to is None or amount <= band.up_to:
                return band.chain
        return self.bands[-1].chain if self.bands else ()


_WORKFLOWS = SharedCache("core.workflows", watches=[WorkflowSetting])


@cache
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(WORKFLOW_SCHEMA)


def parse_workflow(raw: dict, kernel: Kernel | None = None) -> Workflow:
    """Validate a definition (schema, states, roles) and build a :class:`Workflow`."""
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = ".".join(map(str, errors[0].absolute_path)) or "(root)"
        raise KernelError(f"invalid workflow: {where}: {errors[0].message}")
    states = tuple(raw["states"])
    if raw["initial"] not in states:
        raise KernelError(f"invalid workflow: initial state {raw['initial']!r} is not a state")
    known_roles = None
    if kernel is not None:
        from core.auth import all_roles

        known_roles = all_roles(kernel)
    steps = {}
    for t in raw["transitions"]:
        for state in (*t["from"], t["to"]):
            if state not in states:
                raise KernelError(
                    f"invalid workflow: transition {t['name']}: unknown state {state!r}"
                )
        if known_roles is not None and t.get("role") and t["role"] not in known_roles:
            raise KernelError(
                f"invalid workflow: transition {t['name']}: unknown role {t['role']!r}"
            )
        if t["name"] in steps:
            raise KernelError(f"invalid workflow: transition {t['name']} is defined twice")
        guards = tuple(
            Guard(g["field"], g["op"], g.get("value"), g.get("message", ""))
            for g in t.get("guards", ())
        )
        steps[t["name"]] = Step(
            t["name"],
            tuple(t["from"]),
            t["to"],
            t.get("role"),
            bool(t.get("number")),
            t.get("approval"),
            guards,
            t.get("label", t["name"].replace("_", " ").capitalize()),
        )
    approval = raw.get("approval") or {}
    bands = tuple(
        Band(Decimal(b["up_to"]) if b["up_to"] is not None else None, tuple(b["chain"]))
        for b in approval.get("bands", ())
    )
    limits = [b.up_to for b in bands]
    if None in limits[:-1] or any(
        a is not None and b is not None and b <= a for a, b in itertools.pairwise(limits)
    ):
        raise KernelError("invalid workflow: approval bands must rise, only the last may be open")
    if bands and limits[-1] is not None:
        raise KernelError(
            "invalid workflow: the last approval band must be open ('-'): which chain approves "
            f"amounts above {limits[-1]}?"
        )
    for t in raw["transitions"]:
        if t.get("approval") and t.get("role"):
            raise KernelError(
                f"invalid workflow: {t['name']} is taken by the approval chain and has no role "
                "(change the bands instead)"
            )
    for band in bands:
        for role in band.chain:
            if known_roles is not None and role not in known_roles:
                raise KernelError(f"invalid workflow: approval band: unknown role {role!r}")
    if bands and (not any(s.approval == "complete" for s in steps.values())):
        raise KernelError(
            "invalid workflow: approval bands need a transition with approval: complete"
        )
    return Workflow(
        raw["document_type"],
        states,
        raw["initial"],
        steps,
        bands,
        approval.get("amount_field", "amount_total"),
        int(approval.get("accumulate_days", 0)),
        tuple(approval.get("reset_fields", ["amount_total"])),
        raw,
    )


def default_workflows(kernel: Kernel) -> dict[str, dict]:
    """The workflows add-ons ship (``workflows`` hook), by document type."""
    cached = getattr(kernel, "_yaprak_workflows", None)
    if cached is None:
        cached = {}
        for addon, raw in kernel.registrations("workflows"):
            if not raw["document_type"].startswith(f"{addon}."):
                raise KernelError(
                    f"{addon}: workflow {raw['document_type']!r} must be '{addon}.<name>'"
                )
            parse_workflow(raw, kernel)
            cached[raw["document_type"]] = raw
        kernel._yaprak_workflows = cached  # type: ignore[attr-defined]
    return cached


def _kernel() -> Kernel:
    from core.runtime import current_runtime

    return current_runtime().kernel


def workflow_definition(session: Session, document_type: str) -> dict:
    """The company's definition of ``document_type`` (its own copy, else the default)."""
    setting = session.scalar(
        select(WorkflowSetting).where(WorkflowSetting.document_type == document_type)
    )
    if setting is not None:
        return json.loads(setting.definition)
    defaults = default_workflows(_kernel())
    if document_type not in defaults:
        raise KernelError(f"no workflow for {document_type!r}")
    return copy.deepcopy(defaults[document_type])


def workflow_of(session: Session, document_type: str) -> Workflow:
    """The company's parsed workflow of ``document_type``, kept per worker until a company's
    workflow changes (``core.cache``): documents ask for it on every change and flush, and
    parsing validates the JSON against its schema."""
    from core.tenancy import company_of

    return _WORKFLOWS.get(
        session,
        (company_of(session), document_type),
        lambda: parse_workflow(workflow_definition(session, document_type)),
    )


def workflow_for(session: Session, document: Document) -> Workflow:
    return workflow_of(session, document.__document_type__)


def save_workflow(session: Session, raw: dict) -> Workflow:
    """Store the company's copy of a workflow after validating it."""
    workflow = parse_workflow(raw, _kernel())
    setting = session.scalar(
        select(WorkflowSetting).where(WorkflowSetting.document_type == workflow.document_type)
    )
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True)
    if setting is None:
        session.add(WorkflowSetting(document_type=workflow.document_type, definition=text))
    else:
        setting.definition = text
    session.flush()
    return workflow


# ----------------------------------------------------------------------------- checks
def _coerce(document: Document, field: str, value: Any) -> Any:
    current = getattr(document, field)
    if value is None or current is None:
        return value
    if isinstance(current, Decimal):
        return Decimal(str(value))
    if isinstance(current, bool):
        return bool(value)
    if isinstance(current, int):
        return int(value)
    if isinstance(current, date):
        return date.fromisoformat(str(value))
    return value


def guard_holds(document: Document, guard: Guard) -> bool:
    if guard.field not in document.__mapper__.column_attrs:
        raise KernelError(f"workflow guard on unknown field {guard.field!r}")
    value = getattr(document, guard.field)
    if guard.op == "set":
        return value not in (None, "")
    if guard.op == "unset":
        return value in (None, "")
    if guard.op in ("in", "not_in"):
        options = [_coerce(document, guard.field, v) for v in (guard.value or [])]
        return (value in options) == (guard.op == "in")
    other = _coerce(document, guard.field, guard.value)
    if value is None:
        return False
    return {
        "==": value == other,
        "!=": value != other,
        "<": value < other,
        "<=": value <= other,
        ">": value > other,
        ">=": value >= other,
    }[guard.op]


def check_transition(
    session: Session,
    workflow: Workflow,
    document: Document,
    action: str,
    user: User | None,
    company: Company,
    system: bool = False,
) -> Step:
    """The step for ``action``, or ``TransitionRefused`` saying why it cannot be taken."""
    from core.auth import has_role

    step = workflow.steps.get(action)
    if step is None:
        raise TransitionRefused(f"{workflow.document_type} has no action {action!r}")
    if step.approval and not system:
        verb = "approve" if step.approval == "complete" else "reject"
        raise TransitionRefused(
            f"{action!r} happens through the approval chain: record decisions with "
            f"core.workflow.decide (to {verb}); `yaprak approvals pending` lists what waits"
        )
    if document.state not in step.sources:
        raise TransitionRefused(f"{action!r} is not allowed from state {document.state!r}")
    if not system:
        if user is None:
            raise TransitionRefused("a user is needed for this action")
        if step.role and not has_role(session, _kernel(), user, company, step.role):
            raise TransitionRefused(f"{action!r} needs the role {step.role}")
    for guard in step.guards:
        if not guard_holds(document, guard):
            raise TransitionRefused(
                guard.message or f"{action!r} needs {guard.field} {guard.op} {guard.value}"
            )
    return step


# ----------------------------------------------------------------------------- approvals
def requester_id(document: Document) -> int | None:
    return getattr(document, "requester_id", None) or document.created_by_id


def _round(session: Session, document: Document) -> int:
    """The current approval round: a reset voids a round's decisions and starts the next."""
    rows = session.execute(
        select(Approval.round, Approval.void).where(
            Approval.document_type == document.__document_type__,
            Approval.document_id == document.id,
        )
    ).all()
    if not rows:
        return 1
    last = max(r for r, _ in rows)
    if all(void for r, void in rows if r == last):
        return last + 1
    return last


def decisions(session: Session, document: Document) -> list[Approval]:
    """The current round's decisions (voided ones excluded), in chain order."""
    return list(
        session.scalars(
            select(Approval)
            .where(
                Approval.document_type == document.__document_type__,
                Approval.document_id == document.id,
                Approval.void.is_(False),
                Approval.round == _round(session, document),
            )
            .order_by(Approval.step)
        )
    )


def approval_amount(session: Session, workflow: Workflow, document: Document) -> Decimal:
    """The amount that picks the band: the document's, plus (accumulation rule) the same
    requester's other documents of the type within ``accumulate_days``."""
    amount = getattr(document, workflow.amount_field)
    if not workflow.accumulate_days:
        return amount
    cls = type(document)
    since = document.date - timedelta(days=workflow.accumulate_days)
    requester = requester_id(document)
    column = getattr(cls, "requester_id", None) or cls.created_by_id
    skip = ("draft", "rejected", "cancelled", workflow.initial)
    others = session.scalars(
        select(getattr(cls, workflow.amount_field)).where(
            column == requester,
            cls.id != document.id,
            cls.date >= since,
            cls.date <= document.date,
            cls.state.not_in(skip),
        )
    ).all()
    return amount + sum(others, Decimal("0.00"))


def required_chain(session: Session, workflow: Workflow, document: Document) -> tuple[str, ...]:
    return workflow.chain_for(approval_amount(session, workflow, document))


def next_role(session: Session, workflow: Workflow, document: Document) -> str | None:
    """The role whose approval the document waits for (None: nothing is pending)."""
    step = workflow.approval_step
    if step is None or document.state not in step.sources:
        return None
    chain = required_chain(session, workflow, document)
    done = [d for d in decisions(session, document) if d.decision == "approved"]
    return chain[len(done)] if len(done) < len(chain) else None


def _acting_for(session: Session, user: User, company: Company, role: str, on: date) -> User | None:
    """``user`` if they have ``role``; else a user with it who delegated to ``user`` today."""
    from core.auth import has_role
    from core.models import User as UserModel

    kernel = _kernel()
    if has_role(session, kernel, user, company, role):
        return user
    delegations = session.scalars(
        select(Delegation).where(
            Delegation.to_user_id == user.id, Delegation.start <= on, Delegation.end >= on
        )
    )
    for delegation in delegations:
        delegator = session.get(UserModel, delegation.from_user_id)
        if delegator is not None and has_role(session, kernel, delegator, company, role):
            return delegator
    return None


def maybe_complete(session: Session, document: Document, user: User | None = None) -> bool:
    """Take the ``approval: complete`` transition if the chain is complete (or empty)."""
    workflow = workflow_for(session, document)
    step = workflow.approval_step
    if step is None or document.state not in step.sources:
        return False
    role = next_role(session, workflow, document)
    if role is not None:  # it waits for ``role`` now (it was submitted, or a step approved)
        notify_approvers(session, document, role)
        return False
    transition(session, document, step.name, user, "approval chain complete", system=True)
    return True


def approvers(session: Session, company: Company, role: str, on: date | None = None) -> list[User]:
    """The active members of ``company`` who may decide a step of ``role``: those holding it
    (directly or through a role that implies it), else, when nobody does, its
    administrators; plus whoever one of them delegated their approvals to for ``on``."""
    from core.auth import all_roles, expand
    from core.models import Membership
    from core.models import User as UserModel

    known = all_roles(_kernel())
    holders: list[User] = []
    admins: list[User] = []
    members = session.scalars(
        select(Membership).where(Membership.company_id == company.id).order_by(Membership.id)
    )
    for member in members:
        if not member.user.active:
            continue
        if role in expand(member.roles - {"admin"}, known):
            holders.append(member.user)
        elif "admin" in member.roles:
            admins.append(member.user)
    found = holders or admins
    day = on or date.today()
    delegations = session.scalars(
        select(Delegation).where(
            Delegation.from_user_id.in_([u.id for u in found]),
            Delegation.start <= day,
            Delegation.end >= day,
        )
    )
    for delegation in delegations:
        delegate = session.get(UserModel, delegation.to_user_id)
        if delegate is not None and delegate.active and delegate not in found:
            found.append(delegate)
    return found


def notify_approvers(session: Session, document: Document, role: str) -> None:
    """Tell the users who may decide the pending step (``approvers``) that ``document``
    waits for them: one e-mail each, in their language, through the outbox in this
    transaction. The requester is never told to approve their own document."""
    from core.companies import cached_company
    from core.mail import queue_mail
    from core.models import User as UserModel

    company = cached_company(session, document.company_id)
    requester_user_id = requester_id(document)
    requester = session.get(UserModel, requester_user_id) if requester_user_id else None
    amount = getattr(document, workflow_for(session, document).amount_field, None)
    for user in approvers(session, company, role):
        if user.id == requester_user_id:
            continue
        queue_mail(
            session,
            to=[user.email],
            template="core/mail/approval_waiting",
            context={
                "document": document,
                "role": role,
                "amount": amount,
                "requester": requester,
                "company": company,
                "user": user,
            },
            language=user.language,
        )


def decide(
    session: Session,
    document: Document,
    user: User,
    decision: str,
    comment: str = "",
    on: date | None = None,
) -> Approval:
    """Record ``user``'s decision ("approved" or "rejected") on the pending step."""
    from core.models import Company

    if decision not in ("approved", "rejected"):
        raise KernelError(f"unknown decision {decision!r}")
    company = session.get(Company, document.company_id)
    workflow = workflow_for(session, document)
    role = next_role(session, workflow, document)
    if role is None:
        raise TransitionRefused(f"{document.display_name} is not waiting for an approval")
    acting = _acting_for(session, user, company, role, on or date.today())
    if acting is None:
        raise TransitionRefused(f"approving this step needs the role {role}")
    requester = requester_id(document)
    if requester is not None and requester in (user.id, acting.id):
        raise TransitionRefused("no self-approval: the requester cannot approve their own document")
    if decision == "rejected" and not comment.strip():
        raise TransitionRefused("a rejection needs a reason")
    session.info[USER_KEY] = user.id
    try:
        return _record_decision(session, document, workflow, user, acting, role, decision, comment)
    except (IntegrityError, StaleDataError):
        raise TransitionRefused(
            f"{document.display_name} was decided by someone else at the same moment: reload it"
        ) from None


def _record_decision(
    session: Session,
    document: Document,
    workflow: Workflow,
    user: User,
    acting: User,
    role: str,
    decision: str,
    comment: str,
) -> Approval:
    with session.begin_nested():
        record = Approval(
            company_id=document.company_id,
            document_type=document.__document_type__,
            document_id=document.id,
            round=_round(session, document),
            step=len(decisions(session, document)),
            role=role,
            decision=decision,
            user_id=user.id,
            on_behalf_of_id=acting.id if acting.id != user.id else None,
            comment=comment,
        )
        session.add(record)
        document.updated_by_id = user.id  # bumps the version: concurrent deciders collide
        _audit_entry(
            session,
            document,
            user.id,
            "approve" if decision == "approved" else "reject",
            f"step {record.step + 1}: {role}",
            comment,
            on_behalf=acting.email if acting.id != user.id else "",
        )
        session.flush()
        if decision == "rejected":
            step = workflow.reject_step
            if step is None:
                raise KernelError(f"{workflow.document_type}: no transition with approval: reject")
            transition(session, document, step.name, user, comment, system=True)
            notify_rejection(session, document, user, comment)
        else:
            maybe_complete(session, document, user)
    return record


def notify_rejection(session: Session, document: Document, user: User, reason: str) -> None:
    """Tell the requester why (an e-mail through the outbox, in this transaction)."""
    from core.mail import queue_mail
    from core.models import User as UserModel

    requester = session.get(UserModel, requester_id(document)) if requester_id(document) else None
    if requester is None:
        return
    queue_mail(
        session,
        to=[requester.email],
        template="core/mail/approval_rejected",
        context={"document": document, "reason": reason, "approver": user, "user": requester},
        language=requester.language,
    )


def reset_approvals(session: Session, document: Document) -> bool:
    """Void the current decisions and send the document back for approval (if approved)."""
    workflow = workflow_for(session, document)
    step = workflow.approval_step
    if step is None:
        return False
    current = decisions(session, document)
    if not current and document.state != step.to:
        return False
    for decision in current:
        decision.void = True
    before = document.state
    if document.state == step.to:
        document.state = step.sources[0]
    _audit_entry(
        session,
        document,
        session.info.get(USER_KEY),
        "approval reset",
        "state",
        "amount or lines changed: approvals voided",
        old=before,
        new=document.state,
    )
    return True


def pending_approvals(
    session: Session, user: User, company: Company, on: date | None = None
) -> list[tuple[Document, str]]:
    """Documents waiting for a decision ``user`` may take (``(document, role)``); the amount
    that picked the band is ``approval_amount(session, workflow, document)``."""
    found = []
    enabled = company.enabled_addons
    for document_type, cls in sorted(document_classes().items()):
        if document_type.partition(".")[0] not in enabled:
            continue  # an add-on the company has not enabled (its tables may not exist)
        try:
            workflow = parse_workflow(workflow_definition(session, document_type))
        except KernelError:  # a document type without a workflow
            continue
        step = workflow.approval_step
        if step is None:
            continue
        for document in session.scalars(select(cls).where(cls.state.in_(step.sources))):
            role = next_role(session, workflow, document)
            if role is None or requester_id(document) == user.id:
                continue
            acting = _acting_for(session, user, company, role, on or date.today())
            if acting is not None and acting.id != requester_id(document):
                found.append((document, role))
    return found


def _reset_on_change(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: an amount or a line of a document in (or past) approval changed ->
    its approvals are voided and it goes back for approval."""
    changed: dict[int, Document] = {}
    for obj in [*session.new, *session.dirty, *session.deleted]:
        parent = getattr(type(obj), "__audit_document__", None)
        if parent:
            if obj in session.dirty and _only_bookkeeping(obj):
                continue
            document = getattr(obj, parent, None)
            if isinstance(document, Document) and document.id is not None:
                changed[id(document)] = document
        elif isinstance(obj, Document) and obj in session.dirty:
            from sqlalchemy import inspect

            state = inspect(obj)
            try:
                fields = workflow_of(session, obj.__document_type__).reset_fields
            except KernelError:
                continue
            if any(state.attrs[f].history.has_changes() for f in fields if f in state.attrs):
                changed[id(obj)] = obj
    for document in changed.values():
        try:
            workflow = workflow_of(session, document.__document_type__)
        except KernelError:
            continue
        step = workflow.approval_step
        if step is None or document.state not in (*step.sources, step.to):
            continue
        with session.no_autoflush:
            reset_approvals(session, document)


def _only_bookkeeping(line: Any) -> bool:
    """Whether a changed line changed only columns its model lists in
    ``__approval_ignore__`` (bookkeeping such as the quantity a later document took of it),
    which leave its document's approvals alone."""
    ignored = getattr(type(line), "__approval_ignore__", ())
    if not ignored:
        return False
    from sqlalchemy import inspect

    state = inspect(line)
    return all(attr.key in ignored for attr in state.attrs if attr.history.has_changes())


def install_workflow(session_class: type[Session]) -> None:
    from sqlalchemy import event

    event.listen(session_class, "before_flush", _reset_on_change)


def _audit_entry(
    session: Session,
    document: Document,
    user_id: int | None,
    action: str,
    field: str,
    comment: str,
    old: str | None = None,
    new: str | None = None,
    on_behalf: str = "",
) -> None:
    from core.documents import write_audit

    note = f"{comment} (for {on_behalf})" if on_behalf else comment
    write_audit(
        session,
        [
            {
                "company_id": document.company_id,
                "document_type": document.__document_type__,
                "document_id": document.id,
                "user_id": user_id,
                "action": action,
                "field": field,
                "old": old,
                "new": new,
                "comment": note,
            }
        ],
    )


def parse_band(text: str) -> dict:
    """``"10000:purchasing.approver,manager"`` -> a band; ``"-:manager"`` has no upper limit,
    ``"100:"`` needs no approval."""
    limit, _, roles = text.partition(":")
    limit = limit.strip()
    if "," in limit:
        raise KernelError(
            f"--band {text!r}: write the limit without a thousands separator and with a dot "
            "for decimals, e.g. 10000 or 10000.50"
        )
    if limit in ("-", "", "above"):
        up_to = None
    else:
        try:
            amount = Decimal(limit)
        except Exception:
            raise KernelError(f"--band {text!r}: the limit must be an amount or '-'") from None
        if amount.is_finite() and amount < 0:
            raise KernelError(f"--band {text!r}: the limit must not be negative")
        if not amount.is_finite() or amount.quantize(Decimal("0.01")) != amount:
            raise KernelError(
                f"--band {text!r}: the limit must be an amount with at most 2 decimals"
            )
        up_to = str(amount.quantize(Decimal("0.01")))
    return {"up_to": up_to, "chain": [r.strip() for r in roles.split(",") if r.strip()]}


def change_workflow(
    raw: dict,
    bands: list[str] | None = None,
    roles: list[str] | None = None,
    accumulate_days: int | None = None,
) -> dict:
    """A copy of ``raw`` with new approval bands, transition roles (``name=role``, ``name=``
    for anyone) or accumulation days."""
    new = copy.deepcopy(raw)
    if bands:
        approval = new.setdefault("approval", {})
        approval["bands"] = [parse_band(b) for b in bands]
    steps = {t["name"]: t for t in new["transitions"]}
    for item in roles or []:
        name, sep, role = item.partition("=")
        if not sep or name.strip() not in steps:
            known = ", ".join(sorted(steps))
            raise KernelError(f"--role {item!r}: use TRANSITION=ROLE with a transition of: {known}")
        steps[name.strip()]["role"] = role.strip() or None
    if accumulate_days is not None:
        if accumulate_days < 0:
            raise KernelError("--accumulate-days must not be negative")
        new.setdefault("approval", {"bands": [{"up_to": None, "chain": []}]})
        new["approval"]["accumulate_days"] = accumulate_days
    return new


def reset_workflow(session: Session, document_type: str) -> bool:
    """Drop the company's copy: the add-on's default applies again."""
    setting = session.scalar(
        select(WorkflowSetting).where(WorkflowSetting.document_type == document_type)
    )
    if setting is None:
        return False
    session.delete(setting)
    return True


def describe(workflow: Workflow) -> list[str]:
    """The workflow as lines of text (``yaprak workflow show``)."""
    lines = [
        f"{workflow.document_type}: states {', '.join(workflow.states)} (starts {workflow.initial})"
    ]
    for step in workflow.steps.values():
        who = step.role or ("approval chain" if step.approval else "anyone")
        extra = " [numbers it]" if step.number else ""
        guards = "".join(f" if {g.field} {g.op} {g.value}" for g in step.guards)
        lines.append(
            f"  {step.name:<10} {'/'.join(step.sources)} -> {step.to}  by {who}{guards}{extra}"
        )
    if workflow.bands:
        lines.append(
            f"  approval of {workflow.amount_field}"
            + (f", adding up {workflow.accumulate_days} days" if workflow.accumulate_days else "")
        )
        low = "0"
        for band in workflow.bands:
            chain = " then ".join(band.chain) or "no approval"
            limit = f"up to {band.up_to}" if band.up_to is not None else f"above {low}"
            lines.append(f"    {limit:<18} {chain}")
            low = str(band.up_to)
    return lines


def delegate(
    session: Session,
    from_user: User,
    to_user: User,
    start: Any,
    end: Any,
    today: date | None = None,
) -> Delegation:
    """``to_user`` may take ``from_user``'s approval steps from ``start`` to ``end``; both
    must be members of the session's company."""
    from core.auth import membership
    from core.companies import InvalidField
    from core.models import Company
    from core.tenancy import company_of

    try:
        first = start if isinstance(start, date) else date.fromisoformat(str(start))
    except ValueError:
        raise InvalidField("start", f"{start!r} is not a date (YYYY-MM-DD)") from None
    try:
        last = end if isinstance(end, date) else date.fromisoformat(str(end))
    except ValueError:
        raise InvalidField("end", f"{end!r} is not a date (YYYY-MM-DD)") from None
    if last < first:
        raise InvalidField("end", "the last day comes before the first")
    if last < (today or date.today()):
        raise InvalidField("end", "the period is over already")
    if from_user.id == to_user.id:
        raise InvalidField("to", "a user cannot delegate to themselves")
    company = session.get(Company, company_of(session))
    for field, user in (("from", from_user), ("to", to_user)):
        if membership(session, user, company) is None:
            raise InvalidField(field, f"{user.email} is not a member of {company.code}")
    row = Delegation(from_user_id=from_user.id, to_user_id=to_user.id, start=first, end=last)
    session.add(row)
    session.flush()
    return row


def end_delegation(session: Session, delegation_id: int) -> Delegation:
    row = session.get(Delegation, delegation_id)  # filtered to the company
    if row is None:
        raise KernelError(f"no delegation {delegation_id}")
    session.delete(row)
    return row


@dataclass(frozen=True)
class AvailableAction:
    """An action a user may take on a document now (a button on its page, a POST in the API)."""

    name: str
    label: str
    kind: str  # "transition", "approve" or "reject"
    needs_comment: bool = False


def available_actions(
    session: Session, document: Document, user: User | None, company: Company
) -> list[AvailableAction]:
    """The transitions ``user`` may take from the document's state (roles and guards
    checked), plus approve/reject when the pending approval step is the user's to decide."""
    if user is None:
        return []
    workflow = workflow_for(session, document)
    found: list[AvailableAction] = []
    for step in workflow.steps.values():
        if step.approval or document.state not in step.sources:
            continue
        if not document.__generic_actions__:  # its add-on's services take these steps
            continue
        try:
            check_transition(session, workflow, document, step.name, user, company)
        except TransitionRefused:
            continue
        found.append(AvailableAction(step.name, step.label or step.name, "transition"))
    role = next_role(session, workflow, document)
    if role is not None and _acting_for(session, user, company, role, date.today()) is not None:
        requester = requester_id(document)
        if requester is None or requester != user.id:
            found.append(AvailableAction("approve", "Approve", "approve"))
            found.append(AvailableAction("reject", "Reject", "reject", needs_comment=True))
    return found


def take_action(
    session: Session,
    document: Document,
    action: str,
    user: User,
    company: Company,
    comment: str = "",
) -> Document:
    """Take an action named by ``available_actions``: ``approve``/``reject`` record a decision
    on the pending approval step; any other name is a workflow transition."""
    step = workflow_for(session, document).steps.get(action)
    if action in ("approve", "reject") and (step is None or step.approval):
        decision = "approved" if action == "approve" else "rejected"
        decide(session, document, user, decision, comment)
        return document
    if not document.__generic_actions__:
        raise TransitionRefused(
            f"{document.__document_type__}: {action!r} is taken with the document's own "
            "actions (they do more than change its state)"
        )
    return transition(session, document, action, user, comment)
