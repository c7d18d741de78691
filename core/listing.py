"""Lists of records: search, filters, sort, group-by and pagination from URL arguments.

One ``ListSpec`` describes a list (its columns, filters, search and default order); pages
(``core.web.lists``), exports and the JSON API read the same spec, so a filter works the
same everywhere. Everything a request may name is on an allow-list: an unknown sort, filter
or column name, or a value of the wrong kind, is a ``ListArgumentError`` carrying one
message per argument (HTTP 400), never SQL. Values only ever reach the database as bound
parameters.

URL arguments (shareable: the state of a list is its URL)::

    q=şeker                  search (Turkish-aware on SQLite and PostgreSQL)
    f.<filter>=<value>       a filter; repeat for several values (OR within one filter)
    f.<filter>.from / .to    a range filter (dates, numbers)
    sort=<column> / -<column>  order (then by id, so pages are stable)
    group=<column>           group rows with counts and sums
    cols=a,b,c               visible columns (and exported ones)
    after=<cursor> / before=<cursor> / page=<n>   keyset or numbered pages
    per_page=<n>             rows per page (1..500)

Pagination is keyset (``WHERE (sort, id) > (last sort, last id)``) when the sort column is
not nullable, so a page deep in a 100,000-row list costs what the first page costs;
nullable sort columns fall back to numbered pages.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.cache import SharedCache, unique_key
from core.tenancy import COMPANY_KEY
from core.text import search_key

MAX_PER_PAGE = 500
COUNT_LIMIT = 10_000  # rows counted for "1-50 of n"; beyond it "10,000+" (count=all for more)
INT_MAX = 2**31 - 1  # ids and integer columns (PostgreSQL INTEGER)
MAX_NUMBER = Decimal(10) ** 15  # number filters: larger values are refused (400)
DEFAULT_PER_PAGE = 50

# Turkish letters (and the circumflexed vowels) folded to ASCII in SQL, so that the same
# expression works on SQLite (whose lower() and LIKE fold ASCII only) and PostgreSQL.
_SQL_FOLD = [
    ("İ", "i"),
    ("I", "i"),
    ("ı", "i"),
    ("Ş", "s"),
    ("ş", "s"),
    ("Ğ", "g"),
    ("ğ", "g"),
    ("Ü", "u"),
    ("ü", "u"),
    ("Ö", "o"),
    ("ö", "o"),
    ("Ç", "c"),
    ("ç", "c"),
    ("Â", "a"),
    ("â", "a"),
    ("Î", "i"),
    ("î", "i"),
    ("Û", "u"),
    ("û", "u"),
]


def fold_sql(expr: Any) -> ColumnElement[str]:
    """SQL for ``core.text.search_key`` of a text column, the same on both engines."""
    folded = func.coalesce(expr, "")
    for letter, ascii_letter in _SQL_FOLD:
        folded = func.replace(folded, letter, ascii_letter)
    return func.lower(folded)


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards in ``text`` escaped (escape character ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ListArgumentError(ValueError):
    """Bad list arguments: ``errors`` maps each argument name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


KINDS = ("text", "money", "number", "date", "datetime", "bool", "state", "choice")


@dataclass(frozen=True)
class Column:
    """A column of a list. ``expr`` defaults to the model attribute named ``name``."""

    name: str
    label: Any  # a string or a lazy translation
    expr: Any = None
    kind: str = "text"  # one of KINDS: decides formatting, export cell type and alignment
    sortable: bool = True
    groupable: bool = False
    summable: bool = False  # summed in group-by rows and the totals line
    nullable: bool | None = None  # None: read from the column
    visible: bool = True  # shown unless the user picks columns
    value: Callable[[Any], Any] | None = None  # the value from a row object (default getattr)
    choices: Mapping[str, Any] | None = None  # labels of stored values (states, enums)
    currency: Callable[[Any], str] | None = None  # the currency of a money cell
    # What group-by rows and the totals line sum instead of the column, an SQL expression
    # on the model (e.g. an amount signed by the document's kind, so that credit notes
    # count negative); cells, sort and filters still show and use the column itself.
    sum_expr: Any = None

    def value_of(self, record: Any) -> Any:
        if self.value is not None:
            return self.value(record)
        return getattr(record, self.name, None)


_OPTIONS = SharedCache("core.list_options")  # callable choices that name what they read


