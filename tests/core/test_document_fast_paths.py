"""What keeps a document step cheap without changing what it does: the audit trail written
in one statement per transaction (savepoints respected), row locks not taken twice, the
tenant check answered from the session's own records, the company and number sequences
read from the per-worker caches."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from core.companies import cached_company
from core.documents import audit_trail, lock
from core.models import AuditEntry, Company
from core.numbering import next_number, set_sequence
from core.tenancy import TenantViolation, all_companies


@pytest.fixture
def world(make_company, yaprak_runtime):
    """ACME (docs enabled) with a draft request, and BETA with one line of its own."""
    from yk_docs.models import DocsRequest, DocsRequestLine

    acme = make_company("ACME", addons=["docs"]).id
    beta = make_company("BETA", addons=["docs"]).id
    ids = {}
    for company_id in (acme, beta):
        with yaprak_runtime.db.session_for(company_id, write=True) as s, s.begin():
            doc = DocsRequest(date=date.today())
            doc.lines.append(
                DocsRequestLine(
                    description="a", quantity=Decimal(1), unit_price=Decimal(5), tax_rate=0
                )
            )
            doc.recompute()
            s.add(doc)
            s.flush()
            ids[company_id] = doc.id
    return yaprak_runtime, acme, beta, ids


class Statements:
    """The SQL statements an engine runs while this is open."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _add(self, conn, cursor, statement, *args):
        self.seen.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._add)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._add)

    def count(self, start):
        return sum(1 for s in self.seen if s.startswith(start))


def _entries(runtime, doc_id):
    with runtime.db.Session() as s:
        return s.scalars(
            select(AuditEntry.field).where(AuditEntry.document_id == doc_id).order_by(AuditEntry.id)
        ).all()


def _doc(s, doc_id):
    from yk_docs.models import DocsRequest

    return s.get(DocsRequest, doc_id)


def test_audit_rows_of_a_transaction_are_written_together_at_commit(world):
    runtime, acme, _beta, ids = world
    doc_id = ids[acme]
    with (
        Statements(runtime.db.engine) as sql,
        runtime.db.session_for(acme, write=True) as s,
        s.begin(),
    ):
        doc = _doc(s, doc_id)
        doc.note = "one"
        s.flush()
        doc.note = "two"
        doc.lines[0].description = "b"
        s.flush()
        # not written yet: a plain query of the table does not see them
        assert s.scalar(select(func.count(AuditEntry.id))) == 1  # this document's "create"
        assert [e.field for e in audit_trail(s, doc)][-3:] == [
            "note",
            "note",
            f"line {doc.lines[0].id}: description",
        ]  # reading the trail writes them first
        doc.note = "three"
    assert sql.count("INSERT INTO core_audit") == 2  # the read, then the commit
    assert _entries(runtime, doc_id).count("note") == 3


def test_a_rolled_back_savepoint_drops_its_audit_rows_and_keeps_the_others(world):
    runtime, acme, _beta, ids = world
    doc_id = ids[acme]
    with runtime.db.session_for(acme, write=True) as s, s.begin():
        doc = _doc(s, doc_id)
        doc.note = "kept"
        s.flush()
        savepoint = s.begin_nested()
        doc.note = "dropped"
        s.flush()
        audit_trail(s, doc)  # written inside the savepoint, the row before it too
        savepoint.rollback()
        doc = _doc(s, doc_id)
        doc.note = "after"
    with runtime.db.Session() as s:
        rows = s.execute(
            select(AuditEntry.field, AuditEntry.new)
            .where(AuditEntry.document_id == doc_id, AuditEntry.action == "update")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(r) for r in rows] == [("note", "kept"), ("note", "after")]


def test_a_rolled_back_transaction_writes_no_audit_rows(world):
    runtime, acme, _beta, ids = world
    before = _entries(runtime, ids[acme])
    with runtime.db.session_for(acme, write=True) as s:
        s.begin()
        _doc(s, ids[acme]).note = "never"
        s.flush()
        s.rollback()
    assert _entries(runtime, ids[acme]) == before


def test_a_row_locked_or_inserted_in_this_transaction_is_not_read_again(world):
    runtime, acme, _beta, ids = world
    from yk_docs.models import DocsRequest

    with runtime.db.session_for(acme, write=True) as s, s.begin():
        doc = _doc(s, ids[acme])
        with Statements(runtime.db.engine) as sql:
            lock(s, doc)
            lock(s, doc)
        assert sql.count("SELECT docs_request.") == 1
        fresh = DocsRequest(date=date.today())
        s.add(fresh)
        s.flush()
        with Statements(runtime.db.engine) as sql:
            lock(s, fresh)  # inserted by this transaction: locked already
        assert sql.count("SELECT") == 0
    with runtime.db.session_for(acme, write=True) as s, s.begin():
        doc = _doc(s, ids[acme])
        with Statements(runtime.db.engine) as sql:
            savepoint = s.begin_nested()
            lock(s, doc)  # inside a savepoint: a rollback would release it
            savepoint.commit()
            lock(s, doc)
        assert sql.count("SELECT docs_request.") == 2


def test_the_tenant_check_still_refuses_another_companys_record_held_in_the_session(world):
    runtime, acme, beta, ids = world
    from yk_docs.models import DocsRequest, DocsRequestLine

    with runtime.db.session_for(acme, write=True) as s:
        theirs = s.scalars(
            all_companies(select(DocsRequestLine).where(DocsRequestLine.company_id == beta))
        ).one()
        mine = s.get(DocsRequest, ids[acme])
        s.expunge(theirs)  # held elsewhere, referenced by id only
        with pytest.raises(TenantViolation, match="another company"):
            line = mine.lines[0]
            line.request_id = theirs.request_id
            s.flush()
    with runtime.db.session_for(acme, write=True) as s:
        theirs = s.scalars(
            all_companies(select(DocsRequest).where(DocsRequest.company_id == beta))
        ).one()  # held in this session: answered without a query, still refused
        mine = s.get(DocsRequest, ids[acme])
        with pytest.raises(TenantViolation, match="another company"):
            mine.lines[0].request_id = theirs.id
            s.flush()


def test_the_cached_company_is_one_object_per_transaction_and_fresh_in_the_next(world):
    runtime, acme, _beta, _ids = world
    with runtime.db.session_for(acme, write=True) as s:
        first = cached_company(s, acme)
        with Statements(runtime.db.engine) as sql:
            assert cached_company(s, acme) is first
        assert sql.seen == []
        s.commit()
    with runtime.db.transaction() as s:
        s.get(Company, acme).name = "ACME Yeni Ad"
    with runtime.db.session_for(acme, write=True) as s:
        assert cached_company(s, acme).name == "ACME Yeni Ad"


def test_a_changed_number_pattern_reaches_the_next_number(world):
    runtime, acme, _beta, _ids = world
    today = date.today()
    with runtime.db.session_for(acme, write=True) as s, s.begin():
        set_sequence(s, "docs.request", "RQ-{year}-{seq:04d}")
    with runtime.db.session_for(acme, write=True) as s, s.begin():
        assert next_number(s, "docs.request", today) == f"RQ-{today.year}-0001"
    with runtime.db.session_for(acme, write=True) as s, s.begin():  # another worker's change
        set_sequence(s, "docs.request", "T{seq:03d}", "never")
    with runtime.db.session_for(acme, write=True) as s, s.begin():
        assert next_number(s, "docs.request", today) == "T001"
