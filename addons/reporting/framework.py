"""The report framework: what a report is, and how one runs.

A report (``Report``) is a definition an add-on returns from the ``reporting_reports``
hook: an id, a title, its parameters as a marshmallow schema, and ``run(ctx, params)``,
which returns typed columns and rows (``ReportData``; the rows may be a generator, so an
export streams them). Optionally a chart and a drill-down. The framework loads the
parameters (bad ones are a ``ParamsError`` with field messages: a 400), runs the report
for one company (``ReportContext.session`` acts for it) and adds the totals itself: the
sum of the ``total`` columns over every row the report returned, so a total is always the
sum of the rows behind it.

Everything that shows a report (the page, its API endpoint, the exports, the e-mailed
schedules) goes through ``load_params`` and ``run_report``; a report never renders itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError

#: what a column holds; it decides formatting, export cell types and alignment.
#: ``money`` is a ``Decimal`` with 2 places in ``ReportData.currency`` (or the row's
#: ``Column.currency_key``); ``price`` a unit price or unit cost, up to 4 places (same
#: currency rules; never totalled);
#: ``Column.currency_key``); ``quantity`` a ``Decimal``; ``percent`` a ``Decimal`` percent
#: (``12.5`` is 12.5 %); ``integer`` an ``int``; ``date`` a ``datetime.date``.
#: the largest id a table holds (PostgreSQL ``integer``): a larger one names nothing
MAX_ID = 2**31 - 1

KINDS = ("text", "money", "price", "quantity", "percent", "integer", "date")


@dataclass(frozen=True)
class Column:
    """A column of a report. ``total``: summed in the totals row (money, quantity and
    integer columns only). ``hidden``: carried for drill-down and links (an id), never shown
    or exported."""

    key: str
    label: Any  # a string or a lazy translation
    kind: str = "text"
    total: bool = False
    hidden: bool = False
    currency_key: str | None = None  # a column holding each row's currency (money columns)
    #: the totals row's value computed from the other totals (a ratio, which no sum gives:
    #: margin % = gross profit total / revenue total)
    total_of: Callable[[Mapping[str, Any]], Any] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: kind {self.kind!r} is not one of {KINDS}")
        if self.total and self.kind not in ("money", "quantity", "integer"):
            raise ValueError(f"column {self.key!r}: only amounts and counts have totals")
        if self.total and self.total_of is not None:
            raise ValueError(f"column {self.key!r}: a total is summed or derived, not both")


@dataclass(frozen=True)
class Chart:
    """A chart of the rows: ``category`` is the column along the axis, ``series`` the
    numeric columns drawn for each category (bars, or lines over time)."""

    kind: str  # "bar" | "line"
    category: str
    series: tuple[str, ...]


@dataclass(frozen=True)
class Drill:
    """Where a row leads: another run of a report (``report`` with ``params``, e.g. the same
    report one level down) or a page (``url``, e.g. an invoice)."""

    report: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None


@dataclass
class ReportData:
    """What a report's ``run`` returns. ``rows`` are sequences in the order of ``columns``;
    a generator is fine (it is consumed once). ``notes`` are shown above the table (e.g.
    "12 lines have no cost"). ``chart``: this run's chart when it differs from the
    report's (a line over periods, bars over customers); ``None``: ``Report.chart``."""

    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    currency: str | None = None
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None


@dataclass(frozen=True)
class ReportContext:
    """Who runs a report, for which company. ``session`` acts for ``company`` (its queries
    see only that company's rows); ``today`` is the company's today (period presets)."""

    session: Any
    company: Any
    user: Any
    today: date
    language: str = "tr"


@dataclass(frozen=True)
class Report:
    """A report definition. ``id`` starts with the name of the add-on that registers it
    (``"reporting.profitability"``, ``"materials.replenishment"``): the report exists for a
    company only while that add-on is enabled there.

    ``params`` is a marshmallow schema class; it loads the raw values of the form, the query
    string or a JSON body. ``check(ctx, params)`` returns field messages for what the schema
    cannot know: ids of the company's records (another company's id is "unknown", never
    used), cross-field rules. ``run(ctx, params)`` returns the data. ``drill(ctx, params,
    row)`` says where a row leads (``row`` maps column keys, hidden ones included, to
    values). ``roles``: any of these may run it (empty: every member of the company)."""

    id: str
    title: Any
    params: type[Schema]
    run: Callable[[ReportContext, dict[str, Any]], ReportData]
    description: Any = ""
    group: Any = ""  # the heading it is listed under
    roles: tuple[str, ...] = ()
    chart: Chart | None = None
    drill: Callable[[ReportContext, dict[str, Any], Mapping[str, Any]], Drill | None] | None = None
    check: Callable[[ReportContext, dict[str, Any]], dict[str, list[str]]] | None = None
    #: the options of id parameters on the form: ``{param: (session) -> [(id, label)]}``
    #: (the company's records, e.g. ``core.web.choices.customers``); others are typed in
    choices: Mapping[str, Callable[[Any], Sequence[tuple[Any, str]]]] = field(default_factory=dict)

    @property
    def addon(self) -> str:
        return self.id.split(".", 1)[0]


