"""Small value types add-ons return from UI hooks (menus, cards, actions, form sections)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    """An entry of the navigation. ``url`` is a path such as ``/sales/orders``."""

    label: str
    url: str
    sequence: int = 100  # lower comes first; ties are broken by label
    group: str = ""  # a heading to group entries under, e.g. "Sales"


@dataclass(frozen=True)
class DashboardCard:
    """A card on the home dashboard: a title and a little pre-escaped HTML."""

    title: str
    html: str  # rendered by the add-on (use render_template); inserted as is
    sequence: int = 100
    url: str = ""


@dataclass(frozen=True)
class DocumentAction:
    """A button on a document: POSTs to ``url``."""

    name: str
    label: str
    url: str
    sequence: int = 100
    style: str = "secondary"  # primary, secondary, danger


@dataclass(frozen=True)
class FormSection:
    """A section another add-on adds to a document's page (already rendered HTML)."""

    title: str
    html: str
    sequence: int = 100


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


def by_sequence(items: list) -> list:
    """Sort items by their ``sequence``, then a label or title: order is data, not load order."""
    return sorted(
        items,
        key=lambda i: (
            getattr(i, "sequence", 100),
            getattr(i, "label", "") or getattr(i, "title", "") or getattr(i, "name", ""),
        ),
    )
