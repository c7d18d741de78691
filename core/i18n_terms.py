"""Words that reach templates as data (document states, timeline entries, yes/no) and are
translated there with ``_(value)``. Listing them here puts them in the catalogues; an
add-on lists its own states the same way (``lazy_gettext`` in any of its modules)."""

from flask_babel import lazy_gettext as _l

STATES = [
    _l("draft"),
    _l("submitted"),
    _l("approved"),
    _l("rejected"),
    _l("done"),
    _l("cancelled"),
    _l("confirmed"),
    _l("posted"),
    _l("paid"),
]
TIMELINE = [
    _l("note"),
    _l("create"),
    _l("update"),
    _l("transition"),
    _l("approve"),
    _l("reject"),
    _l("delete"),
]
WORKFLOW = [_l("Approve"), _l("Reject"), _l("submit"), _l("cancel"), _l("reopen"), _l("confirm")]
BOOLEAN = [_l("yes"), _l("no")]
ERRORS = [
    _l("Database not initialised"),
    _l("Needs upgrade"),
    _l("Add-on unavailable"),
    _l("PDF not made"),
    _l("PDF took too long"),
    _l("PDF too large"),
]
