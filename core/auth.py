"""Users, roles and API tokens: the one permission check used by web, API, CLI and workflow.

Roles are per company (a user may be an admin in one company and a plain user in another).
Core has ``admin`` (implies every role) and ``user``; add-ons contribute theirs through the
``roles`` hook, named ``<addon>.<role>`` (``purchasing.approver``), and a role may imply
others (``purchasing.manager`` implies ``purchasing.approver``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError
from marshmallow.validate import Email
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.companies import InvalidField
from core.kernel.errors import KernelError
from core.models import ApiToken, Company, Membership, MembershipRole, User

if TYPE_CHECKING:
    from core.kernel.registry import Kernel

TOKEN_PREFIX = "yk_"
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Role:
    """A role a company can give its users. ``implies``: roles it includes."""

    name: str
    label: str
    implies: tuple[str, ...] = ()
    addon: str = field(default="core", compare=False)


CORE_ROLES = (
    Role("admin", "Administrator: every role, company settings, users"),
    Role("user", "User: works with the documents of the enabled add-ons"),
    Role("manager", "Manager: approves above the approvers' limits", implies=("user",)),
)


class Forbidden(KernelError):
    """The user lacks the role an action needs."""


def all_roles(kernel: Kernel) -> dict[str, Role]:
    """Core's roles and every loaded add-on's (``roles`` hook), by name."""
    cached = getattr(kernel, "_yaprak_roles", None)
    if cached is not None:
        return cached
    roles = {r.name: r for r in CORE_ROLES}
    for addon, role in kernel.registrations("roles"):
        if not role.name.startswith(f"{addon}."):
            raise KernelError(f"{addon}: role {role.name!r} must be named '{addon}.<role>'")
        if role.name in roles:
            raise KernelError(f"{addon}: role {role.name!r} is defined twice")
        roles[role.name] = Role(role.name, role.label, tuple(role.implies), addon)
    for role in roles.values():
        for implied in role.implies:
            if implied not in roles:
                raise KernelError(
                    f"{role.addon}: role {role.name} implies unknown role {implied!r}"
                )
    kernel._yaprak_roles = roles  # type: ignore[attr-defined]
    return roles


def expand(roles: frozenset[str] | set[str], known: dict[str, Role]) -> frozenset[str]:
    """Roles plus everything they imply; ``admin`` implies every role."""
    if "admin" in roles:
        return frozenset(known)
    result: set[str] = set()
    todo = list(roles)
    while todo:
        name = todo.pop()
        if name in result or name not in known:
            continue
        result.add(name)
        todo.extend(known[name].implies)
    return frozenset(result)


# ------------------------------------------------------------------------- passwords
_password_parameters: Any = None  # None: argon2-cffi's defaults (RFC 9106 low-memory profile)


def cheap_password_hashing() -> None:
    """Hash new passwords with argon2's cheapest parameters (tests only: the default costs
    about 0.1 s of CPU per hash by design, and a suite makes hundreds of users). Checking a
    password reads the parameters from its hash, so both kinds verify everywhere."""
    global _password_parameters
    from argon2.profiles import CHEAPEST

    _password_parameters = CHEAPEST


def _hasher():
    from argon2 import PasswordHasher

    if _password_parameters is not None:
        return PasswordHasher.from_parameters(_password_parameters)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if not user.password_hash or not password:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidField("password", f"at least {MIN_PASSWORD} characters")


# ------------------------------------------------------------------------- users
def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        Email()(email)
    except ValidationError:
        raise InvalidField("email", f"{email!r} is not a valid e-mail address") from None
    return email


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise KernelError(f"unknown user {email!r}")
    return user


def add_user(
    session: Session,
    email: str,
    name: str = "",
    password: str | None = None,
    language: str = "tr",
) -> User:
    """A new user; ``password`` None makes a user who can only use API tokens."""
    email = normalize_email(email)
    if find_user(session, email) is not None:
        raise InvalidField("email", f"a user with e-mail {email!r} already exists")
    if language not in ("tr", "en"):
        raise InvalidField("language", f"{language!r}: choose tr or en")
    if password is not None:
        check_password(password)
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip()[:200],
        password_hash=hash_password(password) if password is not None else None,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password(password)
    user.password_hash = hash_password(password)


def membership(session: Session, user: User, company: Company) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.company_id == company.id)
    )


def grant(
    session: Session, kernel: Kernel, user: User, company: Company, roles: list[str]
) -> Membership:
    """Make ``user`` a member of ``company`` with ``roles`` (added to those it has)."""
    known = all_roles(kernel)
    for role in roles:
        if role not in known:
            raise InvalidField("role", f"unknown role {role!r} (known: {', '.join(sorted(known))})")
    member = membership(session, user, company)
    if member is None:
        member = Membership(user_id=user.id, company_id=company.id)
        session.add(member)
        session.flush()
    have = member.roles
    for role in roles:
        if role not in have:
            member.role_rows.append(MembershipRole(role=role))
    session.flush()
    return member


def revoke_roles(
    session: Session, user: User, company: Company, roles: list[str]
) -> frozenset[str]:
    """Take ``roles`` away from ``user`` in ``company``; the roles left."""
    member = membership(session, user, company)
    if member is None:
        raise KernelError(f"{user.email} is not a member of {company.code}")
    missing = [r for r in roles if r not in member.roles]
    if missing:
        raise InvalidField(
            "role", f"{user.email} does not have {', '.join(missing)} in {company.code}"
        )
    member.role_rows = [row for row in member.role_rows if row.role not in roles]
    session.flush()
    return member.roles


class LastAdministrator(KernelError):
    """The change would leave a company without an active administrator."""


def _admins_besides(session: Session, company: Company, user: User) -> int:
    members = session.scalars(
        select(Membership).where(Membership.company_id == company.id, Membership.user_id != user.id)
    )
    return sum(1 for m in members if "admin" in m.roles and m.user.active)


def set_roles(
    session: Session, kernel: Kernel, user: User, company: Company, roles: Iterable[str]
) -> frozenset[str]:
    """Replace ``user``'s roles in ``company`` by ``roles`` (of core and the company's enabled
    add-ons). Roles of add-ons the company has disabled are kept: enabling the add-on again
    gives them back. Refuses to take the last administrator's ``admin`` role."""
    member = membership(session, user, company)
    if member is None:
        raise KernelError(f"{user.email} is not a member of {company.code}")
    known = all_roles(kernel)
    offered = {
        n for n, r in known.items() if r.addon == "core" or r.addon in company.enabled_addons
    }
    wanted = set(roles)
    unknown = sorted(wanted - offered)
    if unknown:
        raise InvalidField("role", f"unknown role {unknown[0]!r}")
    if (
        "admin" in member.roles
        and "admin" not in wanted
        and not _admins_besides(session, company, user)
    ):
        raise LastAdministrator(f"{company.code} would have no administrator left")
    kept = [row for row in member.role_rows if row.role not in offered]
    member.role_rows = kept + [MembershipRole(role=r) for r in sorted(wanted)]
    session.flush()
    return member.roles


