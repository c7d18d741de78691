"""Small value types add-ons return from UI hooks (menus, cards, actions, form sections,
the partner page's timeline and figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    """An entry of the navigation. ``url`` is a path such as ``/sales/orders``.

    ``roles``: shown only to users holding one of them in the company (core checks, with
    the roles they imply); empty: to everyone who sees the company."""

    label: str
    url: str
    sequence: int = 100  # lower comes first; ties are broken by label
    group: str = ""  # a heading to group entries under, e.g. "Sales"
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class DashboardCard:
    """A card on the home dashboard: a title and a little pre-escaped HTML."""

    title: str
    html: str  # rendered by the add-on (use render_template); inserted as is
    sequence: int = 100
    url: str = ""


@dataclass(frozen=True)
class DocumentAction:
    """A button on a document: POSTs to ``url`` (with the CSRF token); ``method="get"``
    makes it a link to a page that asks for more first (``core.web.picking.LinePicker``:
    the quantities to invoice, the invoices a payment pays)."""

    name: str
    label: str
    url: str
    sequence: int = 100
    style: str = "secondary"  # primary, secondary, danger
    method: str = "post"  # post | get


@dataclass(frozen=True)
class FormSection:
    """A section another add-on adds to a document's page (already rendered HTML)."""

    title: str
    html: str
    sequence: int = 100


@dataclass(frozen=True)
class Activity:
    """Something that happened with a partner, for the partner page's timeline: a quote
    sent, an invoice posted, a request opened, a campaign mail. ``when`` orders the
    timeline (a ``date`` counts as its midnight); ``amount`` is shown in ``currency``."""

    when: date | datetime
    kind: str  # "<addon>.<what>", e.g. "sales.invoice"
    title: str  # shown as is: translate it in the implementation
    url: str = ""
    amount: Decimal | None = None
    currency: str = "TRY"
    state: str = ""  # a short status, shown as a badge
    detail: str = ""


@dataclass(frozen=True)
class PartnerFigure:
    """A figure on a partner's page (revenue this year, open balance, last sale)."""

    label: str
    value: Any  # a Decimal (money), int, date or text
    kind: str = "money"  # money | number | date | text
    sequence: int = 100
    currency: str = "TRY"
    warn: bool = False  # shown highlighted (an overdue amount)


def flatten(results: list) -> list:
    """Flatten a pluggy result list where each implementation returned a list."""
    out: list = []
    for item in results:
        if item is None:
            continue
        if isinstance(item, list | tuple):
            out.extend(item)
        else:
            out.append(item)
    return out


@dataclass(frozen=True)
class MenuGroup:
    """Menu entries sharing a ``group``: shown as one dropdown in the navigation bar."""

    label: str
    items: tuple[MenuItem, ...]


def menu_tree(items: list[MenuItem]) -> list[MenuItem | MenuGroup]:
    """The navigation bar's entries: items without a group as they are, items with one
    gathered into a ``MenuGroup`` placed where its first item (by sequence) would be.

    ``items`` must already be sorted (``by_sequence``); the order inside a group is kept.
    """
    groups: dict[str, list[MenuItem]] = {}
    out: list[MenuItem | str] = []
    for item in items:
        if not item.group:
            out.append(item)
        elif item.group in groups:
            groups[item.group].append(item)
        else:
            groups[item.group] = [item]
            out.append(item.group)
    return [
        MenuGroup(entry, tuple(groups[entry])) if isinstance(entry, str) else entry for entry in out
    ]


def by_sequence(items: list) -> list:
    """Sort items by their ``sequence``, then a label or title: order is data, not load order."""
    return sorted(
        items,
        key=lambda i: (
            getattr(i, "sequence", 100),
            getattr(i, "label", "") or getattr(i, "title", "") or getattr(i, "name", ""),
        ),
    )
