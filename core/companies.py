"""Companies and the add-ons each has enabled."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, object_session

from core.cache import SharedCache, cached_instance
from core.kernel import lifecycle
from core.kernel.errors import KernelError, UnknownCompany
from core.models import Company, CompanyAddon
from core.schemas import HEADER_FIELDS
from core.tenancy import act_for

if TYPE_CHECKING:
    from core.kernel.relay import HookRelay
    from core.runtime import Runtime

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class InvalidField(KernelError):
    """Bad input for one field: ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Read by every request and every document step, changed rarely: kept per worker while
# no company or add-on row changed (core.cache).
COMPANIES = SharedCache("core.companies", watches=[Company, CompanyAddon])
_HELD_COMPANY = "yaprak_held_company"  # session.info: (transaction, company) given last


def cached_company(session: Session, company_id: int | None) -> Company | None:
    """The session's copy of company ``company_id`` with its add-on rows, from the per-worker
    cache: no query while no company or add-on row changed (a session that changed one reads
    it)."""
    if company_id is None:
        return None
    held = session.info.get(_HELD_COMPANY)
    transaction = session.get_transaction()
    if held is not None and held[0] is transaction and held[1].id == company_id:
        return held[1]  # asked for again in this transaction: the same object, no merge
    company = cached_instance(
        COMPANIES,
        session,
        company_id,
        lambda: session.get(Company, company_id, options=[joinedload(Company.addon_rows)]),
    )
    if company is not None and transaction is not None:
        session.info[_HELD_COMPANY] = (transaction, company)  # the identity map is weak
    return company


def _iso_currencies() -> set[str]:
    from babel.numbers import list_currencies

    return set(list_currencies())


def get_company(session: Session, code: str) -> Company:
    """The company with ``code`` (codes are upper case; any case finds it)."""
    company = session.scalar(select(Company).where(Company.code == (code or "").strip().upper()))
    if company is None:
        raise UnknownCompany(code)
    return company


def add_company(session: Session, code: str, name: str, currency: str = "TRY") -> Company:
    """Add a company; bad input raises ``InvalidField`` naming the field.

    Codes are stored upper case (``acme`` becomes ``ACME``), so two companies cannot differ
    by case only.
    """
    code = (code or "").strip()
    name = (name or "").strip()
    currency = (currency or "").strip().upper()
    if not CODE_RE.match(code):
        raise InvalidField(
            "code", f"{code!r} is not a valid company code (letters, digits, - and _, at most 32)"
        )
    code = code.upper()  # one company per code, whatever the case typed
    if not name:
        raise InvalidField("name", "a company needs a name")
    if len(name) > 200:
        raise InvalidField("name", "at most 200 characters")
    if not CURRENCY_RE.match(currency) or currency not in _iso_currencies():
        raise InvalidField("currency", f"{currency!r} is not an ISO 4217 code such as TRY")
    if session.scalar(select(Company.id).where(Company.code == code)) is not None:
        raise InvalidField("code", f"a company with code {code!r} already exists")
    company = Company(code=code, name=name, currency=currency)
    session.add(company)
    session.flush()
    return company


def enable_addons(runtime: Runtime, code: str, names: Iterable[str]) -> list[str]:
    """Enable ``names`` (and their dependencies) for company ``code``.

    Missing add-ons are installed first. Enabling rows and every ``on_enable`` hook run in
    one transaction. Returns the add-ons newly enabled, in dependency order.
    """
    names = list(names)
    lifecycle.require_loadable(runtime, names)
    with runtime.db.Session() as session:
        get_company(session, code)  # a missing company fails before anything is installed
    lifecycle.install(runtime, names)
    with runtime.activate(), runtime.db.transaction() as session:
        company = get_company(session, code)
        act_for(session, company)
        return enable_in_session(runtime, company, names)


def enable_in_session(runtime: Runtime, company: Company, names: Iterable[str]) -> list[str]:
    """Enable installed add-ons for ``company`` in the caller's transaction (runs on_enable)."""
    kernel = runtime.kernel
    newly = []
    rows = {row.addon: row for row in company.addon_rows}
    for name in kernel.closure(names):
        row = rows.get(name)
        if row is not None and row.enabled:
            continue
        if row is None:
            company.addon_rows.append(CompanyAddon(addon=name, enabled=True))
        else:
            row.enabled = True
        object_session(company).flush()  # type: ignore[union-attr]
        kernel.call_addon(name, "on_enable", company=company)
        newly.append(name)
    return newly


