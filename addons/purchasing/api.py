"""purchasing: the JSON API under ``/api/v1/purchasing``.

``/requisitions``: list (the page's filters, ``q``, sort, keyset pages), read, create and
change a draft (the same services as the pages), and the workflow actions:
``GET /requisitions/<id>/actions`` lists what the user may do now, ``POST
/requisitions/<id>/actions/<action>`` takes one with an optional ``{"comment": "..."}``
(``submit``, ``approve``, ``reject`` (a reason is needed), ``order``, ``close``, ``cancel``,
``reopen``). A refused action is ``409`` with the reason; bad input ``400 {"errors":
{field: [...]}}``; another company's id is a 404. ``/approvals`` lists the requisitions
waiting for the caller's decision."""

from __future__ import annotations

from flask_smorest import Blueprint

from core.web.api_resources import register_resource

from .schemas import WaitingRequisitionSchema
from .views import approvals_list, requisition_form, requisitions_list

api = Blueprint("purchasing", __name__, description="Purchasing: requisitions and approvals")

REQUISITIONS = register_resource(
    api, "/requisitions", form=requisition_form, list_spec=requisitions_list.spec
)
APPROVALS = register_resource(
    api,
    "/approvals",
    model=requisition_form.model,
    schema=WaitingRequisitionSchema,
    record_type=requisition_form.record_type,
    list_spec=approvals_list.spec,
    read_role="purchasing.user",
    write_role="purchasing.user",
    name="approvals",
)
