"""Vendor payments: drafts, posting against named invoices or the oldest due first, the
advance left over, refusals (over-allocation, another vendor's, draft or cancelled invoices,
zero amounts) with nothing written, cancelling, two payments at once against one invoice,
and the vendor balance in SQL against the documents it sums."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from addons.purchasing import ledger
from addons.purchasing import payments as svc
from addons.purchasing.models import PurchasingAllocation, PurchasingInvoice, PurchasingPayment
from addons.purchasing.payment_schemas import PostVendorPaymentSchema, VendorPaymentSchema
from core.documents import TransitionRefused

TODAY = date.today()


@pytest.fixture
def world(purchasing_world):
    return purchasing_world


_numbers = iter(range(1, 10**6))


def invoice(world, total, due=None, vendor=None, state="posted", paid="0"):
    """A vendor invoice made directly (until the invoice services exist): posted, with its
    total open (less ``paid``)."""
    total, paid = D(total), D(paid)
    with world.session("boss") as s, s.begin():
        doc = PurchasingInvoice(
            partner_id=vendor or world.vendor_id,
            number=f"ALF-T-{next(_numbers):05d}" if state != "draft" else None,
            state=state,
            date=TODAY - timedelta(days=40),
            due_date=due or TODAY,
            amount_untaxed=total,
            amount_total=total,
            amount_paid=paid,
            amount_residual=total - paid if state == "posted" else D("0.00"),
            payment_state="not_paid",
        )
        s.add(doc)
        s.flush()
        return doc.id


def payment(world, amount, vendor=None, **more):
    data = VendorPaymentSchema().load(
        {"partner_id": vendor or world.vendor_id, "amount": amount, **more}
    )
    with world.session("boss") as s, s.begin():
        return svc.create_payment(s, data).id


def post(world, payment_id, allocations=None, who="boss"):
    body = PostVendorPaymentSchema().load(
        {} if allocations is None else {"allocations": allocations}
    )
    with world.session(who) as s, s.begin():
        doc = s.get(PurchasingPayment, payment_id)
        svc.post_payment(s, doc, world.user(s, who), body["allocations"])
        return doc.number


def cancel(world, payment_id, who="boss"):
    with world.session(who) as s, s.begin():
        svc.cancel_payment(s, s.get(PurchasingPayment, payment_id), world.user(s, who))


def residual(world, invoice_id):
    with world.session() as s:
        doc = s.get(PurchasingInvoice, invoice_id)
        return doc.amount_paid, doc.amount_residual, doc.payment_state


def pay_state(world, payment_id):
    with world.session() as s:
        doc = s.get(PurchasingPayment, payment_id)
        return doc.state, doc.amount_unallocated


def allocations(world):
    with world.session() as s:
        return s.scalar(select(func.count()).select_from(PurchasingAllocation))


# ----------------------------------------------------------------------------- drafts
def test_draft_payment_is_made_and_changed(world):
    pid = payment(world, "150.00", method="cash", reference=" DEKONT-1 ", note="avans")
    with world.session("boss") as s, s.begin():
        doc = s.get(PurchasingPayment, pid)
        assert (doc.state, doc.number, doc.amount_total, doc.method) == (
            "draft",
            None,
            D("150.00"),
            "cash",
        )
        assert doc.reference == "DEKONT-1" and doc.date == TODAY
        data = VendorPaymentSchema().load(
            {"amount": "99.90", "partner_id": world.other_vendor_id}, partial=True
        )
        svc.update_payment(s, doc, data)
        assert (doc.amount_total, doc.partner_id) == (D("99.90"), world.other_vendor_id)


def test_bad_drafts_are_refused_by_field(world):
    with pytest.raises(ValidationError) as exc:
        VendorPaymentSchema().load({"partner_id": world.vendor_id, "amount": "0", "method": "x"})
    assert set(exc.value.messages) == {"amount", "method"}
    with pytest.raises(ValidationError) as exc:
        VendorPaymentSchema().load({"partner_id": world.vendor_id, "amount": "-5"})
    assert "amount" in exc.value.messages
    with pytest.raises(ValidationError) as exc, world.session("boss") as s:
        svc.create_payment(s, {"partner_id": 999999, "amount": D("10")})
    assert exc.value.normalized_messages() == {"partner_id": ["unknown vendor"]}


# ----------------------------------------------------------------------------- posting
def test_posting_pays_the_oldest_due_first_and_keeps_an_advance(world):
    late = invoice(world, "100.00", due=TODAY - timedelta(days=10))
    later = invoice(world, "80.00", due=TODAY + timedelta(days=5))
    first = invoice(world, "50.00", due=TODAY - timedelta(days=20))
    pid = payment(world, "200.00")
    number = post(world, pid)
    assert number and number.startswith("ODM-")
    assert residual(world, first) == (D("50.00"), D("0.00"), "paid")
    assert residual(world, late) == (D("100.00"), D("0.00"), "paid")
    assert residual(world, later) == (D("50.00"), D("30.00"), "partial")
    assert pay_state(world, pid) == ("posted", D("0.00"))

    extra = payment(world, "45.00")
    post(world, extra)
    assert residual(world, later) == (D("80.00"), D("0.00"), "paid")
    assert pay_state(world, extra) == ("posted", D("15.00"))  # the advance
    with world.session() as s:
        assert ledger.balance(s, world.vendor_id) == D("-15.00")


def test_posting_to_named_invoices(world):
    a = invoice(world, "100.00", due=TODAY - timedelta(days=30))
    b = invoice(world, "60.00", due=TODAY + timedelta(days=30))
    pid = payment(world, "100.00")
    post(world, pid, [{"invoice_id": b, "amount": "60"}, {"invoice_id": a, "amount": "25"}])
    assert residual(world, b) == (D("60.00"), D("0.00"), "paid")
    assert residual(world, a) == (D("25.00"), D("75.00"), "partial")
    assert pay_state(world, pid) == ("posted", D("15.00"))
    with world.session() as s:
        rows = svc.allocations_of(s, s.get(PurchasingPayment, pid))
        assert [(r.invoice_id, r.amount) for r in rows] == [(b, D("60.00")), (a, D("25.00"))]


def test_refusals_write_nothing(world):
    mine = invoice(world, "100.00")
    theirs = invoice(world, "100.00", vendor=world.other_vendor_id)
    draft = invoice(world, "100.00", state="draft")
    gone = invoice(world, "100.00", state="cancelled")
    pid = payment(world, "120.00")
    with pytest.raises(ValidationError) as exc:
        post(
            world,
            pid,
            [
                {"invoice_id": mine, "amount": "100.01"},
                {"invoice_id": theirs, "amount": "1"},
                {"invoice_id": draft, "amount": "1"},
                {"invoice_id": gone, "amount": "1"},
                {"invoice_id": 999999, "amount": "1"},
            ],
        )
    assert exc.value.messages == {
        "allocations": {
            0: {"invoice_id": ["more than the invoice's open amount"]},
            1: {"invoice_id": ["unknown invoice of this vendor"]},
            2: {"invoice_id": ["the invoice is not posted"]},
            3: {"invoice_id": ["the invoice is cancelled"]},
            4: {"invoice_id": ["unknown invoice of this vendor"]},
        }
    }
    other = invoice(world, "100.00")
    with pytest.raises(ValidationError) as exc:
        post(
            world,
            pid,
            [{"invoice_id": mine, "amount": "90"}, {"invoice_id": other, "amount": "40"}],
        )
    assert exc.value.messages == {
        "allocations": {1: {"invoice_id": ["more than is left of the payment"]}}
    }
    with pytest.raises(ValidationError) as exc:
        post(world, pid, [{"invoice_id": mine, "amount": "0"}])
    assert "amount" in exc.value.messages["allocations"][0]
    with pytest.raises(ValidationError) as exc:
        post(
            world, pid, [{"invoice_id": mine, "amount": "60"}, {"invoice_id": mine, "amount": "60"}]
        )
    assert exc.value.messages == {"allocations": ["an invoice is named twice"]}
    assert pay_state(world, pid) == ("draft", D("0.00"))
    assert residual(world, mine) == (D("0.00"), D("100.00"), "not_paid")
    assert allocations(world) == 0
    with world.session() as s:
        assert s.get(PurchasingPayment, pid).number is None


def test_only_the_accountant_posts(world):
    invoice(world, "10.00")
    pid = payment(world, "10.00")
    with pytest.raises(TransitionRefused):
        post(world, pid, who="req")
    assert pay_state(world, pid) == ("draft", D("0.00")) and allocations(world) == 0


def test_a_posted_payment_is_not_changed_or_posted_again(world):
    invoice(world, "10.00")
    pid = payment(world, "10.00")
    post(world, pid)
    with pytest.raises(ValidationError) as exc:
        post(world, pid)
    assert exc.value.normalized_messages() == {"state": ["the payment is posted already"]}
    with pytest.raises(ValidationError), world.session("boss") as s:
        svc.update_payment(s, s.get(PurchasingPayment, pid), {"amount": D("5")})


def test_cancel_gives_the_invoices_back(world):
    a = invoice(world, "70.00", due=TODAY - timedelta(days=3))
    b = invoice(world, "70.00", due=TODAY)
    pid = payment(world, "100.00")
    post(world, pid)
    assert residual(world, b) == (D("30.00"), D("40.00"), "partial")
    cancel(world, pid)
    assert residual(world, a) == (D("0.00"), D("70.00"), "not_paid")
    assert residual(world, b) == (D("0.00"), D("70.00"), "not_paid")
    assert pay_state(world, pid) == ("cancelled", D("0.00")) and allocations(world) == 0
    draft = payment(world, "5.00")
    cancel(world, draft)
    assert pay_state(world, draft)[0] == "cancelled"


# ----------------------------------------------------------------------------- concurrency
def _race(world, jobs):
    """Run each ``job(session)`` in its own thread at once; the outcomes, sorted."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def worker(job):
        with world.runtime.activate():
            session = world.session("boss")
            try:
                barrier.wait(30)
                job(session)
                session.commit()
                outcomes.append("done")
            except Exception as exc:  # the loser's error, whatever its kind
                session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                session.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


