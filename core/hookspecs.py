"""The core hook specifications: the public contract between the kernel and add-ons.

Versioning rule: a hook keeps its name and arguments; new arguments may be added, none
removed. pluggy hands an implementation only the arguments it names, so an
implementation written against an older contract keeps working.

Two kinds of hooks:

* **Registration hooks** (no ``company`` argument) are called once, at start-up, on every
  loaded add-on. What they return is attached to the add-on that returned it (its
  routes are mounted under its name, its jobs and commands belong to it), and the kernel
  gates it per company: a company that has not enabled the add-on gets a 404 from its
  routes and never runs its jobs.
* **Company hooks** are called through the relay of one company,
  ``hooks_for(company).<hook>(...)``: only add-ons enabled for that company answer.
  Add-on code never asks "is X enabled?".

Unless a docstring says "first answer wins", every implementation is called and the
caller receives a list with one result per implementation (``None`` results are
dropped by pluggy). Order between add-ons is not part of the contract; where order
matters the returned objects carry a ``sequence``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:  # imported lazily: `yaprak --help` must stay fast
    import click
    from flask import Blueprint
    from marshmallow import fields

    from core.auth import Role
    from core.jobs import PeriodicTask
    from core.models import Company
    from core.ui import (
        Activity,
        DashboardCard,
        DocumentAction,
        FormSection,
        MenuItem,
        PartnerFigure,
    )


# --------------------------------------------------------------------------------------
# Registration hooks: called once on every loaded add-on
# --------------------------------------------------------------------------------------


@hookspec
def addon_blueprints() -> list[Blueprint]:
    """Return the Flask blueprints of the add-on's web pages.

    Called once at start-up. The kernel mounts them under ``/<addon>/`` (a blueprint's own
    ``url_prefix`` is appended) and answers 404 for companies that have not enabled the
    add-on and 503 "needs upgrade" while its migrations have not run. Templates are found
    in the add-on's ``templates/`` folder; keep them under ``templates/<addon>/``.
    """


@hookspec
def api_blueprints() -> list[Blueprint]:
    """Return the Flask blueprints of the add-on's JSON API.

    Called once at start-up. Mounted under ``/api/v1/<addon>/`` and gated like
    ``addon_blueprints``; errors are answered as JSON. A ``flask_smorest.Blueprint``
    (see ``core.web.api_resources.register_resource``) is also described in the OpenAPI
    document at ``/api/v1/openapi.json``; a plain ``flask.Blueprint`` works but is not.
    """


@hookspec
def cli_commands() -> list[click.Command]:
    """Return click commands for the ``yaprak <addon> ...`` command group.

    Called only when the user runs ``yaprak <addon>``, so ``yaprak --help`` never imports
    add-on code. A command that works on a company takes a ``--company`` option and
    uses ``core.cli.company_context``.
    """


@hookspec
def periodic_tasks() -> list[PeriodicTask]:
    """Return the add-on's scheduled jobs (``core.jobs.PeriodicTask``).

    Called once at start-up. Each task runs once per company that has enabled the add-on,
    never for the others.
    """


@hookspec
def roles() -> list[Role]:
    """Return the roles the add-on contributes (``core.auth.Role``).

    Called once. Name them ``<addon>.<role>`` (``purchasing.approver``); ``implies`` lists
    roles a role includes. Companies give them to users (``yaprak user add ... --role``);
    check them with ``core.auth.require_role`` (web, API, CLI) or name them in a workflow
    transition. ``admin`` implies every role.
    """


@hookspec
def workflows() -> list[dict[str, Any]]:
    """Return the default workflows of the add-on's document types (``core.workflow``).

    Called once. Each is a definition as ``core.workflow.WORKFLOW_SCHEMA`` describes:
    states, transitions (role, guards, numbering), approval bands. Companies change their
    own copy (``yaprak workflow set``); the default stays as shipped.
    """


# --------------------------------------------------------------------------------------
# Company hooks: called through hooks_for(company); only enabled add-ons answer
# --------------------------------------------------------------------------------------


@hookspec
def menu_items(company: Company, user: Any) -> list[MenuItem]:
    """Return navigation entries (``core.ui.MenuItem``) for ``company`` and ``user``.

    ``user`` is the logged-in user (``None`` outside a request). The shell sorts entries by
    ``sequence`` (then label); entries with the same ``group`` become one dropdown in the
    navigation bar, placed where the group's first entry would be. Labels are shown as
    given: translate them (``_()``) in the implementation. Give an entry ``roles=(...)``
    and only users holding one of them see it (the page itself still checks).
    """


@hookspec
def dashboard_cards(company: Company, user: Any) -> list[DashboardCard]:
    """Return cards (``core.ui.DashboardCard``) for the home dashboard.

    Shown as Bootstrap cards in a grid, sorted by ``sequence``: ``title`` (a link when
    ``url`` is set) and ``html``, inserted as is (render it with ``render_template``).
    """


@hookspec
def document_actions(document: Any, user: Any) -> list[DocumentAction]:
    """Return extra actions (``core.ui.DocumentAction``) offered on ``document``: a button
    that posts to ``url`` (with the CSRF token), or with ``method="get"`` a link to a page
    that asks for more first (``core.web.picking.LinePicker``: quantities per line).

    ``document`` is any company-owned record (the company itself, a partner, an order).
    Return ``[]`` for documents the add-on has nothing to offer on.
    """


@hookspec
def document_form_sections(document: Any) -> list[FormSection]:
    """Return sections (``core.ui.FormSection``) to show on ``document``'s page.

    This is how an add-on shows the data it keeps about another add-on's (or core's)
    record in a table of its own.
    """


@hookspec
def partner_activities(partner: Any, limit: int) -> list[Activity]:
    """Return up to ``limit`` of the newest activities (``core.ui.Activity``) your add-on
    knows of ``partner``, newest first.

    The partner page merges every enabled add-on's answers into one timeline by ``when``:
    this is how a customer's quotes, invoices, requests and campaign mails show together,
    with nothing to synchronise. Read with ``core.db.session_of(partner)``.
    """


@hookspec
def partner_figures(partner: Any) -> list[PartnerFigure]:
    """Return figures (``core.ui.PartnerFigure``) about ``partner`` for its page: revenue
    this year, open balance, overdue amount, last sale date. Sorted by ``sequence``."""


@hookspec
def extend_schema(schema_name: str, company: Company) -> dict[str, fields.Field]:
    """Return extra marshmallow fields for the API schema called ``schema_name``.

    Schema names are ``"<owner>.<record>"``, e.g. ``"core.company"``. Name the fields
    with the add-on's prefix (``acme_loyalty_points``) so they cannot collide; the
    kernel refuses two add-ons adding the same field. Wrap a marshmallow field in
    ``core.schemas.Extension(field, getter)``: ``getter(record)`` reads the value from
    the add-on's own table, the inner field validates input (bad input is a 400 naming
    the field); loaded values reach ``document_saved`` in ``data``.
    """


@hookspec
def document_saved(document: Any, data: dict[str, Any]) -> None:
    """Called after ``document`` was changed through its schema, inside the same transaction.

    ``data`` holds every loaded field, including those added through ``extend_schema``;
    write your own table's row from your fields. Raise ``marshmallow.ValidationError``
    to refuse the change (the user gets a 400 naming the field) or any exception to
    abort it: nothing of the change is kept.
    """


@hookspec
def before_transition(document: Any, action: str, user: Any) -> None:
    """Called before ``document`` takes ``action`` (``core.documents.transition``).

    Raise ``core.documents.Veto("reason")`` to refuse it: the user sees the reason and
    nothing changes. Runs in the transition's transaction.
    """


@hookspec
def after_transition(document: Any, action: str, user: Any) -> None:
    """Called after ``document`` took ``action`` (its state and number are set).

    Add your steps here, in the same transaction (reserve stock when an order is confirmed,
    create orders from an approved requisition, queue an e-mail). Any exception fails the
    step: the caller rolls its transaction (or savepoint) back, and the state change with it.
    """


@hookspec
def pdf_context(document: Any) -> dict[str, Any]:
    """Return extra variables for ``document``'s PDF template.

    The dictionaries of all enabled add-ons are merged under their add-on's name:
    ``extra.<addon>.<key>`` in the template.
    """


@hookspec
def on_enable(company: Company) -> None:
    """Called on the add-on alone, when it is enabled for ``company``.

    Runs in the enabling transaction: seed per-company data here (defaults, sequences,
    workflow settings). Also called when enabling again after a disable, so make it
    idempotent.
    """


@hookspec
def on_disable(company: Company) -> None:
    """Called on the add-on alone, when it is disabled for ``company``. Keep the data."""


@hookspec
def demo_data(company: Company, size: str) -> None:
    """Called on the add-on alone to fill ``company`` with demo records.

    Add-ons are called in dependency order, so the records of your dependencies exist.
    ``size`` is ``"full"`` (enough records for lists and reports to be interesting) or
    ``"small"`` (a few of every kind, quick to make: tests use it); an implementation that
    makes the same either way may leave the argument out. Mail is held meanwhile: what your
    services queue (``core.mail.queue_mail``) is made but never written or sent.
    """
