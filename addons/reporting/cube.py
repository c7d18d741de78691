"""The sales cube: a star schema of a company's posted sales lines, written as Parquet.

``export_cube(connection, company, out_dir)`` writes ``fact_sales_line.parquet`` (one row
per line of a posted invoice or credit note), the dimension tables (``cube_dimensions``:
date, customer, customer group, product, category, salesperson, and those other add-ons
give through the ``reporting_cube_dimensions`` hook) and ``cube.json``, which describes
them. DuckDB, pandas or an OLAP tool read the folder as it is.

Measures are additive: ``quantity``, ``revenue``, ``cost`` and ``gross_profit`` are
negative on credit notes, so a plain ``SUM`` nets them. Money is ``decimal128(18, 2)``,
quantities ``decimal128(18, 3)``: exact, a ``SUM`` equals the ``Decimal`` sums of the
database. The amounts leave the database as scaled integers on both engines (SQLite stores
them so; PostgreSQL multiplies its ``NUMERIC`` in SQL) and become decimals without going
through Python ``Decimal`` or float (``decimal_array``). The fact is read in batches (a
server-side cursor on PostgreSQL) and written one row group per batch: memory stays
bounded whatever the number of lines.
"""

from __future__ import annotations

import array
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy import type_coerce as coerce

BATCH = 100_000
FACT = "fact_sales_line"
KEY_SOURCES = ("invoice_line", "invoice")
PLACES = {"money": 2, "quantity": 3}
EPOCH = date(1970, 1, 1)


class CubeError(Exception):
    """The cube cannot be written (pyarrow missing, a bad dimension): a one-line reason."""


def require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise CubeError(
            "the cube is written with pyarrow, which is not installed: pip install"
            " 'yaprak[olap]' (in a source checkout: pip install -e '.[olap]')"
        ) from None
    return pyarrow


@dataclass(frozen=True)
class Dimension:
    """A dimension another add-on adds to the cube (``reporting_cube_dimensions``).

    * ``name``: the fact table gets ``<name>_key``, the folder ``dim_<name>.parquet``.
    * ``keys(company_id)``: a SQLAlchemy ``Select`` of two columns, (id, key): the id of an
      invoice line (``by="invoice_line"``) or of an invoice (``by="invoice"``, every line of
      it gets the key), and an integer key. It is joined to the fact query in SQL, so it
      costs one query however many lines; a line it gives no key has a null key, a line it
      gives several keys gets the smallest (one key per line keeps the totals right).
    * ``columns``: the dimension table's columns after ``key``, as (name, kind), kind one
      of ``integer``, ``text``, ``date``, ``boolean``, ``money``, ``quantity``.
    * ``rows(connection, company_id)``: the table's rows, ``(key, *columns)``, e.g. the
      result of a select filtered to the company.
    """

    name: str
    keys: Callable[[int], Any]
    columns: Sequence[tuple[str, str]]
    rows: Callable[[Any, int], Iterable[Sequence[Any]]]
    by: str = "invoice_line"
    description: str = ""

    def __post_init__(self) -> None:
        if self.by not in KEY_SOURCES:
            raise ValueError(f"dimension {self.name!r}: by={self.by!r} is not one of {KEY_SOURCES}")
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"dimension {self.name!r}: a lower-case identifier is needed")


# ------------------------------------------------------------------ arrow helpers
def arrow_type(kind: str) -> Any:
    pa = require_pyarrow()
    return {
        "integer": pa.int64(),
        "text": pa.string(),
        "date": pa.date32(),
        "boolean": pa.bool_(),
        "money": pa.decimal128(18, 2),
        "quantity": pa.decimal128(18, 3),
    }[kind]


def decimal_array(scaled: Sequence[int], places: int) -> Any:
    """``decimal128(18, places)`` from integers that are the values times ``10**places``:
    the 128-bit little-endian words are built directly (low word, then the sign), exact."""
    pa = require_pyarrow()
    words = array.array("q", bytes(16 * len(scaled)))
    words[0::2] = array.array("q", scaled)
    words[1::2] = array.array("q", [v >> 63 for v in scaled])
    return pa.Array.from_buffers(
        pa.decimal128(18, places), len(scaled), [None, pa.py_buffer(words)]
    )


def arrow_column(values: Sequence[Any], kind: str) -> Any:
    """An arrow array of ``values`` of a column ``kind``; money and quantity columns come as
    scaled integers (never null)."""
    pa = require_pyarrow()
    if kind in PLACES:
        return decimal_array(values, PLACES[kind])
    return pa.array(values, type=arrow_type(kind))


