"""Purchasing: purchase orders made from approved requisitions: vendors (the line's, the
product's preferred), grouping (vendor, warehouse, currency and the company's keys), merged
lines, the trace to requisition lines, exceptions (no vendor: listed, stays approved), at
most once (a second run, two runs at once on PostgreSQL), approvals that survive, bad
requisitions refused, the settings' order state, the nightly job, the replenishment report,
the approved requisitions report (page, XLSX, PDF) and the API."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from addons.purchasing import requisitions as req_svc
from addons.purchasing.models import (
    PurchasingOrder,
    PurchasingOrderLine,
    PurchasingOrderSource,
    PurchasingRequisition,
    PurchasingRequisitionLine,
    PurchasingSettings,
)
from addons.purchasing.ordering import order_requisitions
from addons.purchasing.schemas import RequisitionSchema
from core.models import Company, Partner
from core.models.workflow import Approval

from .purchasing_world import act, new

D = Decimal
WEEK = date.today() + timedelta(days=7)
FORTNIGHT = date.today() + timedelta(days=14)


@pytest.fixture
def world(purchasing_world):
    return purchasing_world


def approved(world, lines, who="req", **more) -> int:
    """A requisition of ``lines`` submitted and approved (by appr above 100.00 TL)."""
    with world.session(who) as s, s.begin():
        doc = req_svc.create_requisition(s, RequisitionSchema().load({"lines": lines, **more}))
        doc_id, total = doc.id, doc.amount_total
    act(world, doc_id, "submit", who)
    if total > D("100"):
        act(world, doc_id, "approve", "appr")
    return doc_id


def run(world, who="boss", ids=None):
    with world.session(who) as s, s.begin():
        result = order_requisitions(s, world.user(s, who) if who else None, ids)
        return (
            [o.id for o in result.orders],
            [(e.line_id, e.reason) for e in result.exceptions],
            result.lines_ordered,
        )


def settings(world, **values):
    with world.session("boss") as s, s.begin():
        row = s.get(PurchasingSettings, world.company_id)
        if row is None:
            row = PurchasingSettings(company_id=world.company_id)
            s.add(row)
        for k, v in values.items():
            setattr(row, k, v)


def test_orders_per_vendor_with_merged_lines_and_the_trace(world):
    w = world
    first = approved(
        w,
        [
            {"product_id": w.product_id, "quantity": "10", "needed_by": FORTNIGHT.isoformat()},
            {"product_id": w.product_id, "quantity": "4", "vendor_id": w.other_vendor_id},
        ],
    )
    second = approved(
        w,
        [{"product_id": w.product_id, "quantity": "6", "needed_by": WEEK.isoformat()}],
    )
    orders, exceptions, count = run(w)
    assert (len(orders), exceptions, count) == (2, [], 3)
    with w.session() as s:
        by_vendor = {o.partner_id: o for o in (s.get(PurchasingOrder, i) for i in orders)}
        main = by_vendor[w.vendor_id]
        assert (main.state, main.origin, main.warehouse_id, main.expected_date) == (
            "draft",
            "requisitions",
            w.warehouse_id,
            WEEK,
        )
        (line,) = main.lines  # the same product at the same price: one line
        assert (line.quantity, line.unit_price, line.tax_rate, line.needed_by) == (
            D("16.000"),
            D("7.5000"),
            20,
            WEEK,
        )
        assert sorted(src.quantity for src in line.sources) == [D("6.000"), D("10.000")]
        assert main.amount_total == D("144.00")  # 120.00 + 20 % KDV
        (other_line,) = by_vendor[w.other_vendor_id].lines
        assert (other_line.quantity, other_line.unit_price) == (D("4.000"), D("9.0000"))
        for doc_id in (first, second):
            doc = s.get(PurchasingRequisition, doc_id)
            assert doc.state == "ordered"
            assert all(ln.qty_ordered == ln.quantity for ln in doc.lines)
    # a second run makes nothing
    assert run(w) == ([], [], 0)


def test_a_line_without_vendor_is_an_exception_and_the_approval_survives(world):
    w = world
    doc_id = approved(
        w,
        [
            {"product_id": w.product_id, "quantity": "20"},
            {"product_id": w.bare_id, "quantity": "1"},  # no vendor anywhere
        ],
    )
    with w.session() as s:
        bare_line = s.scalars(
            select(PurchasingRequisitionLine.id).where(
                PurchasingRequisitionLine.product_id == w.bare_id
            )
        ).one()
        decisions = s.scalars(select(Approval).where(Approval.document_id == doc_id)).all()
        assert [(a.decision, a.void) for a in decisions] == [("approved", False)]
    orders, exceptions, count = run(w)
    assert len(orders) == 1 and count == 1
    assert [line_id for line_id, _ in exceptions] == [bare_line]
    assert "no vendor" in exceptions[0][1]
    with w.session() as s:
        doc = s.get(PurchasingRequisition, doc_id)
        assert doc.state == "approved"  # still waiting for its other line
        assert [ln.qty_ordered for ln in doc.lines] == [D("20.000"), D("0.000")]
        decisions = s.scalars(select(Approval).where(Approval.document_id == doc_id)).all()
        assert [(a.decision, a.void) for a in decisions] == [("approved", False)]
    # the exception is listed again (never dropped) until the line has a vendor
    orders, exceptions, count = run(w)
    assert (orders, count, [e[0] for e in exceptions]) == ([], 0, [bare_line])


def test_grouping_keys_are_a_company_setting(world):
    w = world
    settings(w, group_by="needed_by")
    approved(
        w,
        [
            {"product_id": w.product_id, "quantity": "2", "needed_by": WEEK.isoformat()},
            {"product_id": w.product_id, "quantity": "3", "needed_by": FORTNIGHT.isoformat()},
        ],
    )
    approved(w, [{"product_id": w.product_id, "quantity": "4", "needed_by": WEEK.isoformat()}])
    approved(
        w,
        [{"product_id": w.product_id, "quantity": "5", "needed_by": WEEK.isoformat()}],
        warehouse_id=w.branch_id,
    )
    orders, _, count = run(w)
    assert count == 4
    with w.session() as s:
        found = sorted(
            (o.warehouse_id == w.branch_id, o.expected_date, [ln.quantity for ln in o.lines])
            for o in (s.get(PurchasingOrder, i) for i in orders)
        )
    assert found == [
        (False, WEEK, [D("6.000")]),
        (False, FORTNIGHT, [D("3.000")]),
        (True, WEEK, [D("5.000")]),
    ]


def test_orders_made_confirmed_when_the_company_says_so(world):
    settings(world, order_state="confirmed")
    approved(world, [{"product_id": world.product_id, "quantity": "2"}])
    orders, _, _ = run(world)
    with world.session() as s:
        order = s.get(PurchasingOrder, orders[0])
        assert order.state == "confirmed" and order.number.startswith("SAS-")


def test_bad_requisitions_are_refused(world):
    w = world
    draft = new(w, "1")
    rejected = new(w, "20")
    act(w, rejected, "submit", "req")
    act(w, rejected, "reject", "appr", "pahalı")
    good = approved(w, [{"product_id": w.product_id, "quantity": "1"}])
    with w.session("boss") as s, s.begin(), pytest.raises(ValidationError) as exc:
        order_requisitions(s, w.user(s, "boss"), [good, draft, rejected, 987654])
    assert set(exc.value.messages["requisition_ids"]) == {"1", "2", "3"}
    with w.session() as s:
        assert s.scalar(select(func.count(PurchasingOrder.id))) == 0
    # without ids only approved ones are taken
    orders, _, count = run(w)
    assert (len(orders), count) == (1, 1)
    assert run(w, ids=[good]) == ([], [], 0)


def test_another_companys_requisitions_are_unknown(world, make_company, yaprak_runtime):
    other = make_company("BASKA", addons=["purchasing"])
    with yaprak_runtime.db.transaction(other.id) as s:
        from addons.materials.models import MaterialsWarehouse

        doc = PurchasingRequisition(
            warehouse_id=s.scalars(select(MaterialsWarehouse.id)).first(), state="approved"
        )
        s.add(doc)
        s.flush()
        other_id = doc.id
    with world.session("boss") as s, s.begin(), pytest.raises(ValidationError) as exc:
        order_requisitions(s, world.user(s, "boss"), [other_id])
    assert exc.value.messages == {"requisition_ids": {"0": ["unknown requisition"]}}


def test_after_ordering_the_report_does_not_propose_again(world):
    from addons.materials.models import MaterialsReorderRule
    from addons.materials.replenishment import report

    w = world
    with w.session("boss") as s, s.begin():
        s.add(
            MaterialsReorderRule(
                product_id=w.product_id, warehouse_id=w.warehouse_id, minimum=10, maximum=30
            )
        )

    def proposed():
        with w.session() as s:
            lines = report(s, warehouse_id=w.warehouse_id, only_short=False)
            (line,) = [ln for ln in lines if ln.product_id == w.product_id]
            return line.on_order, line.proposed

    assert proposed() == (D("0"), D("30"))
    approved(w, [{"product_id": w.product_id, "quantity": "30"}])
    assert proposed() == (D("30"), D("0"))
    run(w)
    assert proposed() == (D("30"), D("0"))  # now the order counts it, once


def test_the_nightly_job_runs_only_when_the_setting_is_on(world, yaprak_runtime):
    from addons.purchasing.hooks import order_requisitions_job
    from core.db import session_of

    approved(world, [{"product_id": world.product_id, "quantity": "2"}])

    def job():
        with yaprak_runtime.db.session_for(world.company_id, write=True) as s:
            order_requisitions_job(s.get(Company, world.company_id))
            assert session_of(s.get(Company, world.company_id)) is s

    def count():
        with world.session() as s:
            return s.scalar(select(func.count(PurchasingOrder.id)))

    job()
    assert count() == 0
    settings(world, nightly_orders=True)
    job()
    assert count() == 1
    job()
    assert count() == 1


def test_two_runs_at_once_order_each_line_once(world, yaprak_runtime):
    if yaprak_runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    w = world
    for _ in range(3):
        approved(
            w,
            [
                {"product_id": w.product_id, "quantity": "3"},
                {"product_id": w.product_id, "quantity": "2", "vendor_id": w.other_vendor_id},
            ],
        )
    locked, results, errors = threading.Event(), {}, []

    def first():
        try:
            with yaprak_runtime.activate(), w.session("boss") as s, s.begin():
                made = order_requisitions(s, w.user(s, "boss"))
                results["first"] = len(made.orders)
                locked.set()
                threading.Event().wait(1.0)  # hold the locks while the other run starts
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            locked.set()

    def second():
        locked.wait(10)
        try:
            with yaprak_runtime.activate(), w.session("boss") as s, s.begin():
                made = order_requisitions(s, w.user(s, "boss"))
                results["second"] = len(made.orders)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results == {"first": 2, "second": 0}
    with w.session() as s:
        sources = s.scalars(select(PurchasingOrderSource.requisition_line_id)).all()
        assert len(sources) == len(set(sources)) == 6
        assert s.scalar(select(func.sum(PurchasingOrderLine.quantity))) == D("15.000")


# -- web and API -------------------------------------------------------------------------------
def _company(world, yaprak_runtime):
    with yaprak_runtime.db.Session() as s:
        found = s.get(Company, world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def clients(world, yaprak_runtime, company_client):
    company = _company(world, yaprak_runtime)
    return {
        name: company_client(company, roles=[], email=f"{name}@alim.test")
        for name in ("req", "boss")
    }


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def test_ordering_through_the_api(world, clients):
    w = world
    doc_id = approved(
        w,
        [
            {"product_id": w.product_id, "quantity": "20"},
            {"product_id": w.bare_id, "quantity": "1"},
        ],
    )
    assert clients["req"].post("/api/v1/purchasing/requisitions/order").status_code == 403
    bad = clients["boss"].post(
        "/api/v1/purchasing/requisitions/order", json={"requisition_ids": ["x"]}
    )
    assert bad.status_code == 400
    made = _ok(clients["boss"].post("/api/v1/purchasing/requisitions/order", json={}))
    assert [o["partner_id"] for o in made["orders"]] == [w.vendor_id]
    assert made["orders"][0]["lines"][0]["quantity"] == "20.000"
    assert [e["requisition_id"] for e in made["exceptions"]] == [doc_id]
    assert made["lines_ordered"] == 1
    again = _ok(clients["boss"].post("/api/v1/purchasing/requisitions/order"))
    assert again["orders"] == [] and len(again["exceptions"]) == 1


def test_the_approved_requisitions_report(world, clients):
    w = world
    with w.session("boss") as s, s.begin():
        s.get(Partner, w.vendor_id).email = None
    approved(w, [{"product_id": w.product_id, "quantity": "20", "needed_by": WEEK.isoformat()}])
    approved(w, [{"product_id": w.bare_id, "quantity": "3"}])
    boss = clients["boss"]
    page = boss.get("/purchasing/approved-lines").get_data(as_text=True)
    assert "Demir Çelik" in page and "Çivi" in page
    assert "/purchasing/approved-lines/order" in page
    only = boss.get(f"/purchasing/approved-lines?f.vendor_id={w.vendor_id}&export=xlsx")
    assert len(list(load_workbook(io.BytesIO(only.data)).active.iter_rows())) == 2
    for key in ("vendor_id", "product_id"):
        grouped = boss.get(f"/purchasing/approved-lines?group={key}")
        assert grouped.status_code == 200, grouped.get_data(as_text=True)[:500]
        assert "Demir Çelik" in grouped.get_data(as_text=True)
    xlsx = boss.get("/purchasing/approved-lines?export=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 3  # the header and the two lines
    flat = " ".join(str(c) for row in rows for c in row if c is not None)
    assert "Demir Çelik" in flat and "Çivi" in flat and "20" in flat
    pdf = boss.get(f"/purchasing/approved-lines.pdf?f.vendor_id={w.vendor_id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    assert "Demir Çelik" in text and "Vida 8 mm" in text and "Çivi" not in text
    # the button: one order, the line without vendor listed
    r = boss.post("/purchasing/approved-lines/order", data={"csrf_token": boss.csrf_token()})
    assert r.status_code == 302
    flashed = boss.get("/purchasing/approved-lines").get_data(as_text=True)
    assert "alert-warning" in flashed and "CIVI" in flashed  # the exception is shown
    after = boss.get("/purchasing/approved-lines?export=xlsx")
    rows = list(load_workbook(io.BytesIO(after.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "Çivi" in " ".join(str(c) for c in rows[1] if c)
    with w.session() as s:
        assert s.scalar(select(func.count(PurchasingOrder.id))) == 1


def test_the_job_runs_by_hand(world, cli):
    settings(world, nightly_orders=True)
    approved(world, [{"product_id": world.product_id, "quantity": "2"}])
    cli("jobs", "run", "purchasing.order_requisitions", "--company", "ALIM")
    with world.session() as s:
        assert s.scalar(select(func.count(PurchasingOrder.id))) == 1


def test_the_nightly_job_mails_confirmed_orders_with_their_pdf(world, cli, yaprak_runtime):
    """Outside any web request (the job through the CLI) the PDF is rendered all the same."""
    from core.models import OutboxMessage

    w = world
    settings(w, nightly_orders=True, order_state="confirmed")
    with w.session("boss") as s, s.begin():
        s.get(Partner, w.vendor_id).email = "satis@demir.test"
    approved(w, [{"product_id": w.product_id, "quantity": "4"}])
    cli("jobs", "run", "purchasing.order_requisitions", "--company", "ALIM")
    with yaprak_runtime.db.session_for(w.company_id) as s:
        (order,) = s.scalars(select(PurchasingOrder)).all()
        assert order.state == "confirmed"
        (mail,) = s.scalars(select(OutboxMessage)).all()
        assert mail.to == "satis@demir.test"
        (attachment,) = mail.attachments
        text = " ".join(PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text().split())
        assert order.number in text and "Vida 8 mm" in text


def test_confirmed_orders_from_the_api_are_mailed_to_vendors_with_an_address(
    world, clients, yaprak_runtime
):
    from core.models import OutboxMessage

    w = world
    settings(w, order_state="confirmed")
    with w.session("boss") as s, s.begin():
        s.get(Partner, w.vendor_id).email = "satis@demir.test"
    approved(
        w,
        [
            {"product_id": w.product_id, "quantity": "3"},
            {"product_id": w.product_id, "quantity": "1", "vendor_id": w.other_vendor_id},
        ],
    )
    made = _ok(clients["boss"].post("/api/v1/purchasing/requisitions/order"))
    assert sorted(o["state"] for o in made["orders"]) == ["confirmed", "confirmed"]
    with yaprak_runtime.db.session_for(w.company_id) as s:
        (mail,) = s.scalars(select(OutboxMessage)).all()  # the other vendor has no address
        assert mail.to == "satis@demir.test"
        (attachment,) = mail.attachments
        text = " ".join(PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text().split())
        number = next(o["number"] for o in made["orders"] if o["partner_id"] == w.vendor_id)
        assert number in text and "Vida 8 mm" in text


def test_bookkeeping_columns_leave_the_approval_alone(world):
    """Core: an ORM change of a line's ``__approval_ignore__`` columns (the requisition
    line's ``qty_ordered``) keeps its document's approvals; any other change voids them."""
    w = world
    doc_id = approved(w, [{"product_id": w.product_id, "quantity": "20"}])

    def decisions():
        with w.session() as s:
            rows = s.scalars(select(Approval).where(Approval.document_id == doc_id)).all()
            return s.get(PurchasingRequisition, doc_id).state, [a.void for a in rows]

    with w.session("boss") as s, s.begin():
        s.get(PurchasingRequisition, doc_id).lines[0].qty_ordered = D("5")
    assert decisions() == ("approved", [False])
    with w.session("boss") as s, s.begin():
        line = s.get(PurchasingRequisition, doc_id).lines[0]
        line.qty_ordered, line.quantity = D("6"), D("21")
    assert decisions() == ("submitted", [True])
