"""Document numbers: patterns as data, gap-free and duplicate-free under concurrency."""

import multiprocessing
import random
import re
from datetime import date

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
)

from core.companies import InvalidField
from core.db import Database
from core.kernel.errors import KernelError
from core.numbering import check_pattern, next_number, set_sequence

metadata = MetaData()
numbered = Table(
    "core_test_numbered",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", Integer, nullable=False),
    Column("number", String(40), nullable=False),
    UniqueConstraint("company_id", "number"),  # the backstop every document has
)
DAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("SO-{year}", "the pattern needs {seq}"),
        ("SO-{seq}-{__class__}", "{__class__} is not allowed"),
        ("SO-{seq.real}", "{seq.real} is not allowed"),
        ("SO-{seq!r}", "{seq} is not allowed"),
        ("SO-{seq:>20}", "the width looks like {seq:05d}"),
        ("SO-{year:04d}-{seq}", "{year} takes no format"),
        ("SO-{seq", "expected '}' before end of string"),
    ],
)
def test_patterns_are_data_never_code(pattern, message):
    with pytest.raises(InvalidField, match=message):
        check_pattern(pattern)


def test_a_pattern_keeps_the_period_its_counter_restarts_on(make_company, yaprak_runtime):
    acme = make_company("ACME")
    with yaprak_runtime.db.transaction(acme) as s:
        for pattern, reset, message in (
            ("A-{seq:04d}", "monthly", "a monthly counter restarts: put {year} or {yy}"),
            ("A-{year}-{seq}", "monthly", "a monthly counter restarts: put {month}"),
            ("A-{seq}", "yearly", "a yearly counter restarts"),
            ("SO-{seq}-{seq}", "never", "{seq} appears twice"),
        ):
            with pytest.raises(InvalidField, match=re.escape(message)):
                set_sequence(s, "t.a", pattern, reset)
        set_sequence(s, "t.a", "A-{seq}", "never")  # never restarts: fine


def test_numbers_follow_the_pattern_and_reset_per_period(make_company, yaprak_runtime):
    acme = make_company("ACME")
    with yaprak_runtime.db.transaction(acme) as s:
        set_sequence(s, "sales.order", "SO-{year}-{seq:05d}", "yearly")
        assert next_number(s, "sales.order", date(2026, 12, 31)) == "SO-2026-00001"
        assert next_number(s, "sales.order", date(2026, 12, 31)) == "SO-2026-00002"
        assert next_number(s, "sales.order", date(2027, 1, 1)) == "SO-2027-00001"
        set_sequence(s, "sales.invoice", "F{yy}{month}/{seq}", "monthly")
        assert next_number(s, "sales.invoice", date(2026, 3, 5)) == "F2603/1"
        assert next_number(s, "sales.invoice", date(2026, 4, 5)) == "F2604/1"
        assert (
            next_number(s, "other", DAY, default_pattern="X{seq:03d}", default_reset="never")
            == "X001"
        )
        with pytest.raises(KernelError, match="no number sequence 'unknown'"):
            next_number(s, "unknown", DAY)
    other = make_company("OTHER")
    with yaprak_runtime.db.transaction(other) as s:  # each company has its own counters
        assert (
            next_number(s, "sales.order", DAY, default_pattern="SO-{year}-{seq:05d}")
            == "SO-2026-00001"
        )
    with yaprak_runtime.db.transaction(acme) as s:
        assert next_number(s, "sales.order", date(2026, 6, 1)) == "SO-2026-00003"


def test_a_rollback_gives_the_number_back(make_company, yaprak_runtime):
    acme = make_company("ACME")
    with yaprak_runtime.db.transaction(acme) as s:
        set_sequence(s, "doc", "D{seq}", "never")
    session = yaprak_runtime.db.session_for(acme, write=True)
    with session.begin():
        assert next_number(session, "doc", DAY) == "D1"
        session.rollback()
    with yaprak_runtime.db.transaction(acme) as s:
        assert next_number(s, "doc", DAY) == "D1"


def _take_numbers(url, company_id, count, seed):
    db = Database(url)
    rng = random.Random(seed)
    committed = rolled_back = 0
    while committed < count:
        session = db.session_for(company_id, write=True)
        with session:
            session.begin()
            number = next_number(
                session, "test.doc", DAY, default_pattern="T-{seq:05d}", default_reset="never"
            )
            session.execute(insert(numbered).values(company_id=company_id, number=number))
            if rng.random() < 0.3:
                session.rollback()
                rolled_back += 1
            else:
                session.commit()
                committed += 1
    db.dispose()
    return committed, rolled_back


@pytest.mark.slow
def test_eight_processes_take_2000_numbers_without_gaps_or_duplicates(
    make_company, yaprak_runtime, yaprak_database_url
):
    acme = make_company("ACME")
    metadata.create_all(yaprak_runtime.db.engine)
    processes, per_process = 8, 250
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        results = pool.starmap(
            _take_numbers,
            [(yaprak_database_url, acme.id, per_process, seed) for seed in range(processes)],
        )
    assert sum(c for c, _ in results) == 2000
    assert sum(r for _, r in results) > 100  # the rollbacks really happened
    with yaprak_runtime.db.Session() as s:
        numbers = s.scalars(select(numbered.c.number).order_by(numbered.c.number)).all()
    assert numbers == [f"T-{i:05d}" for i in range(1, 2001)]  # 0 gaps, 0 duplicates
    metadata.drop_all(yaprak_runtime.db.engine)
