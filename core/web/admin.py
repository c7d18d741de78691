"""Administration pages for a company's admins: the add-ons enabled for the company.

Enabling follows the kernel's rules: an add-on's dependencies are enabled with it (and
installed first when needed); disabling is refused while an enabled add-on depends on it.
Nothing is deleted by disabling: enabling again shows the same data.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from core.i18n import _
from core.web.context import current_company, db_session, require_role, runtime

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/addons")
def addons() -> Any:
    require_role("admin")
    company = current_company()
    kernel = runtime().kernel
    enabled = company.enabled_addons
    rows = []
    for name in sorted(kernel.available):
        spec = kernel.available[name]
        manifest = spec.manifest
        rows.append(
            {
                "name": name,
                "version": str(manifest.version),
                "summary": manifest.summary,
                "depends": list(manifest.dependency_names),
                "needed_by": sorted(kernel.dependents(name) & enabled),
                "enabled": name in enabled,
                "loadable": name in kernel.loaded,
            }
        )
    return render_template("core/admin/addons.html", rows=rows, company=company)


@bp.post("/addons/<name>/<action>")
def change_addon(name: str, action: str) -> Any:
    from core.companies import disable_addons, enable_addons
    from core.kernel.errors import KernelError

    require_role("admin")
    company = current_company()
    kernel = runtime().kernel
    if name not in kernel.available or action not in ("enable", "disable"):
        abort(404)
    code = company.code
    db_session().rollback()  # the change runs in its own transaction (and may migrate)
    try:
        if action == "enable":
            done = enable_addons(runtime(), code, [name])
            runtime().refresh_state()
            message = _("Enabled: %(names)s", names=", ".join(done) or name)
        else:
            done = disable_addons(runtime(), code, [name])
            message = _("Disabled: %(names)s", names=", ".join(done) or name)
        flash(message, "success")
    except KernelError as exc:
        flash(str(exc), "danger")
    return redirect(url_for("admin.addons") + f"#addon-{name}")


# The other admin pages attach their routes to ``bp``.
from core.web import admin_settings, admin_users  # noqa: E402, F401