def remove_member(session: Session, user: User, company: Company) -> None:
    """Take ``user`` out of ``company`` (the account stays); never its last administrator."""
    member = membership(session, user, company)
    if member is None:
        raise KernelError(f"{user.email} is not a member of {company.code}")
    if "admin" in member.roles and not _admins_besides(session, company, user):
        raise LastAdministrator(f"{company.code} would have no administrator left")
    session.delete(member)
    session.flush()


def roles_of(
    session: Session, kernel: Kernel, user: User | None, company: Company | None
) -> frozenset[str]:
    """The roles ``user`` has in ``company``, implied ones included (empty if not a member)."""
    if user is None or company is None or not user.active:
        return frozenset()
    member = next((m for m in user.memberships if m.company_id == company.id), None)
    if member is None:
        return frozenset()
    return expand(member.roles, all_roles(kernel))


def has_role(
    session: Session, kernel: Kernel, user: User | None, company: Company | None, role: str
) -> bool:
    return role in roles_of(session, kernel, user, company)


def require_role(
    session: Session, kernel: Kernel, user: User | None, company: Company | None, role: str
) -> None:
    """The permission check: raises ``Forbidden`` naming the role that is missing."""
    if role not in all_roles(kernel):
        raise KernelError(f"unknown role {role!r}")
    if not has_role(session, kernel, user, company, role):
        who = user.email if user is not None else "anonymous"
        raise Forbidden(f"{who} does not have the role {role}")


# ------------------------------------------------------------------------- API tokens
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, user: User, company: Company, name: str = ""
) -> tuple[ApiToken, str]:
    """A new token for ``user`` acting in ``company``; the plain token is returned once."""
    if membership(session, user, company) is None:
        raise KernelError(f"{user.email} is not a member of {company.code}")
    secret = secrets.token_hex(32)  # 256 bits; hex: safe in shells, URLs and CLI arguments
    plain = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken(
        user_id=user.id,
        company_id=company.id,
        name=name[:100],
        prefix=secret[:8],
        token_hash=_digest(plain),
    )
    session.add(token)
    session.flush()
    return token, plain


def authenticate_token(session: Session, plain: str) -> tuple[User, Company] | None:
    """The user and company of a valid token (not revoked, user active and still a member)."""
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    company = session.get(Company, token.company_id)
    if company is None or membership(session, token.user, company) is None:
        return None
    token.last_used_at = datetime.now(UTC)
    return token.user, company


def revoke_token(session: Session, key: str) -> ApiToken:
    """Revoke a token given by its id, or by ``yk_`` and the prefix `yaprak token list` shows."""
    key = key.strip().rstrip("…")
    if key.startswith(TOKEN_PREFIX):
        query = select(ApiToken).where(ApiToken.prefix == key.removeprefix(TOKEN_PREFIX)[:8])
    elif key.isdigit():
        query = select(ApiToken).where(ApiToken.id == int(key))
    else:
        raise KernelError(f"give a token id or its prefix (yk_...), not {key!r}")
    tokens = session.scalars(query).all()
    if not tokens:
        raise KernelError(f"no API token {key!r}")
    if len(tokens) > 1:
        raise KernelError(f"{key!r} matches several tokens: give its id")
    if tokens[0].revoked_at is not None:
        raise KernelError(f"token {tokens[0].id} was revoked already")
    tokens[0].revoked_at = datetime.now(UTC)
    return tokens[0]
