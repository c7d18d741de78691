"""The gate: an add-on's routes exist only for companies that enabled it.

Each add-on's blueprints are mounted inside a parent blueprint named after the add-on
(``/<addon>/...``) and ``api_<addon>`` (``/api/v1/<addon>/...``). Before every request the
gate looks at the outermost blueprint: if it belongs to an add-on that the current
company has not enabled (or there is no company), the answer is 404, the same as a
route that does not exist. An enabled add-on whose migrations have not run answers 503
with a "needs upgrade" message instead of failing on a missing table.
"""

from __future__ import annotations

from flask import abort, current_app, request

from core.web.context import current_company, runtime

BLUEPRINT_OWNERS = "yaprak.blueprint_owners"


class NeedsUpgrade(Exception):
    def __init__(self, addon: str, message: str) -> None:
        super().__init__(message)
        self.addon = addon
        self.message = message


def addon_of_request() -> str | None:
    if not request.blueprints:
        return None
    return current_app.extensions[BLUEPRINT_OWNERS].get(request.blueprints[-1])


def unavailable_addon() -> str | None:
    """For a URL of an add-on the current company enabled but that cannot load here (broken
    release, package missing): the reason. None otherwise (other companies get a 404)."""
    parts = request.path.strip("/").split("/")
    name = parts[2] if parts[:2] == ["api", "v1"] and len(parts) > 2 else parts[0]
    rt = runtime()
    if name not in rt.missing:
        return None
    company = current_company()
    if company is None or name not in company.enabled_addons:
        return None
    return f"add-on {name} is enabled for {company.code} but unavailable: {rt.missing[name]}"


def gate() -> None:
    addon = addon_of_request()
    if addon is None:
        return
    rt = runtime()
    company = current_company()
    if company is None or addon not in company.enabled_addons:
        abort(404)
    if addon in rt.needs_upgrade:
        rt.refresh_state()  # someone may have run `yaprak db upgrade` since
        if addon in rt.needs_upgrade:
            raise NeedsUpgrade(addon, rt.needs_upgrade[addon])
