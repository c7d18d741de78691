"""The tenant isolation check, for every company-owned model there is (core's and every
loaded add-on's, a new one included without editing anything).

For each model it makes a row of company B (and the rows it links to) with a marker in its
text columns, then, acting for company A, tries to read it through the ORM, to change it, to
link an A row to B's rows, and to see it through every GET route of the web app and the API.
Every attempt must fail and the marker must never appear in a response.

Add-on authors can run it in their own suites: ``check_isolation(app, company_a, company_b)``.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, LargeBinary, String, Text, inspect, select, update

from core.db import Base, CompanyOwned
from core.tenancy import KERNEL_TABLES, TenantViolation, act_for
from core.types import ExactDecimal, UTCDateTime

_counter = itertools.count(1)


def company_tables() -> list[type]:
    """Every mapped class with a ``company_id`` column (kernel tables excepted)."""
    found = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if table.name in KERNEL_TABLES or "company_id" not in table.c:
            continue
        found.append(mapper.class_)
    return sorted(found, key=lambda c: c.__tablename__)


@dataclass
class Factory:
    """Makes rows of one company, with its markers, and the rows they link to."""

    session: Any
    company_id: int
    marker: str
    user_id: int
    made: dict[type, Any] = field(default_factory=dict)

    def row(self, cls: type) -> Any:
        if cls in self.made:
            return self.made[cls]
        values: dict[str, Any] = {}
        mapper = inspect(cls)
        for column in mapper.local_table.columns:
            if column._insert_sentinel:  # a PricedLine's ``_sentinel``: never set, not mapped
                continue
            prop = mapper.get_property_by_column(column)
            if (
                column.primary_key
                and column.autoincrement is not False
                and not column.foreign_keys
                and isinstance(column.type.python_type, type)
                and column.type.python_type is int
            ):
                continue
            if column.name == "company_id":
                values[prop.key] = self.company_id
                continue
            if column.foreign_keys:
                target = next(iter(column.foreign_keys)).column.table
                if target.name == "core_company":
                    values[prop.key] = self.company_id
                elif target.name == "core_user":
                    values[prop.key] = self.user_id
                elif target is column.table:
                    values[prop.key] = None  # a parent of the same kind: none
                else:
                    parent_cls = _class_of(target.name)
                    parent = self.row(parent_cls)
                    values[prop.key] = getattr(parent, next(iter(column.foreign_keys)).column.key)
                continue
            values[prop.key] = self._value(column)
        obj = cls(**values)
        self.session.add(obj)
        self.session.flush()
        self.made[cls] = obj
        return obj

    def _value(self, column: Any) -> Any:
        kind = column.type
        n = next(_counter)
        if isinstance(kind, UTCDateTime):
            return datetime.now(UTC)
        if isinstance(kind, ExactDecimal):
            return Decimal(0)
        if isinstance(kind, Boolean):
            return False
        if isinstance(kind, Date):
            return date.today()
        if isinstance(kind, LargeBinary):
            return self.marker.encode()
        if isinstance(kind, String | Text):
            text = f"{self.marker}{n}"
            length = getattr(kind, "length", None)
            if length and len(text) > length:
                text = text[-length:] if length >= 4 else str(n % 10**length)
            return text
        python = kind.python_type
        if python is int:
            return n
        if python is datetime:
            return datetime.now(UTC)
        raise TypeError(f"{column.table.name}.{column.name}: no sample value for {kind!r}")


def _class_of(table_name: str) -> type:
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    raise LookupError(table_name)


def _pk_filter(cls: type, obj: Any) -> Any:
    mapper = inspect(cls)
    clauses = [
        col == getattr(obj, mapper.get_property_by_column(col).key) for col in mapper.primary_key
    ]
    from sqlalchemy import and_

    return and_(*clauses)


def check_isolation(app: Any, company_a: Any, company_b: Any) -> list[str]:
    """Run the check; returns the leaks found (an empty list means isolated)."""
    from core.testing.plugin import client_for

    runtime = app.extensions["yaprak"]
    db = runtime.db
    marker = f"LEAK{uuid.uuid4().hex[:10]}"
    leaks: list[str] = []
    with db.transaction() as kernel:  # a user for B's rows, B's rows of every model
        from core.auth import add_user, grant
        from core.models import Company

        owner = add_user(kernel, f"owner-{uuid.uuid4().hex[:6]}@b.test")
        grant(kernel, runtime.kernel, owner, kernel.get(Company, company_b.id), ["admin"])
        act_for(kernel, company_b.id)
        factory = Factory(kernel, company_b.id, marker, owner.id)
        existing = set(inspect(db.engine).get_table_names())  # installed add-ons' tables
        classes = [c for c in company_tables() if c.__tablename__ in existing]
        for cls in classes:
            if not issubclass(cls, CompanyOwned):
                leaks.append(
                    f"{cls.__name__}: has company_id but is not CompanyOwned (not filtered)"
                )
                continue
            factory.row(cls)
        theirs = {cls: obj for cls, obj in factory.made.items()}
    for cls, obj in theirs.items():
        name = cls.__name__
        with db.session_for(company_a) as session:
            if session.scalars(select(cls).where(_pk_filter(cls, obj))).first() is not None:
                leaks.append(f"{name}: read through a query")
            identity = inspect(obj).identity
            if session.get(cls, identity if len(identity) > 1 else identity[0]) is not None:
                leaks.append(f"{name}: read through session.get")
        with db.session_for(company_a, write=True) as session, session.begin():
            column = next(
                (
                    c
                    for c in inspect(cls).columns
                    if c.name not in ("company_id",)
                    and not c.primary_key
                    and not c.foreign_keys
                    and isinstance(c.type, String | Text)
                ),
                None,
            )
            if column is not None:
                length = getattr(column.type, "length", None) or 12
                result = session.execute(
                    update(cls)
                    .where(_pk_filter(cls, obj))
                    .values({column.key: "changed!"[:length]})
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount:
                    leaks.append(f"{name}: changed through an UPDATE")
            session.rollback()
        links = [
            c
            for c in inspect(cls).local_table.columns
            if c.foreign_keys
            and c.name != "company_id"
            and next(iter(c.foreign_keys)).column.table.name not in ("core_company", "core_user")
            and next(iter(c.foreign_keys)).column.table is not c.table
        ]
        for column in links:
            target = _class_of(next(iter(column.foreign_keys)).column.table.name)
            if not issubclass(target, CompanyOwned) or target not in theirs:
                continue
            session = db.session_for(company_a, write=True)
            with session:
                session.begin()
                mine = Factory(session, company_a.id, "A", factory.user_id).row(cls)
                key = inspect(cls).get_property_by_column(column).key
                setattr(
                    mine, key, getattr(theirs[target], next(iter(column.foreign_keys)).column.key)
                )
                try:
                    session.flush()
                    leaks.append(f"{name}.{key}: linked to another company's row")
                except TenantViolation:
                    pass
                session.rollback()
    leaks.extend(_check_routes(app, company_a, theirs, marker, client_for))
    return leaks


def _snapshot(app: Any, theirs: dict[type, Any]) -> dict[str, tuple]:
    """The column values of B's rows, read by the kernel (unfiltered)."""
    db = app.extensions["yaprak"].db
    values = {}
    with db.Session() as session:
        for cls, obj in theirs.items():
            row = session.execute(select(cls.__table__).where(_pk_filter(cls, obj))).first()
            values[cls.__name__] = tuple(row) if row is not None else ()
    return values