def disable_addons(runtime: Runtime, code: str, names: Iterable[str]) -> list[str]:
    """Disable ``names`` for company ``code``; refused while an enabled add-on needs them.

    Nothing is deleted: enabling again shows the same data. Returns the add-ons disabled
    now (one already disabled is left as it is, like enabling an enabled one).
    """
    names = list(dict.fromkeys(names))
    kernel = runtime.kernel
    for name in names:
        if name not in kernel.located:  # a broken add-on can still be disabled
            kernel.spec(name)
    with runtime.activate(), runtime.db.transaction() as session:
        company = get_company(session, code)
        act_for(session, company)
        enabled = company.enabled_addons
        names = [n for n in names if n in enabled]
        for name in names:
            needing = sorted((kernel.dependents(name) & enabled) - set(names))
            if needing:
                raise KernelError(
                    f"cannot disable {name} for {code}: {', '.join(needing)} "
                    f"{'depends' if len(needing) == 1 else 'depend'} on it (disable "
                    f"{'it' if len(needing) == 1 else 'them'} first)"
                )
        ordered = sorted(names, key=lambda n: kernel.depth.get(n, 0), reverse=True)
        rows = {row.addon: row for row in company.addon_rows}
        for name in ordered:
            rows[name].enabled = False
            session.flush()
            if name in kernel.loaded:
                kernel.call_addon(name, "on_disable", company=company)
    return ordered


def valid_company_tax_id(value: str) -> bool:
    """A company's tax number: a VKN (10 digits with its check digit) or, for a sole
    proprietorship, the owner's TCKN (11 digits with its check digits) - the checks
    partners use (``core.partners``)."""
    from core.partners import valid_national_id, valid_tax_id

    value = (value or "").strip()
    return valid_tax_id(value) if len(value) == 10 else valid_national_id(value)


def apply_company(company: Company, data: dict) -> None:
    """Apply loaded ``data`` (``CompanySchema``, partial) to ``company``: its name and its
    header (``HEADER_FIELDS``; None or empty clears one). Header texts are stored stripped,
    the address with ``\n`` line ends."""
    if "name" in data:
        company.name = data["name"]
    for name in HEADER_FIELDS:
        if name in data:
            value = (data[name] or "").replace("\r\n", "\n").strip()
            setattr(company, name, value)


def update_header(company: Company, values: dict[str, str | None]) -> None:
    """Check ``values`` (some of ``HEADER_FIELDS``) as the company form does and apply
    them; the first bad one raises ``InvalidField`` naming it (for the CLI)."""
    from marshmallow import ValidationError

    from core.schemas import CompanySchema

    try:
        data = CompanySchema(partial=True).load(values)
    except ValidationError as exc:
        field, messages = next(iter(exc.normalized_messages().items()))
        raise InvalidField(field, "; ".join(map(str, messages))) from None
    apply_company(company, data)
    session = object_session(company)
    if session is not None:
        session.flush()


def save_company(company: Company, data: dict, hooks: HookRelay) -> None:
    """Apply loaded ``data`` (from the extended company schema) to ``company``.

    Add-ons write their own fields in ``document_saved``, in the caller's transaction; the
    caller commits, or rolls back when anything raised.
    """
    apply_company(company, data)
    hooks.document_saved(document=company, data=data)


LOGO_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
MAX_LOGO = 512 * 1024


def logo_type(data: bytes) -> str:
    """The content type of a logo (PNG, JPEG or SVG), from its bytes; ``InvalidField`` else."""
    if len(data) > MAX_LOGO:
        raise InvalidField("logo", f"at most {MAX_LOGO // 1024} KB")
    for kind, magic in LOGO_TYPES.items():
        if data.startswith(magic):
            return kind
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    raise InvalidField("logo", "a PNG, JPEG or SVG image is needed")


def set_letterhead(
    company: Company,
    address: str | None = None,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> None:
    """Change what documents print in the company's header: its address and logo.

    The logo is stored in the database (several machines serve the same files) and reaches
    PDFs as a ``data:`` URL, so the PDF fetcher never reads it from disk or the network.
    """
    if address is not None:
        address = address.replace("\r\n", "\n").strip()
        if len(address) > 1000:
            raise InvalidField("address", "at most 1000 characters")
        company.address = address
    if remove_logo:
        company.logo, company.logo_type = None, None
    elif logo is not None:
        company.logo_type = logo_type(logo)
        company.logo = logo
    session = object_session(company)
    if session is not None:
        session.flush()
