"""Hooks acme_notes publishes for other add-ons."""

from core import hookspec


@hookspec
def acme_notes_tags(company, note):
    """Return a list of tags (strings) for ``company``'s ``note`` text."""
