"""Tenant isolation in the ORM: a session acting for a company sees and links only its rows.

A session's current company is ``session.info["yaprak_company_id"]`` (set by
``Database.session_for(company)``, the web request, the CLI's ``company_context`` and jobs).
When it is set:

* every ORM ``SELECT``, ``UPDATE`` and ``DELETE`` of a ``CompanyOwned`` model is filtered to
  that company (``do_orm_execute`` + ``with_loader_criteria``), including ``session.get``,
  relationship loads and joins;
* every flush sets ``company_id`` on new company-owned rows, refuses rows of another company,
  and refuses a link (a foreign key or a many-to-one relationship) from a company-owned row to
  another company's row, naming the field.

A session without a company (the kernel's own work, migrations) is not filtered. Raw SQL is
not filtered either: pass the company explicitly (``company_sql``).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.interfaces import MANYTOONE

from core.cache import install as install_caches
from core.db import Base, CompanyOwned
from core.kernel.errors import KernelError

COMPANY_KEY = "yaprak_company_id"

#: Kernel tables that name a company without belonging to it (a user's memberships and
#: tokens span companies; the kernel reads them to decide who acts for which company).
KERNEL_TABLES = frozenset({"core_company_addon", "core_membership", "core_api_token"})


class TenantViolation(KernelError):
    """A write that would cross companies. ``field`` is ``Model.attribute``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def company_of(session: Session) -> int | None:
    return session.info.get(COMPANY_KEY)


def act_for(session: Session, company: Any) -> None:
    """From now on ``session`` acts for ``company`` (a Company or its id)."""
    session.info[COMPANY_KEY] = company if isinstance(company, int) else company.id


@lru_cache(maxsize=4096)
def _company_criteria(company_id: int) -> Any:
    """The filter option of one company, built once (building it is a tenth of a simple
    query's cost; the option is immutable and its lambda names only ``company_id``)."""
    return with_loader_criteria(
        CompanyOwned,
        lambda cls: cls.company_id == company_id,
        include_aliases=True,
    )


def _filter(state: ORMExecuteState) -> None:
    company_id = state.session.info.get(COMPANY_KEY)
    if company_id is None or state.execution_options.get("yaprak_all_companies"):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(_company_criteria(company_id))


def _owned_tables() -> dict[str, type]:
    """Table name -> company-owned mapped class."""
    owned = {}
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, CompanyOwned):
            for table in mapper.tables:
                owned[table.name] = mapper.class_
    return owned


_PLANS: dict[Any, tuple[list[str], list[tuple[str, Any, Any]]]] = {}
# a model defined later (an add-on imported after the first flush) may own a referenced table
event.listen(Mapper, "after_configured", _PLANS.clear)


def _plan(mapper: Any) -> tuple[list[str], list[tuple[str, Any, Any]]]:
    """What the flush check reads of one mapper, worked out once: its many-to-one
    relationships to company-owned classes, and (attribute, referenced column, referenced
    mapper, when the key is its primary key) of each foreign key to a company-owned table."""
    plan = _PLANS.get(mapper)
    if plan is None:
        owned = _owned_tables()
        relations = [
            rel.key
            for rel in mapper.relationships
            if rel.direction is MANYTOONE and issubclass(rel.mapper.class_, CompanyOwned)
        ]
        keys = []
        for column in mapper.local_table.columns:
            if column.name == "company_id":
                continue
            for fk in column.foreign_keys:
                target = owned.get(fk.column.table.name)
                if target is not None:
                    prop = mapper.get_property_by_column(column)
                    target_mapper = inspect(target)
                    by_key = list(target_mapper.primary_key) == [fk.column]
                    keys.append((prop.key, fk.column, target_mapper if by_key else None))
        plan = _PLANS[mapper] = (relations, keys)
    return plan


def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    company_id = session.info.get(COMPANY_KEY)
    # referenced column -> (value, field) that the session does not hold already
    wanted: dict[Any, list[tuple[Any, str]]] = defaultdict(list)
    identity_map = session.identity_map
    for obj in [*session.new, *session.dirty]:
        if not isinstance(obj, CompanyOwned):
            continue
        state = inspect(obj)
        mapper = state.mapper
        name = mapper.class_.__name__
        if obj.company_id is None:
            if company_id is None:
                raise TenantViolation(f"{name}.company_id", "no company: the session acts for none")
            obj.company_id = company_id
        elif company_id is not None and obj.company_id != company_id:
            raise TenantViolation(f"{name}.company_id", "belongs to another company")
        elif not state.pending and state.attrs.company_id.history.deleted:
            raise TenantViolation(f"{name}.company_id", "a record cannot move to another company")
        mine = obj.company_id
        relations, keys = _plan(mapper)
        pending = state.pending
        changed = state.committed_state  # what was set since the last flush
        for key in relations:
            if not pending and key not in changed:
                continue
            target = state.attrs[key].loaded_value
            if target is None or not isinstance(target, CompanyOwned):
                continue
            if target.company_id is not None and target.company_id != mine:
                raise TenantViolation(f"{name}.{key}", "refers to a record of another company")
        for key, column, target_mapper in keys:
            if not pending and key not in changed:
                continue
            attr = state.attrs[key]
            if not pending and not attr.history.has_changes():
                continue
            value = attr.value
            if value is None:
                continue
            # a referenced record the session holds answers without a query
            held = (
                identity_map.get(target_mapper.identity_key_from_primary_key((value,)))
                if target_mapper is not None
                else None
            )
            if held is not None:
                held_company = inspect(held).dict.get("company_id")
                if held_company == mine:
                    continue
                if held_company is not None:
                    raise TenantViolation(f"{name}.{key}", "refers to a record of another company")
            wanted[(column, mine)].append((value, f"{name}.{key}"))
    if not wanted:
        return
    connection = session.connection()
    for (column, mine), items in wanted.items():
        table = column.table
        found = dict(
            connection.execute(
                select(column, table.c.company_id).where(column.in_({v for v, _ in items}))
            ).all()
        )
        for value, field in items:
            if value in found and found[value] != mine:
                raise TenantViolation(field, "refers to a record of another company")


def install(session_class: type[Session]) -> None:
    """Attach the filter and the flush check to a Session class."""
    event.listen(session_class, "do_orm_execute", _filter)
    event.listen(session_class, "before_flush", _check_flush)


class TenantSession(Session):
    """The session class of every ``Database``."""


install(TenantSession)
install_caches(TenantSession)  # versions of the per-process caches (core.cache)


_DOCUMENT_EVENTS: list[bool] = []


def install_document_events() -> None:
    """The audit trail and the approval reset, on every session (once per process)."""
    if _DOCUMENT_EVENTS:
        return
    from core.documents import install_audit
    from core.workflow import install_workflow

    install_audit(TenantSession)
    install_workflow(TenantSession)
    _DOCUMENT_EVENTS.append(True)


def all_companies(statement: Any) -> Any:
    """Mark an ORM statement to read every company's rows (kernel and admin work only)."""
    return statement.execution_options(yaprak_all_companies=True)


def company_sql(session: Session, sql: str, company_id: int, **params: Any) -> Any:
    """Run raw SQL that must name ``:company_id`` in its filter; refused otherwise."""
    from sqlalchemy import text

    if ":company_id" not in sql:
        raise KernelError("raw SQL over company data must filter on :company_id")
    return session.execute(text(sql), {"company_id": company_id, **params})
