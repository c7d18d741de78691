"""Purchasing: requisitions (estimates from vendor prices, field-named errors) and their
approval workflow through core's engine (the 100.00 TL band, a company's own threshold,
no self-approval, approving twice, rejected never ordered, the audit trail, approvers'
e-mail)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from addons.materials.models import MaterialsWarehouse
from addons.purchasing import requisitions as svc
from addons.purchasing.models import PurchasingRequisition, PurchasingRequisitionLine
from addons.purchasing.schemas import RequisitionSchema
from core.documents import TransitionRefused, audit_trail, transition
from core.kernel.lifecycle import install
from core.kernel.migrations import Migrations
from core.models import OutboxMessage
from core.products import create_product

from .purchasing_world import act, new, state

D = Decimal


@pytest.fixture
def world(purchasing_world):
    return purchasing_world


# -- the model, the migration, estimates ------------------------------------------------------
def test_models_match_migrations(yaprak_runtime):
    install(yaprak_runtime, ["purchasing"])
    assert Migrations(yaprak_runtime).pending_diff("purchasing") == []


def test_estimates_come_from_the_vendor_price_then_the_preferred_then_the_cost(world):
    with world.session() as s, s.begin():
        data = RequisitionSchema().load(
            {
                "needed_by": (date.today() + timedelta(days=7)).isoformat(),
                "lines": [
                    {"product_id": world.product_id, "quantity": "10"},  # preferred: 7.50
                    {
                        "product_id": world.product_id,
                        "quantity": "2",
                        "vendor_id": world.other_vendor_id,
                    },  # that vendor's price: 9.00
                    {"product_id": world.bare_id, "quantity": "1.5"},  # cost 12.3456
                    {"product_id": world.bare_id, "quantity": "1", "unit_price": "3"},  # given
                ],
            }
        )
        doc = svc.create_requisition(s, data)
        lines = doc.lines
        assert [(ln.unit_price, ln.vendor_id) for ln in lines] == [
            (D("7.5000"), world.vendor_id),
            (D("9.0000"), world.other_vendor_id),
            (D("12.3456"), None),
            (D("3.0000"), None),
        ]
        # 75.00 + 18.00 + 18.52 (12.3456 x 1.5 = 18.5184) + 3.00; no KDV on estimates
        assert [ln.net for ln in lines] == [D("75.00"), D("18.00"), D("18.52"), D("3.00")]
        assert (doc.amount_untaxed, doc.amount_tax, doc.amount_total) == (
            D("114.52"),
            D("0.00"),
            D("114.52"),
        )
        assert doc.requester_id == world.users["req"]  # the acting user
        assert doc.warehouse_id == world.warehouse_id  # the default warehouse
        assert doc.state == "draft" and doc.number is None


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "must be more than zero"),
        ({"quantity": "-3"}, "quantity", "must be more than zero"),
        ({"quantity": "1", "unit_price": "-1"}, "unit_price", "must not be negative"),
        ({"quantity": "1", "product_id": 999999}, "product_id", "unknown product"),
        ({"quantity": "1", "vendor_id": 999999}, "vendor_id", "unknown vendor"),
    ],
)
def test_bad_lines_are_refused_by_field_and_nothing_is_written(world, line, field, message):
    row = {"product_id": world.product_id, **line}
    with pytest.raises(ValidationError) as refused, world.session() as s, s.begin():
        svc.create_requisition(s, RequisitionSchema().load({"lines": [row]}))
    assert message in str(refused.value.messages["lines"][0][field])
    with world.session() as s:
        assert s.scalar(select(func.count()).select_from(PurchasingRequisition)) == 0
        assert s.scalar(select(func.count()).select_from(PurchasingRequisitionLine)) == 0


def test_another_companys_records_are_unknown(world, make_company, yaprak_runtime):
    other = make_company("BASKA", addons=["purchasing"])
    with yaprak_runtime.db.transaction(other.id) as s:
        product = create_product(s, {"code": "X", "name": "Başkasının"})
        elsewhere = MaterialsWarehouse(code="B", name="Başka depo")
        s.add(elsewhere)
        s.flush()
        ids = product.id, elsewhere.id
    with pytest.raises(ValidationError) as refused, world.session() as s, s.begin():
        data = RequisitionSchema().load(
            {"warehouse_id": ids[1], "lines": [{"product_id": ids[0], "quantity": "1"}]}
        )
        svc.create_requisition(s, data)
    assert refused.value.messages == {
        "warehouse_id": ["unknown warehouse"],
        "lines": {0: {"product_id": ["unknown product"]}},
    }


def test_a_draft_changes_and_its_lines_keep_their_run(world):
    with world.session() as s, s.begin():
        data = RequisitionSchema().load(
            {"lines": [{"product_id": world.product_id, "quantity": "1"}]}
        )
        data["lines"][0]["run_id"] = 42
        doc = svc.create_requisition(s, data)
        doc_id, line_id = doc.id, doc.lines[0].id
    with world.session() as s, s.begin():
        doc = s.get(PurchasingRequisition, doc_id)
        data = RequisitionSchema().load(
            {
                "lines": [
                    {"id": line_id, "product_id": world.product_id, "quantity": "4"},
                    {"product_id": world.bare_id, "quantity": "1"},
                ]
            },
            partial=True,
        )
        svc.update_requisition(s, doc, data)
    with world.session() as s:
        doc = s.get(PurchasingRequisition, doc_id)
        assert [(ln.id == line_id, ln.quantity, ln.run_id) for ln in doc.lines] == [
            (True, D("4.000"), 42),
            (False, D("1.000"), None),
        ]
        assert doc.amount_total == D("30.00") + D("12.35")


# -- the workflow -------------------------------------------------------------------------------
def test_exactly_100_is_approved_at_submit_and_100_01_waits_for_an_approver(world):
    small = new(world, "1", "100.00")
    assert act(world, small, "submit", "req") == "approved"
    assert state(world, small)[1] == f"PR-{date.today().year}-00001"  # numbered at submit
    big = new(world, "1", "100.01")
    assert act(world, big, "submit", "req") == "submitted"
    with pytest.raises(TransitionRefused, match="needs the role purchasing.approver"):
        act(world, big, "approve", "clerk")
    assert act(world, big, "approve", "appr", "bütçede var") == "approved"


def test_submit_needs_the_role_and_a_line(world):
    doc = new(world, "1", "10")
    with pytest.raises(TransitionRefused, match="'submit' needs the role purchasing.user"):
        act(world, doc, "submit", "clerk")
    with world.session() as s, s.begin():
        empty = svc.create_requisition(s, RequisitionSchema().load({}))
        empty_id = empty.id
    with pytest.raises(ValidationError, match="at least one line"):
        act(world, empty_id, "submit", "req")
    with world.session() as s, s.begin():  # core's generic route: the add-on's veto
        doc = s.get(PurchasingRequisition, empty_id)
        with pytest.raises(TransitionRefused, match="at least one line"):
            transition(s, doc, "submit", world.user(s, "req"))
    assert state(world, empty_id) == ("draft", None)


def test_a_company_changes_the_threshold_without_code(world, cli):
    doc = new(world, "1", "250.00")
    assert act(world, doc, "submit", "req") == "submitted"  # the default: above 100
    cli(
        "workflow",
        "set",
        "purchasing.requisition",
        "--company",
        "ALIM",
        "--band",
        "500:",
        "--band",
        "-:purchasing.manager",
    )
    cheap = new(world, "1", "250.00")
    assert act(world, cheap, "submit", "req") == "approved"  # up to 500: no approval now
    dear = new(world, "1", "500.01")
    assert act(world, dear, "submit", "req") == "submitted"
    with pytest.raises(TransitionRefused, match="needs the role purchasing.manager"):
        act(world, dear, "approve", "appr")
    assert act(world, dear, "approve", "boss") == "approved"


def test_the_requester_cannot_approve_their_own_requisition(world):
    doc = new(world, "2", "80", who="appr")  # an approver asking for himself
    act(world, doc, "submit", "appr")
    with pytest.raises(TransitionRefused, match="no self-approval"):
        act(world, doc, "approve", "appr")
    assert state(world, doc)[0] == "submitted"
    assert act(world, doc, "approve", "appr2") == "approved"


def test_approving_twice_is_refused(world):
    doc = new(world, "1", "150")
    act(world, doc, "submit", "req")
    assert act(world, doc, "approve", "appr") == "approved"
    with pytest.raises(TransitionRefused, match="is not waiting for an approval"):
        act(world, doc, "approve", "appr2")
    with pytest.raises(TransitionRefused, match="is not waiting for an approval"):
        act(world, doc, "approve", "appr")


def test_a_rejected_requisition_cannot_be_ordered(world, yaprak_runtime):
    doc = new(world, "1", "150")
    act(world, doc, "submit", "req")
    with pytest.raises(TransitionRefused, match="a rejection needs a reason"):
        act(world, doc, "reject", "appr")
    assert act(world, doc, "reject", "appr", "Stokta var, alma.") == "rejected"
    with pytest.raises(TransitionRefused, match="'order' is not allowed from state 'rejected'"):
        act(world, doc, "order", "req")
    assert state(world, doc)[0] == "rejected"
    with yaprak_runtime.db.Session() as s:  # the requester is told why
        mail = s.scalars(select(OutboxMessage).where(OutboxMessage.to == "req@alim.test")).one()
    assert "Stokta var, alma." in mail.body_text
    assert act(world, doc, "reopen", "req") == "draft"  # fixed, it can go again


def test_an_approved_requisition_is_ordered_then_closed(world):
    doc = new(world, "1", "150")
    act(world, doc, "submit", "req")
    act(world, doc, "approve", "appr")
    assert act(world, doc, "order", "req") == "ordered"
    assert act(world, doc, "close", "req") == "closed"
    with pytest.raises(TransitionRefused, match="'cancel' is not allowed from state 'closed'"):
        act(world, doc, "cancel", "req")


def test_a_draft_changes_only_while_draft(world):
    doc = new(world, "1", "50")
    act(world, doc, "submit", "req")
    with pytest.raises(ValidationError) as refused, world.session() as s, s.begin():
        svc.update_requisition(s, s.get(PurchasingRequisition, doc), {"note": "x"})
    assert refused.value.normalized_messages() == {
        "state": ["only a draft requisition can be changed"]
    }


def test_the_audit_trail_has_the_decision_with_its_comment(world):
    approved = new(world, "1", "150")
    act(world, approved, "submit", "req")
    act(world, approved, "approve", "appr", "Acil, onaylandı.")
    rejected = new(world, "1", "150")
    act(world, rejected, "submit", "req")
    act(world, rejected, "reject", "appr2", "Fiyat yüksek.")
    with world.session() as s:
        trail = audit_trail(s, s.get(PurchasingRequisition, approved))
        decisions = [(e.action, e.user_id, e.comment) for e in trail if e.action == "approve"]
        assert decisions == [("approve", world.users["appr"], "Acil, onaylandı.")]
        assert ("transition", "submitted", "approved") in [(e.action, e.old, e.new) for e in trail]
        trail = audit_trail(s, s.get(PurchasingRequisition, rejected))
        decisions = [(e.action, e.user_id, e.comment) for e in trail if e.action == "reject"]
        assert decisions == [("reject", world.users["appr2"], "Fiyat yüksek.")]


def test_approvers_are_emailed_when_a_requisition_waits_for_them(
    world, yaprak_runtime, smtp_server
):
    yaprak_runtime.config.smtp_url = smtp_server.url
    small = new(world, "1", "100")
    act(world, small, "submit", "req")  # approved at once: nobody is asked
    assert smtp_server.messages == []
    doc = new(world, "3", "40", who="appr2")  # 120.00; appr2 asks, so only appr and boss decide
    act(world, doc, "submit", "appr2")
    number = state(world, doc)[1]
    to = sorted(m["To"] for m in smtp_server.messages)
    assert to == ["appr@alim.test", "boss@alim.test"]  # the manager's role implies approver
    message = smtp_server.messages[0]
    assert number in message["Subject"] and "onayınızı bekliyor" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "120,00" in body and "Appr2" in body