@dataclass(frozen=True)
class Filter:
    """A filter a URL may set. ``kind``: choice, bool, text, date, number (ranges for the
    last two). ``choices`` is a mapping or a callable ``(session) -> mapping`` of value to
    label; a choice filter accepts only those values. ``watches``: the models a callable
    ``choices`` reads; its options are then kept per company and worker until one of them
    changes (``core.cache``), instead of being read on every page."""

    name: str
    label: Any
    expr: Any
    kind: str = "choice"
    choices: Mapping[str, Any] | Callable[[Session], Mapping[str, Any]] | None = None
    watches: Sequence[type] = ()

    def __post_init__(self) -> None:
        for model in self.watches:
            _OPTIONS.watch(model)
        object.__setattr__(self, "_cache_key", unique_key())  # never reused, unlike id()

    def options(self, session: Session) -> Mapping[str, Any]:
        if callable(self.choices):
            if self.watches:
                choices = self.choices
                from core.i18n import current_language

                # per company and language (labels may be translated) and filter
                key = (session.info.get(COMPANY_KEY), current_language(), self._cache_key)
                return _OPTIONS.get(session, key, lambda: dict(choices(session)))
            return self.choices(session)
        if self.kind == "bool" and self.choices is None:
            return {"1": "yes", "0": "no"}
        return self.choices or {}


@dataclass
class ListSpec:
    """What a list shows and what its URL may ask for."""

    key: str  # unique name, e.g. "core.partners" (saved views are keyed by it)
    model: type
    columns: list[Column]
    filters: list[Filter] = field(default_factory=list)
    search: Sequence[Any] = ()  # columns matched by ``q``; a ``search_key`` column is best
    default_sort: str = "id"  # a column name, "-" for descending
    base: Callable[[Session], Select] | None = None  # the query before filters (default all)
    load: Sequence[Any] = ()  # loader options for the rows shown, e.g. selectinload(M.group)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.key}: duplicate column names")
        for column in self.columns:
            if column.kind not in KINDS:
                raise ValueError(f"{self.key}.{column.name}: kind {column.kind!r} not in {KINDS}")

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)

    def expr(self, column: Column) -> Any:
        return column.expr if column.expr is not None else getattr(self.model, column.name)

    def with_sums(self, query: Select) -> tuple[Select, list[Any]]:
        """``query`` with the summed expressions that are not plain columns added (labelled
        ``_sum_<name>``), and, per summable column, the name to sum in its subquery."""
        keys = []
        for column in self.columns:
            if not column.summable:
                continue
            if column.sum_expr is None:
                keys.append(_column_key(self.expr(column)))
            else:
                key = f"_sum_{column.name}"
                query = query.add_columns(column.sum_expr.label(key))
                keys.append(key)
        return query, keys

    def nullable(self, column: Column) -> bool:
        if column.nullable is not None:
            return column.nullable
        expr = self.expr(column)
        return bool(
            getattr(expr, "nullable", getattr(getattr(expr, "expression", None), "nullable", True))
        )

    def base_query(self, session: Session) -> Select:
        """The query before filters, without ``load`` (counts and sums need no loading)."""
        return self.base(session) if self.base is not None else select(self.model)

    def with_load(self, query: Select) -> Select:
        """``query`` with the loader options of the rows shown."""
        return query.options(*self.load) if self.load else query


@dataclass
class ListRequest:
    """Parsed, checked list arguments."""

    q: str = ""
    filters: dict[str, list[Any]] = field(default_factory=dict)  # name -> values or (lo, hi)
    sort: str = "id"
    descending: bool = False
    group: str | None = None
    columns: list[str] = field(default_factory=list)
    after: tuple[Any, int, int | None] | None = None
    before: tuple[Any, int, int | None] | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    ids: list[int] | None = None  # a selection (exports, bulk actions)
    count_all: bool = False  # count every row (and sum) even past COUNT_LIMIT


def _decode_cursor(token: str) -> tuple[Any, int, int | None]:
    """(sort value, id, 1-based position of that row or None)."""
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    if not isinstance(data, list) or len(data) not in (2, 3) or not isinstance(data[1], int):
        raise ValueError("not a cursor")
    position = data[2] if len(data) == 3 and isinstance(data[2], int) and data[2] > 0 else None
    return data[0], data[1], position


