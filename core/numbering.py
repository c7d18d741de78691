"""Gap-free, duplicate-free document numbers, assigned inside the document's transaction.

A number is taken with one ``UPDATE ... SET next_value = next_value + 1 ... RETURNING``
on the counter row of the sequence and period. The row stays locked until the transaction
ends (PostgreSQL row lock; SQLite's write lock), so concurrent takers queue; a rollback
gives the number back, a commit keeps it. Documents carry a unique constraint on their
number as a backstop.

Patterns are data a company edits, never evaluated: ``{seq}`` (with an optional width such
as ``{seq:05d}``), ``{year}``, ``{yy}``, ``{month}``. Example: ``SO-{year}-{seq:05d}``.
"""

from __future__ import annotations

import re
import string
from datetime import date

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.cache import SharedCache
from core.companies import InvalidField
from core.kernel.errors import KernelError
from core.models.sequence import Sequence, SequenceCounter
from core.tenancy import company_of

FIELDS = {"seq", "year", "yy", "month"}
RESETS = ("never", "yearly", "monthly")
_SEQ_SPEC = re.compile(r"^0?[1-9]d$|^d?$")


def check_pattern(pattern: str) -> str:
    """Validate a number pattern (raises ``InvalidField('pattern', ...)``)."""
    if not pattern or len(pattern) > 100:
        raise InvalidField("pattern", "1 to 100 characters")
    seen = set()
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise InvalidField("pattern", f"{pattern!r}: {exc}") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS or conversion:
            raise InvalidField(
                "pattern", f"{{{name}}} is not allowed (use {{seq}}, {{year}}, {{yy}}, {{month}})"
            )
        if name == "seq" and not _SEQ_SPEC.match(spec or ""):
            raise InvalidField("pattern", f"{{seq:{spec}}}: the width looks like {{seq:05d}}")
        if name != "seq" and spec:
            raise InvalidField("pattern", f"{{{name}}} takes no format")
        if name in seen:
            raise InvalidField("pattern", f"{{{name}}} appears twice")
        seen.add(name)
    if "seq" not in seen:
        raise InvalidField("pattern", "the pattern needs {seq}")
    return pattern


def check_reset(pattern: str, reset: str) -> None:
    """A counter that restarts must leave the period in the number, or numbers repeat."""
    names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name]
    if reset in ("yearly", "monthly") and not ({"year", "yy"} & set(names)):
        raise InvalidField(
            "pattern",
            f"a {reset} counter restarts: put {{year}} or {{yy}} in the pattern, "
            "or use --reset never",
        )
    if reset == "monthly" and "month" not in names:
        raise InvalidField("pattern", "a monthly counter restarts: put {month} in the pattern")


def _period(reset: str, on: date) -> str:
    return {"never": "", "yearly": f"{on.year}", "monthly": f"{on.year}-{on.month:02d}"}[reset]


def render(pattern: str, value: int, on: date) -> str:
    return pattern.format(
        seq=value, year=on.year, yy=f"{on.year % 100:02d}", month=f"{on.month:02d}"
    )


def set_sequence(session: Session, code: str, pattern: str, reset: str = "yearly") -> Sequence:
    """Set how the session's company numbers ``code`` (counters are kept)."""
    check_pattern(pattern)
    if reset not in RESETS:
        raise InvalidField("reset", f"{reset!r}: choose never, yearly or monthly")
    check_reset(pattern, reset)
    sequence = session.scalar(select(Sequence).where(Sequence.code == code))
    if sequence is None:
        sequence = Sequence(code=code, pattern=pattern, reset=reset)
        session.add(sequence)
    else:
        sequence.pattern, sequence.reset = pattern, reset
    session.flush()
    return sequence


_SEQ = Sequence.__table__
_COUNTER = SequenceCounter.__table__
# Built once: numbers are taken often, and a prepared statement skips SQLAlchemy's work of
# building and caching a new one each time.
_FIND = select(_SEQ.c.id, _SEQ.c.pattern, _SEQ.c.reset).where(
    _SEQ.c.company_id == bindparam("company_id"), _SEQ.c.code == bindparam("code")
)
_TAKE = (
    update(_COUNTER)
    .where(_COUNTER.c.sequence_id == bindparam("b_sid"), _COUNTER.c.period == bindparam("b_period"))
    .values(next_value=_COUNTER.c.next_value + 1)
    .returning(_COUNTER.c.next_value)
)
# (company, code) -> (id, pattern, reset): read by every numbered step, changed rarely
SEQUENCES = SharedCache("core.sequences", watches=[Sequence])
_START = insert(_COUNTER).values(
    company_id=bindparam("b_company_id"),
    sequence_id=bindparam("b_sid"),
    period=bindparam("b_period"),
    next_value=2,
)


def next_number(
    session: Session,
    code: str,
    on: date,
    default_pattern: str | None = None,
    default_reset: str = "yearly",
) -> str:
    """Take the next number of ``code`` for the session's company, in its transaction."""
    company_id = company_of(session)
    if company_id is None:
        raise KernelError("numbers are taken in a session acting for a company")
    connection = session.connection()

    def find() -> tuple[int, str, str] | None:
        row = connection.execute(_FIND, {"company_id": company_id, "code": code}).first()
        return None if row is None else (row[0], row[1], row[2])

    found = SEQUENCES.get(session, (company_id, code), find)
    if found is None:
        if default_pattern is None:
            raise KernelError(f"no number sequence {code!r}: set one with `yaprak sequence set`")
        try:
            with session.begin_nested():
                set_sequence(session, code, default_pattern, default_reset)
        except IntegrityError:  # made meanwhile by a concurrent transaction
            pass
        found = connection.execute(_FIND, {"company_id": company_id, "code": code}).first()
        assert found is not None
    sid, pattern, reset = found
    period = _period(reset, on)
    params = {"b_sid": sid, "b_period": period}
    value = connection.execute(_TAKE, params).scalar()
    if value is None:  # the first number of this period
        try:
            with session.begin_nested():
                session.connection().execute(_START, {**params, "b_company_id": company_id})
            value = 2
        except IntegrityError:  # another transaction made it first: take from it
            value = connection.execute(_TAKE, params).scalar()
    return render(pattern, value - 1, on)
