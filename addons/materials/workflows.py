"""The inventory count's workflow (``core.workflow`` format): draft -> done by ``post``
(numbered; the adjustments are made by ``hooks.after_transition``, in the same
transaction), a draft may be cancelled."""

from __future__ import annotations

from typing import Any

from core.i18n import lazy_gettext as _l

# the buttons core shows for the transitions (translated where shown: _(label))
ACTIONS = [_l("Post")]  # "Cancel" is core's

COUNT: dict[str, Any] = {
    "document_type": "materials.count",
    "states": ["draft", "done", "cancelled"],
    "initial": "draft",
    "transitions": [
        {
            "name": "post",
            "from": ["draft"],
            "to": "done",
            "role": "materials.user",
            "number": True,
        },
        {"name": "cancel", "from": ["draft"], "to": "cancelled", "role": "materials.user"},
    ],
}

WORKFLOWS = [COUNT]