def encode_cursor(value: Any, record_id: int, position: int | None = None) -> str:
    """A page cursor: the row's sort value and id, and its position (so a page far into a
    list knows its "row n of m" without counting the rows before it)."""
    if isinstance(value, Decimal):
        value = str(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    data = [value, record_id] if position is None else [value, record_id, position]
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_value(kind: str, raw: str) -> Any:
    if kind == "date":
        return date.fromisoformat(raw)
    if kind == "number":
        value = Decimal(raw)
        if not value.is_finite() or abs(value) >= MAX_NUMBER:  # no column holds more
            raise InvalidOperation
        return value
    return raw


def parse_args(spec: ListSpec, args: Mapping[str, Any], session: Session) -> ListRequest:
    """Check the URL arguments of a list against its spec; raises ``ListArgumentError``."""
    getlist = (
        args.getlist if hasattr(args, "getlist") else (lambda k: [args[k]] if k in args else [])
    )
    errors: dict[str, list[str]] = {}
    req = ListRequest()
    req.q = (args.get("q") or "").strip()[:200]

    sort = args.get("sort") or spec.default_sort
    req.descending = sort.startswith("-")
    req.sort = sort.lstrip("-")
    sort_column = spec.column(req.sort)
    if req.sort != "id" and (sort_column is None or not sort_column.sortable):
        errors["sort"] = [f"{req.sort!r} is not a sortable column"]

    group = args.get("group") or None
    if group is not None:
        column = spec.column(group)
        if column is None or not column.groupable:
            errors["group"] = [f"{group!r} is not a column to group by"]
        else:
            req.group = group

    cols = args.get("cols")
    if cols:
        names = [n for n in cols.split(",") if n]
        unknown = [n for n in names if spec.column(n) is None]
        if unknown:
            errors["cols"] = [f"unknown column(s): {', '.join(unknown)}"]
        req.columns = [n for n in names if n not in unknown]
    if not req.columns:
        req.columns = [c.name for c in spec.columns if c.visible]

    for key in args:
        if not key.startswith("f."):
            continue
        name, _, bound = key[2:].partition(".")
        flt = spec.filter(name)
        if flt is None:
            errors[key] = ["unknown filter"]
            continue
        values = [v for v in getlist(key) if v != ""]
        if not values:
            continue
        if flt.kind in ("date", "number"):
            if bound not in ("from", "to"):
                errors[key] = ["use f.<name>.from or f.<name>.to for a range"]
                continue
            try:
                parsed = _parse_value(flt.kind, values[0])
            except (ValueError, InvalidOperation):
                errors[key] = [f"{values[0]!r} is not a valid {flt.kind}"]
                continue
            low, high = (req.filters.get(name) or [None, None])[:2]
            req.filters[name] = [parsed, high] if bound == "from" else [low, parsed]
            continue
        if bound:
            errors[key] = ["this filter takes no range"]
            continue
        if flt.kind in ("choice", "bool"):
            allowed = flt.options(session)
            bad = [v for v in values if str(v) not in allowed and v != "none"]
            if bad:
                errors[key] = [f"{bad[0]!r} is not one of the allowed values"]
                continue
        req.filters[name] = [v[:200] for v in values]

    for name, default, low, high in (
        ("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        ("page", 1, 1, 10**6),
    ):
        raw = args.get(name)
        if raw in (None, ""):
            setattr(req, name, default)
            continue
        try:
            number = int(raw)
            if not low <= number <= high:
                raise ValueError
            setattr(req, name, number)
        except (TypeError, ValueError):
            errors[name] = [f"a whole number from {low} to {high}"]

    for name in ("after", "before"):
        raw = args.get(name)
        if raw:
            try:
                setattr(req, name, _decode_cursor(raw))
            except (ValueError, UnicodeDecodeError, json.JSONDecodeError):
                errors[name] = ["not a page cursor of this list"]

    for name in ("after", "before"):
        cursor = getattr(req, name)
        if cursor is not None and "sort" not in errors and not cursor_fits(spec, req.sort, cursor):
            errors[name] = ["not a page cursor of this list"]

    count = args.get("count")
    if count not in (None, "", "all"):
        errors["count"] = ["use count=all to count every row"]
    req.count_all = count == "all"

    raw_ids = getlist("ids")
    if raw_ids:
        try:
            req.ids = sorted({int(i) for raw in raw_ids for i in str(raw).split(",") if i})
        except ValueError:
            errors["ids"] = ["record ids are whole numbers"]
    if errors:
        raise ListArgumentError(errors)
    return req


def cursor_fits(spec: ListSpec, sort: str, cursor: tuple[Any, ...]) -> bool:
    """Does a decoded cursor hold a value of the sort column's kind and a sane id? (A cursor
    is user input: a forged one must be a 400, never reach the database as a bad value.)"""
    value, record_id = cursor[0], cursor[1]
    if isinstance(record_id, bool) or not -INT_MAX - 1 <= record_id <= INT_MAX:
        return False
    column = spec.column(sort)
    kind = column.kind if column is not None else "id"
    wanted: Any = {
        "id": int,
        "bool": bool,
        "money": str | int | float,
        "number": str | int | float,
    }.get(kind, str)  # text, state, choice, date, datetime: strings
    if value is None and column is not None and spec.nullable(column):
        return True
    if isinstance(value, bool) != (kind == "bool") or not isinstance(value, wanted):
        return False
    try:
        converted = _cursor_value(column, value)
    except (ValueError, TypeError, ArithmeticError):
        return False
    if isinstance(converted, Decimal) and (not converted.is_finite() or abs(converted) > 10**15):
        return False
    return not (isinstance(converted, int) and not -INT_MAX - 1 <= converted <= INT_MAX)


def filtered(spec: ListSpec, req: ListRequest, session: Session) -> Select:
    """The spec's base query with search, filters and selection applied (no order, no page)."""
    query = spec.base_query(session)
    if req.q and spec.search:
        words = search_key(req.q).split()
        for word in words:
            pattern = like_pattern(word)
            query = query.where(
                or_(*(_folded(col).like(pattern, escape="\\") for col in spec.search))
            )
    for name, values in req.filters.items():
        flt = spec.filter(name)
        assert flt is not None
        expr = flt.expr
        if flt.kind in ("date", "number"):
            low, high = _bounds_for(expr, values)
            if low is not None:
                query = query.where(expr >= low)
            if high is not None:
                query = query.where(expr <= high)
        elif flt.kind == "bool":
            wanted = [v == "1" for v in values]
            query = query.where(expr.in_(wanted))
        elif flt.kind == "text":
            query = query.where(
                and_(
                    *(fold_sql(expr).like(like_pattern(search_key(v)), escape="\\") for v in values)
                )
            )
        else:
            query = query.where(_choice_match(expr, values))
    if req.ids is not None:
        query = query.where(spec.model.id.in_(req.ids))
    return query


def _bounds_for(expr: Any, bounds: list[Any]) -> tuple[Any, Any]:
    """Range bounds on a fixed-places column (``core.types.ExactDecimal``) rounded outwards
    to its places: ``amount >= 1.234`` is ``amount >= 1.24`` for amounts of 2 places (the
    column refuses more places than it has)."""
    low, high = bounds
    places = getattr(getattr(expr, "type", None), "places", None)
    if isinstance(places, int):
        unit = Decimal(1).scaleb(-places)
        if isinstance(low, Decimal):
            low = low.quantize(unit, rounding=ROUND_CEILING)
        if isinstance(high, Decimal):
            high = high.quantize(unit, rounding=ROUND_FLOOR)
    return low, high


def _choice_match(expr: Any, values: list[str]) -> Any:
    """Choice values arrive as strings (``none``: no value); integer columns (ids) compare
    as integers."""
    python_type = None
    with contextlib.suppress(AttributeError, NotImplementedError):
        python_type = expr.type.python_type
    wanted = [v for v in values if v != "none"]
    if python_type is int:
        ints = [int(v) for v in wanted if v.lstrip("-").isdigit()]
        clause = expr.in_(ints) if ints else literal(False)
    else:
        clause = expr.in_(wanted) if wanted else literal(False)
    return or_(clause, expr.is_(None)) if "none" in values else clause


def _folded(column: Any) -> Any:
    """A ``search_key`` column is already folded; any other text column is folded in SQL."""
    key = getattr(column, "key", "")
    return column if key == "search_key" else fold_sql(column)


@dataclass
class Page:
    """One page of a list."""

    rows: list[Any]
    total: int
    first: int  # 1-based position of the first row (0 when empty)
    next_cursor: str | None = None
    prev_cursor: str | None = None
    page: int | None = None  # numbered pages only
    pages: int | None = None
    keyset: bool = True
    sums: dict[str, Decimal] = field(default_factory=dict)
    exact: bool = True  # False: more than ``total`` rows (the count stopped at COUNT_LIMIT)
    has_next: bool = False

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def count_and_sums(
    spec: ListSpec, req: ListRequest, session: Session, query: Select
) -> tuple[int, bool, dict[str, Decimal]]:
    """(count, exact?, sums). Counting stops after ``COUNT_LIMIT`` rows unless the request
    asks for the full count (``count=all``): a page of a 100,000-row list then costs what a
    page of a small one costs. The sums of summable columns come with an exact count only."""
    summable = [c for c in spec.columns if c.summable]
    plain = query.order_by(None)
    if not req.count_all:
        # Is there a row past the limit? Stepping to it costs less than counting up to it
        # (a count over a LIMIT subquery passes every row to the outer query: on SQLite
        # about twice the time), and a big list never needs the count below it.
        past = plain.with_only_columns(spec.model.id).offset(COUNT_LIMIT).limit(1)
        if session.scalar(past) is not None:
            return COUNT_LIMIT, False, {}
    if summable:
        with_sums, keys = spec.with_sums(plain)
        sub = with_sums.subquery()
    else:
        sub, keys = plain.with_only_columns(spec.model.id).subquery(), []
    aggregates = [func.count()] + [func.coalesce(func.sum(sub.c[key]), 0) for key in keys]
    counted = session.execute(select(*aggregates).select_from(sub)).one()
    sums = {c.name: _exact(spec, c.name, v) for c, v in zip(summable, counted[1:], strict=True)}
    return counted[0], True, sums


def fetch_page(spec: ListSpec, req: ListRequest, session: Session) -> Page:
    """The rows of one page, the total count and the sums of summable columns."""
    query = filtered(spec, req, session)
    pk = spec.model.id
    sort_column = spec.column(req.sort)
    sort_expr = spec.expr(sort_column) if sort_column is not None else pk
    keyset = sort_column is None or not spec.nullable(sort_column)

    counting, query = query, spec.with_load(query)
    summable = any(c.summable for c in spec.columns)

    def ordered(q: Select, reverse: bool) -> Select:
        desc = req.descending != reverse
        if sort_expr is pk:
            return q.order_by(pk.desc() if desc else pk.asc())
        return q.order_by(
            sort_expr.desc() if desc else sort_expr.asc(), pk.desc() if desc else pk.asc()
        )

    def beyond(cursor: tuple[Any, ...], forward: bool) -> Any:
        value, last_id = cursor[0], cursor[1]
        value = _cursor_value(sort_column, value)
        greater = req.descending != (not forward)
        if sort_expr is pk:
            return pk < last_id if greater else pk > last_id
        # a row-value comparison: both engines walk the (sort, id) index with it
        if greater:
            return tuple_(sort_expr, pk) < tuple_(value, last_id)
        return tuple_(sort_expr, pk) > tuple_(value, last_id)

    if not keyset:  # numbered pages; past the counted rows the page count is unknown (None)
        total, exact, sums = count_and_sums(spec, req, session, counting)
        pages = max(1, -(-total // req.per_page)) if exact else None
        number = min(req.page, pages) if pages is not None else req.page
        rows = list(
            session.scalars(
                ordered(query, False).offset((number - 1) * req.per_page).limit(req.per_page + 1)
            )
        )
        more = len(rows) > req.per_page
        rows = rows[: req.per_page]
        first = (number - 1) * req.per_page + 1 if rows else 0
        return Page(
            rows,
            total,
            first,
            page=number,
            pages=pages,
            keyset=False,
            sums=sums,
            exact=exact,
            has_next=more,
        )

    def key_of(row: Any) -> tuple[Any, int]:
        value = getattr(row, sort_column.name) if sort_column is not None else row.id
        return value, row.id

    if req.before is not None:
        rows = list(
            session.scalars(
                ordered(query.where(beyond(req.before, False)), True).limit(req.per_page + 1)
            )
        )
        has_prev = len(rows) > req.per_page
        rows = list(reversed(rows[: req.per_page]))
        has_next = True
    elif req.after is not None:
        rows = list(
            session.scalars(
                ordered(query.where(beyond(req.after, True)), False).limit(req.per_page + 1)
            )
        )
        has_next = len(rows) > req.per_page
        rows = rows[: req.per_page]
        has_prev = True
    else:
        rows = list(session.scalars(ordered(query, False).limit(req.per_page + 1)))
        has_next = len(rows) > req.per_page
        rows = rows[: req.per_page]
        has_prev = False
    if req.after is None and req.before is None and not has_next and not summable:
        total, exact, sums = len(rows), True, {}  # the whole list is on this page
    else:
        total, exact, sums = count_and_sums(spec, req, session, counting)
    first = 0
    if rows:
        known = None
        if req.after is not None and req.after[2] is not None:
            known = req.after[2] + 1
        elif req.before is not None and req.before[2] is not None:
            known = max(1, req.before[2] - len(rows))
        if not has_prev:
            first = 1
        elif known is not None:
            first = known
        else:  # a cursor without a position: count the rows before this page
            before_rows = session.scalar(
                select(func.count()).select_from(
                    counting.where(beyond(key_of(rows[0]), False)).order_by(None).subquery()
                )
            )
            first = (before_rows or 0) + 1
        has_prev = has_prev and first > 1
    last = first + len(rows) - 1
    return Page(
        rows,
        total,
        first,
        next_cursor=encode_cursor(*key_of(rows[-1]), last) if rows and has_next else None,
        prev_cursor=encode_cursor(*key_of(rows[0]), first) if rows and has_prev else None,
        sums=sums,
        exact=exact,
        has_next=has_next,
    )


def _cursor_value(column: Column | None, value: Any) -> Any:
    if column is None or value is None:
        return value
    if column.kind in ("money", "number"):
        return Decimal(str(value))
    if column.kind == "date":
        return date.fromisoformat(value)
    if column.kind == "datetime":
        return datetime.fromisoformat(value)
    return value


def _exact(spec: ListSpec, name: str, value: Any) -> Decimal:
    """Sums of money columns come back from SQLite as scaled integers: undo the scale."""
    column = spec.column(name)
    assert column is not None
    scale = getattr(getattr(spec.expr(column), "type", None), "scale", None)
    if scale and not isinstance(value, Decimal) and isinstance(value, int | Decimal):
        return Decimal(value).scaleb(-scale)
    return Decimal(str(value))


@dataclass
class Group:
    """A group-by row: the value, its label, the count and the sums."""

    value: Any
    label: Any
    count: int
    sums: dict[str, Decimal]


def fetch_groups(
    spec: ListSpec, req: ListRequest, session: Session, limit: int = 1000
) -> list[Group]:
    """Rows grouped by ``req.group`` with counts and sums of summable columns."""
    assert req.group is not None
    column = spec.column(req.group)
    assert column is not None
    expr = spec.expr(column)
    summable = [c for c in spec.columns if c.summable]
    query, keys = spec.with_sums(filtered(spec, req, session))
    sub = query.subquery()
    grouped = sub.c[_column_key(expr)]
    sums = [func.coalesce(func.sum(sub.c[key]), 0) for key in keys]
    rows = session.execute(
        select(grouped, func.count(), *sums).group_by(grouped).order_by(grouped).limit(limit)
    ).all()
    labels = group_labels(spec, column, session)
    result = []
    for row in rows:
        value = row[0]
        label = labels.get(str(value), value) if value is not None else None
        result.append(
            Group(
                value,
                label,
                row[1],
                {c.name: _exact(spec, c.name, v) for c, v in zip(summable, row[2:], strict=True)},
            )
        )
    return result


def group_labels(spec: ListSpec, column: Column, session: Session) -> dict[str, Any]:
    """How group-by rows name their values: the column's choices, else the options of the
    filter of the same name (ids of other records get their names), booleans yes/no."""
    if column.choices:
        return {str(k): v for k, v in column.choices.items()}
    flt = spec.filter(column.name)
    if flt is not None and flt.kind != "bool":
        return {str(k): v for k, v in flt.options(session).items()}
    if column.kind == "bool" or (flt is not None and flt.kind == "bool"):
        from core.i18n import lazy_gettext

        return {"True": lazy_gettext("yes"), "False": lazy_gettext("no")}
    return {}


def _column_key(expr: Any) -> str:
    key = getattr(expr, "key", None) or getattr(expr, "name", None)
    if not key:
        raise ValueError(f"cannot group or sum by {expr!r}: give the column a label")
    return key


def all_rows(
    spec: ListSpec, req: ListRequest, session: Session, chunk: int = 1000
) -> Iterable[Any]:
    """Every row matching the request, in its order, read in chunks (for exports)."""
    query = spec.with_load(filtered(spec, req, session))
    sort_column = spec.column(req.sort)
    sort_expr = spec.expr(sort_column) if sort_column is not None else spec.model.id
    pk = spec.model.id
    order = [sort_expr.desc() if req.descending else sort_expr.asc()]
    if sort_expr is not pk:
        order.append(pk.desc() if req.descending else pk.asc())
    result = session.scalars(query.order_by(*order).execution_options(yield_per=chunk))
    yield from result