class ParamsError(ValueError):
    """Bad report parameters: ``errors`` maps each field to its messages (a 400)."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def _message_list(messages: Any) -> Any:
    """A field's messages as a list of strings (a lazy translation raised alone is not a
    ``str``, and marshmallow would keep it bare: a page would loop over its letters)."""
    if isinstance(messages, dict):
        return {k: _message_list(v) for k, v in messages.items()}
    if isinstance(messages, list | tuple):
        return [str(m) for m in messages]
    return [str(messages)]


class UnknownReport(LookupError):
    """No such report for this company (not registered, or its add-on not enabled): a 404."""


def reports_of(relay: Any) -> dict[str, Report]:
    """The reports the add-ons of ``relay`` (a company's hook relay) register, by id; none
    where the company has not enabled reporting. A report whose id does not start with the
    name of the add-on that registers it is refused (its enablement would be another's)."""
    if "reporting" not in relay.addons:
        return {}
    found: dict[str, Report] = {}
    for addon, batch in relay.by_addon("reporting_reports"):
        for report in batch or ():
            if report.addon != addon:
                raise ValueError(f"{addon} registers {report.id!r}: ids start with {addon}.")
            if report.id in found:
                raise ValueError(f"two reports have the id {report.id!r}")
            found[report.id] = report
    return found


def find_report(relay: Any, report_id: str) -> Report:
    """The report ``report_id`` of a company's relay, or ``UnknownReport``."""
    try:
        return reports_of(relay)[report_id]
    except KeyError:
        raise UnknownReport(report_id) from None


def unknown_ids(
    session: Any, params: Mapping[str, Any], models: Mapping[str, tuple[type, Any]]
) -> dict[str, list[str]]:
    """Field messages for the id parameters that name no record of the company: ``models``
    maps a parameter to ``(model, message)``. ``session`` acts for the company, so another
    company's id is as unknown as one that never existed (a report's ``check``)."""
    errors: dict[str, list[str]] = {}
    for name, (model, message) in models.items():
        value = params.get(name)
        if value is None:
            continue
        if not 0 < value <= MAX_ID or session.get(model, value) is None:
            errors[name] = [str(message)]  # an id no column can hold is unknown too
    return errors


def load_params(report: Report, ctx: ReportContext, raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` (form, query string or JSON) loaded by the report's schema and checked."""
    try:
        params = report.params().load(dict(raw))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ParamsError({k: _message_list(v) for k, v in messages.items()}) from None
    if report.check is not None:
        errors = report.check(ctx, params)
        if errors:
            raise ParamsError(errors)
    return params


class Result:
    """A run's columns and rows, with the totals added up while the rows are read.

    Iterate ``rows()`` once (it streams: an export of a million rows holds one at a time);
    ``totals`` is complete after that (sums, then the ``total_of`` columns from them).
    ``materialise(limit)`` reads everything and keeps the first ``limit`` rows (the page),
    counting the rest."""

    def __init__(self, report: Report, params: dict[str, Any], data: ReportData) -> None:
        self.report = report
        self.params = params
        self.data = data
        self.columns = list(data.columns)
        self.chart = data.chart or report.chart
        self.visible = [c for c in self.columns if not c.hidden]
        self._summed = [(i, c.key) for i, c in enumerate(self.columns) if c.total]
        self.totals: dict[str, Any] = {
            c.key: (0 if c.kind == "integer" else Decimal(0)) for c in self.columns if c.total
        }
        self.count = 0
        self._used = False

    def rows(self) -> Iterator[Sequence[Any]]:
        if self._used:
            raise RuntimeError("a report's rows are read once")
        self._used = True
        totals, summed = self.totals, self._summed
        for row in self.data.rows:
            for i, key in summed:
                value = row[i]
                if value is not None:
                    totals[key] += value
            self.count += 1
            yield row
        for column in self.columns:  # ratios of the sums, once every row is added
            if column.total_of is not None:
                totals[column.key] = column.total_of(totals)

    def materialise(self, limit: int | None = None) -> list[Sequence[Any]]:
        kept: list[Sequence[Any]] = []
        for row in self.rows():
            if limit is None or len(kept) < limit:
                kept.append(row)
        return kept

    def as_mapping(self, row: Sequence[Any]) -> dict[str, Any]:
        return {c.key: v for c, v in zip(self.columns, row, strict=True)}


def run_report(report: Report, ctx: ReportContext, params: dict[str, Any]) -> Result:
    """Run ``report`` with loaded ``params`` (``load_params``) for ``ctx``'s company."""
    data = report.run(ctx, params)
    for column in data.columns:  # a report's own typo is its bug, found here
        if column.currency_key and column.currency_key not in {c.key for c in data.columns}:
            raise ValueError(f"{report.id}: column {column.key!r}: no {column.currency_key!r}")
    return Result(report, params, data)
