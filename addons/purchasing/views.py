"""purchasing: the pages. The requisitions list (filters by state, warehouse, requester,
dates), the list of requisitions waiting for the user's approval, and the requisition's
record page (core's ``FormView`` on the services of ``requisitions``): its workflow buttons
(submit, approve, reject with a reason, mark ordered, close, cancel) are core's, checked by
the workflow engine (roles, bands, no self-approval)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from addons.materials import warehouses
from addons.materials.models import MaterialsWarehouse
from core.i18n import lazy_gettext as _l
from core.listing import Column, Filter, ListSpec
from core.models import User
from core.tenancy import company_of
from core.web import choices
from core.web.context import current_user
from core.web.forms import FormView, LinesSpec
from core.web.lists import ListView

from . import requisitions
from .models import PurchasingRequisition
from .schemas import RequisitionSchema

bp = Blueprint("pages", __name__)

USER = "purchasing.user"
STATES = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "ordered": _l("ordered"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
}
DRAFT = _l("(draft)")
TITLE = _l("Requisition")
LINE_FIELDS = ["product_id", "description", "quantity", "unit_price", "vendor_id", "needed_by"]


# -- choices for selects ------------------------------------------------------------------
_users = choices.members


_warehouses = warehouses.choices


_products = choices.products


_vendors = choices.vendors


CHOICES = {
    "requester_id": _users,
    "warehouse_id": _warehouses,
    "product_id": _products,
    "vendor_id": _vendors,
}


# -- the form -----------------------------------------------------------------------------
def _create(session: Any, payload: dict[str, Any]) -> Any:
    return requisitions.create_requisition(session, RequisitionSchema().load(payload))


def _update(session: Any, record: Any, payload: dict[str, Any]) -> Any:
    # what is not sent is kept (a page always sends every field and its lines)
    partial = tuple(RequisitionSchema._declared_fields)
    data = RequisitionSchema().load(payload, partial=partial)
    return requisitions.update_requisition(session, record, data)


def _label(doc: Any) -> str:
    return f"{TITLE} {doc.number or DRAFT}"


def url(endpoint: str, **values: Any) -> str:
    from flask import url_for

    return url_for(f"purchasing.pages.{endpoint}", **values)


requisition_form = FormView(
    record_type="purchasing.requisition",
    model=PurchasingRequisition,
    schema=RequisitionSchema,
    title=TITLE,
    create=_create,
    update=_update,
    choices=CHOICES,
    lines=LinesSpec(fields=LINE_FIELDS),
    list_url=lambda: url("requisitions"),
    read_role=USER,
    write_role=USER,
    label=_label,
    editable=lambda doc: doc.state in requisitions.EDITABLE,
    defaults=lambda: {"requester_id": current_user().id},
)


# -- lists --------------------------------------------------------------------------------
def _requester(doc: Any) -> str:
    person = doc.requester
    return (person.name or person.email) if person is not None else ""


def _warehouse(doc: Any) -> str:
    return doc.warehouse.name if doc.warehouse is not None else ""


def _columns() -> list[Column]:
    return [
        Column("number", _l("Number"), nullable=True),
        Column("date", _l("Date"), kind="date"),
        Column("state", _l("State"), kind="state", choices=STATES, groupable=True),
        Column("requester_id", _l("Requester"), value=_requester, sortable=False, groupable=True),
        Column("warehouse_id", _l("Warehouse"), value=_warehouse, sortable=False, groupable=True),
        Column("needed_by", _l("Needed by"), kind="date", nullable=True),
        Column("amount_total", _l("Estimated total"), kind="money", summable=True),
    ]


def _spec(key: str, base: Callable[[Any], Any] | None = None) -> ListSpec:
    R = PurchasingRequisition
    return ListSpec(
        key,
        R,
        columns=_columns(),
        filters=[
            Filter("state", _l("State"), R.state, choices=STATES),
            Filter(
                "requester_id",
                _l("Requester"),
                R.requester_id,
                choices=lambda s: {str(k): v for k, v in _users(s)},
            ),
            Filter(
                "warehouse_id",
                _l("Warehouse"),
                R.warehouse_id,
                choices=lambda s: {str(k): v for k, v in _warehouses(s)},
                watches=[MaterialsWarehouse],
            ),
            Filter("date", _l("Date"), R.date, kind="date"),
            Filter("needed_by", _l("Needed by"), R.needed_by, kind="date"),
            Filter("amount_total", _l("Estimated total"), R.amount_total, kind="number"),
        ],
        search=[R.number, R.note],
        default_sort="-date",
        base=base,
        load=[joinedload(R.requester), joinedload(R.warehouse)],
    )


def _waiting(session: Any) -> Any:
    """The requisitions waiting for the acting user's decision (their role, a delegation;
    never their own)."""
    from core.documents import USER_KEY
    from core.models import Company

    user = session.get(User, session.info.get(USER_KEY)) if session.info.get(USER_KEY) else None
    ids: list[int] = []
    if user is not None:
        company = session.get(Company, company_of(session))
        ids = requisitions.requisitions_waiting_for(session, user, company)
    return select(PurchasingRequisition).where(PurchasingRequisition.id.in_(ids))


requisitions_list = ListView(
    _spec("purchasing.requisitions"),
    title=_l("Requisitions"),
    form=requisition_form,
    new_url=lambda: url("requisition_new"),
    read_role=USER,
)
approvals_list = ListView(
    _spec("purchasing.approvals", base=_waiting),
    title=_l("Waiting for my approval"),
    form=requisition_form,
    read_role=USER,
)

requisitions_list.register(bp, "/requisitions")
requisition_form.register(bp, "/requisitions")
approvals_list.register(bp, "/approvals")


@bp.get("/")
def index() -> Any:
    from flask import redirect

    return redirect(url("requisitions"))