def _check_routes(
    app: Any, company_a: Any, theirs: dict[type, Any], marker: str, client_for: Any
) -> list[str]:
    """Every route with only integer arguments, called with B's ids: GET must not show B's
    marker; POST, PUT, PATCH and DELETE (sent as the API would, with a token, and as a
    form) must change none of B's rows."""
    from flask import url_for

    leaks = []
    client = client_for(app, company_a, ["admin"])
    csrf = client.csrf_token()
    ids = sorted({obj.id for obj in theirs.values() if isinstance(getattr(obj, "id", None), int)})
    before = _snapshot(app, theirs)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.login", "auth.logout", "auth.switch_company"):
            continue
        names = list(rule.arguments)
        converters = {n: type(rule._converters[n]).__name__ for n in names}
        if any(c != "IntegerConverter" for c in converters.values()):
            continue
        for args in [dict.fromkeys(names, i) for i in ids] if names else [{}]:
            with app.test_request_context():
                url = url_for(rule.endpoint, **args)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    if marker.encode() in client.get(url).get_data():
                        leaks.append(f"{rule.rule} with {args}: answered another company's data")
                    continue
                if not names:
                    continue  # no id in the URL: nothing of B's can be named
                client.open(url, method=method, json={})
                client.open(url, method=method, data={"csrf_token": csrf})
    after = _snapshot(app, theirs)
    for name, values in before.items():
        if after.get(name) != values:
            leaks.append(f"{name}: changed through a web or API request")
    return leaks