def write_table(path: Path, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> int:
    """A small (dimension) table: ``rows`` read whole, written as one Parquet file."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    data = [tuple(r) for r in rows]
    values = list(zip(*data, strict=True)) if data else [() for _ in columns]
    arrays = [
        pa.array(list(v), type=arrow_type(k)) for v, (_, k) in zip(values, columns, strict=True)
    ]
    schema = pa.schema([(n, arrow_type(k)) for n, k in columns])
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)
    return len(data)


# ------------------------------------------------------------------ the fact table
#: the fact table's own columns: (name, kind, meaning)
FACT_COLUMNS: list[tuple[str, str, str]] = [
    ("line_id", "integer", "the invoice line's id"),
    ("invoice_id", "integer", "the invoice's (or credit note's) id"),
    ("invoice_number", "text", "its number"),
    ("kind", "text", "invoice | credit_note"),
    ("date_key", "integer", "the document date as yyyymmdd: dim_date.date_key"),
    ("customer_key", "integer", "dim_customer.key (the partner's id)"),
    ("customer_group_key", "integer", "dim_customer_group.key (null: no group)"),
    ("product_key", "integer", "dim_product.key (null: a line without product)"),
    ("category_key", "integer", "dim_category.key (null: no category)"),
    ("salesperson_key", "integer", "dim_salesperson.key (null: none)"),
    ("currency", "text", "the document's currency (ISO 4217)"),
    ("quantity", "quantity", "quantity, negative on credit notes"),
    ("revenue", "money", "net amount before tax, negative on credit notes"),
    ("cost", "money", "cost frozen at posting, negative on credit notes"),
    ("gross_profit", "money", "revenue - cost"),
    ("cost_basis", "text", "where the cost came from (standard, moving average, ...)"),
]


def _scaled(column: Any, places: int, dialect: str) -> Any:
    """A money/quantity column as an integer of ``10**-places`` units, in SQL."""
    if dialect == "sqlite":  # stored scaled already (core.types)
        return coerce(column, BigInteger())
    from sqlalchemy import Numeric

    return cast(coerce(column, Numeric()) * literal_column(str(10**places)), BigInteger())


def _day_number(column: Any, dialect: str) -> Any:
    """A date as its number of days since 1970-01-01 (arrow's ``date32``), in SQL: cheaper
    than formatting it (``to_char``) on either engine; ``date_key`` is made from it."""
    if dialect == "sqlite":
        return cast(func.julianday(column) - literal_column("2440587.5"), Integer)
    return column - cast(literal(EPOCH), Date)


def date_keys(days: Sequence[int]) -> Any:
    """yyyymmdd keys (int64) of day numbers, computed by arrow."""
    pa = require_pyarrow()
    import pyarrow.compute as pc

    day = pa.array(days, pa.int32()).cast(pa.date32())
    key = pc.add(pc.multiply(pc.year(day), 10000), pc.multiply(pc.month(day), 100))
    return pc.add(key, pc.day(day)).cast(pa.int64())


def fact_query(
    dialect: str,
    company_id: int,
    start: date | None,
    end: date | None,
    dimensions: Sequence[Dimension],
) -> Any:
    """The fact rows, in the order of ``FACT_COLUMNS`` then one key per dimension."""
    from addons.sales.models import SalesInvoice, SalesInvoiceLine
    from core.models import Partner, Product

    line, inv = SalesInvoiceLine.__table__, SalesInvoice.__table__
    partner, product = Partner.__table__, Product.__table__
    credit = inv.c.kind == "credit_note"

    def signed(column: Any, places: int) -> Any:
        value = _scaled(column, places, dialect)
        return case((credit, -value), else_=value)

    revenue, cost = signed(line.c.net, 2), signed(line.c.cost_amount, 2)
    columns = [
        line.c.id,
        line.c.invoice_id,
        inv.c.number,
        inv.c.kind,
        _day_number(inv.c.date, dialect),
        inv.c.partner_id,
        partner.c.group_id,
        line.c.product_id,
        product.c.category_id,
        inv.c.salesperson_id,
        inv.c.currency,
        signed(line.c.quantity, 3),
        revenue,
        cost,
        revenue - cost,
        line.c.cost_basis,
    ]
    source = (
        line.join(inv, and_(inv.c.id == line.c.invoice_id, inv.c.company_id == company_id))
        .outerjoin(partner, partner.c.id == inv.c.partner_id)
        .outerjoin(product, product.c.id == line.c.product_id)
    )
    for dim in dimensions:
        given = dim.keys(company_id).subquery()
        ident, key = list(given.c)[:2]
        one = select(ident.label("id"), func.min(key).label("key")).group_by(ident).subquery()
        target = line.c.id if dim.by == "invoice_line" else inv.c.id
        source = source.outerjoin(one, one.c.id == target)
        columns.append(coerce(one.c.key, BigInteger()))
    query = (
        select(*columns)
        .select_from(source)
        .where(line.c.company_id == company_id, inv.c.state == "posted")
    )
    if start is not None:
        query = query.where(inv.c.date >= start)
    if end is not None:
        query = query.where(inv.c.date <= end)
    return query  # in no particular order: a sort of every line would cost a fifth


def raw_batches(connection: Any, query: Any, batch: int) -> Iterator[list[tuple]]:
    """The rows of ``query`` as plain tuples, ``batch`` at a time, from the driver's own
    cursor (no SQLAlchemy row objects: a third of the time on a million rows); on
    PostgreSQL a named (server-side) cursor, so only one batch is ever in memory."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = connection.connection.dbapi_connection
    named = connection.dialect.name == "postgresql"
    cursor = dbapi.cursor(name="yaprak_cube") if named else dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def write_fact(
    connection: Any, query: Any, path: Path, kinds: Sequence[tuple[str, str]], batch: int = BATCH
) -> tuple[int, date | None, date | None]:
    """Stream ``query`` into ``path``: one row group per ``batch`` rows. Returns the row
    count and the first and last date (the query gives day numbers for ``date_key``)."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    schema = pa.schema([(n, arrow_type(k)) for n, k in kinds])
    date_at = [n for n, _ in kinds].index("date_key")
    count, low, high = 0, None, None
    repeated = [n for n, k in kinds if k == "text" and n != "invoice_number"]
    collecting = gc.isenabled()
    gc.disable()  # a batch is 100,000 fresh tuples: the collector would scan them in vain
    try:
        with pq.ParquetWriter(path, schema, use_dictionary=repeated) as writer:
            for rows in raw_batches(connection, query, batch):
                columns = list(zip(*rows, strict=True))
                del rows
                arrays = [
                    date_keys(v) if i == date_at else arrow_column(v, k)
                    for i, (v, (_, k)) in enumerate(zip(columns, kinds, strict=True))
                ]
                writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
                count += len(columns[0])
                dates = columns[date_at]
                low = min(dates) if low is None else min(low, min(dates))
                high = max(dates) if high is None else max(high, max(dates))
            if count == 0:  # an empty but valid file
                writer.write_table(schema.empty_table())
    finally:
        if collecting:
            gc.enable()
    if low is None:
        return count, None, None
    return count, EPOCH + timedelta(days=low), EPOCH + timedelta(days=high)


# ------------------------------------------------------------------ the whole cube
def export_cube(
    connection: Any,
    company: Any,
    out_dir: Path,
    dimensions: Sequence[Dimension] = (),
    start: date | None = None,
    end: date | None = None,
    batch: int = BATCH,
) -> dict[str, Any]:
    """Write the cube of ``company`` (its lines dated ``start``..``end``) into ``out_dir``;
    returns what ``cube.json`` says (tables, their columns and row counts)."""
    from . import cube_dimensions

    require_pyarrow()
    names = [d.name for d in dimensions]
    clash = {n for n in names if names.count(n) > 1} | (set(names) & cube_dimensions.BUILT_IN)
    if clash:
        raise CubeError(f"two cube dimensions are called {', '.join(sorted(clash))}")
    out_dir.mkdir(parents=True, exist_ok=True)
    dialect = connection.dialect.name
    kinds = [(n, k) for n, k, _ in FACT_COLUMNS] + [
        (f"{d.name}_key", "integer") for d in dimensions
    ]
    query = fact_query(dialect, company.id, start, end, dimensions)
    count, low, high = write_fact(connection, query, out_dir / f"{FACT}.parquet", kinds, batch)
    meaning = {n: m for n, _, m in FACT_COLUMNS}
    meaning.update({f"{d.name}_key": f"dim_{d.name}.key" for d in dimensions})
    tables: dict[str, Any] = {
        FACT: {
            "description": "one row per line of a posted invoice or credit note",
            "rows": count,
            "columns": [{"name": n, "type": k, "meaning": meaning[n]} for n, k in kinds],
        }
    }
    span = (start or low, end or high) if count or start else (None, None)
    tables.update(cube_dimensions.write_all(connection, company.id, out_dir, span, dimensions))
    described = {
        "company": company.code,
        "currency": company.currency,
        "period": {"from": _iso(start), "to": _iso(end)},
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "types": "integer: int64, text: string, date: date32, money: decimal128(18,2), "
        "quantity: decimal128(18,3)",
        "tables": tables,
    }
    (out_dir / "cube.json").write_text(json.dumps(described, indent=2, ensure_ascii=False))
    return described


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