def _poster(world, payment_id, allocations=None):
    def job(s):
        doc = s.get(PurchasingPayment, payment_id)
        svc.post_payment(s, doc, world.user(s, "boss"), allocations)

    return job


def test_two_payments_at_once_never_overpay_a_named_invoice(world):
    inv = invoice(world, "100.00")
    one, two = payment(world, "80.00"), payment(world, "80.00")
    named = [{"invoice_id": inv, "amount": D("80.00")}]
    outcomes = _race(world, [_poster(world, one, named), _poster(world, two, named)])
    assert outcomes == ["ValidationError", "done"], outcomes
    assert residual(world, inv) == (D("80.00"), D("20.00"), "partial")


def test_two_payments_at_once_to_the_oldest_share_what_is_open(world):
    inv = invoice(world, "100.00")
    one, two = payment(world, "80.00"), payment(world, "80.00")
    outcomes = _race(world, [_poster(world, one), _poster(world, two)])
    assert outcomes == ["done", "done"], outcomes
    assert residual(world, inv) == (D("100.00"), D("0.00"), "paid")
    advances = sorted(pay_state(world, p)[1] for p in (one, two))
    assert advances == [D("0.00"), D("60.00")]


# ----------------------------------------------------------------------------- balance
def test_balance_is_the_sum_of_the_documents_on_random_data(world):
    rng = random.Random(20261129)
    vendors = (world.vendor_id, world.other_vendor_id)
    for _ in range(12):
        vendor = rng.choice(vendors)
        state = rng.choice(["posted", "posted", "posted", "draft", "cancelled"])
        due = TODAY + timedelta(days=rng.randint(-30, 30))
        invoice(world, f"{rng.randint(1, 50000) / 100:.2f}", due=due, vendor=vendor, state=state)
    for _ in range(10):
        vendor = rng.choice(vendors)
        pid = payment(world, f"{rng.randint(1, 30000) / 100:.2f}", vendor=vendor)
        roll = rng.random()
        if roll < 0.7:
            post(world, pid)
            if rng.random() < 0.2:
                cancel(world, pid)
    with world.session() as s:
        found = {b.partner_id: b for b in ledger.balances(s, TODAY, only_open=False)}
        for vendor in vendors:
            invoices = s.scalars(
                select(PurchasingInvoice).where(PurchasingInvoice.partner_id == vendor)
            ).all()
            paid = s.scalars(
                select(PurchasingPayment).where(PurchasingPayment.partner_id == vendor)
            ).all()
            owed = sum((i.amount_residual for i in invoices if i.state == "posted"), D("0.00"))
            # every posted invoice's open amount is its total less its allocations
            for i in invoices:
                if i.state == "posted":
                    got = s.scalar(
                        select(func.coalesce(func.sum(PurchasingAllocation.amount), 0)).where(
                            PurchasingAllocation.invoice_id == i.id
                        )
                    )
                    assert i.amount_residual == i.amount_total - D(got or 0).quantize(D("0.01"))
            advance = sum((p.amount_unallocated for p in paid if p.state == "posted"), D("0.00"))
            late = sum(
                (i.amount_residual for i in invoices if i.state == "posted" and i.due_date < TODAY),
                D("0.00"),
            )
            # what was invoiced less what was paid, seen from the documents' totals
            invoiced = sum((i.amount_total for i in invoices if i.state == "posted"), D("0.00"))
            spent = sum((p.amount_total for p in paid if p.state == "posted"), D("0.00"))
            one = ledger.vendor_balance(s, vendor, TODAY)
            assert one.balance == owed - advance == invoiced - spent
            assert one.overdue == late
            if vendor in found:
                assert found[vendor].balance == one.balance
            assert ledger.balance(s, vendor) == one.balance
