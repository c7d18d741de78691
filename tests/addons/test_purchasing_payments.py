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
        "allocations": {1: {"invoice_id": ["more than is left of the vendor payment"]}}
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
    assert exc.value.normalized_messages() == {"state": ["the vendor payment is posted already"]}
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


# ----------------------------------------------------------------------------- pages and API
def _company(world):
    from core.models import Company

    with world.runtime.db.Session() as s:
        found = s.get(Company, world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def clients(world, company_client):
    """Web/API clients of the world's manager (accountant) and requester (not one)."""
    company = _company(world)
    made = {}
    for name in ("boss", "req"):
        made[name] = company_client(company, roles=[], email=f"{name}@alim.test")
        made[name].token_ = made[name].csrf_token()
    return made


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_json()


def _id(response) -> int:
    import re

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/(\d+)$", response.headers["Location"]).group(1))


def test_a_payment_through_the_pages(world, clients):
    web, req = clients["boss"], clients["req"]
    first = invoice(world, "100.00", due=TODAY - timedelta(days=5))
    second = invoice(world, "50.00", due=TODAY + timedelta(days=5))
    assert web.get("/purchasing/payments/new").status_code == 200
    pid = _id(
        web.post(
            "/purchasing/payments/new",
            data={
                "csrf_token": web.token_,
                "partner_id": str(world.vendor_id),
                "date": TODAY.isoformat(),
                "amount": "120,00",
                "method": "bank",
                "reference": "EFT-77",
            },
        )
    )
    page = web.get(f"/purchasing/payments/{pid}").get_data(as_text=True)
    assert f'href="/purchasing/payments/{pid}/post"' in page
    assert req.get(f"/purchasing/payments/{pid}/post").status_code == 403
    picker = web.get(f"/purchasing/payments/{pid}/post")
    text = picker.get_data(as_text=True)
    assert picker.status_code == 200 and f'name="pick-{first}"' in text
    # more than is open on the second invoice: shown under it, nothing written
    r = web.post(
        f"/purchasing/payments/{pid}/post",
        data={"csrf_token": web.token_, f"pick-{second}": "60"},
    )
    assert r.status_code == 400 and pay_state(world, pid) == ("draft", D("0.00"))
    assert f'data-error-for="pick-{second}"' in r.get_data(as_text=True)
    r = web.post(
        f"/purchasing/payments/{pid}/post",
        data={"csrf_token": web.token_, f"pick-{second}": "50", f"pick-{first}": "30"},
    )
    assert r.status_code == 302
    assert residual(world, second) == (D("50.00"), D("0.00"), "paid")
    assert residual(world, first) == (D("30.00"), D("70.00"), "partial")
    assert pay_state(world, pid) == ("posted", D("40.00"))
    page = web.get(f"/purchasing/payments/{pid}").get_data(as_text=True)
    assert "payment-allocations" in page and "payment-advance" in page
    assert f"/purchasing/payments/{pid}/cancel" in page
    for path in ("/purchasing/payments", "/purchasing/payments?export=csv"):
        assert web.get(path).status_code == 200
    listed = web.get(f"/purchasing/payments?f.partner_id={world.vendor_id}&f.state=posted")
    assert "EFT-77" in listed.get_data(as_text=True)

    # the vendor's partner page and the balances list: 70 open less the 40 advance
    partner_page = web.get(f"/partners/{world.vendor_id}").get_data(as_text=True)
    assert (
        'class="row mb-2 vendor-balance"' in partner_page and 'data-balance="30.00"' in partner_page
    )
    assert "vendor-open-invoices" in partner_page
    assert f'href="/purchasing/payments/{pid}"' in partner_page  # on the timeline
    assert "activity-purchasing-invoice" in partner_page
    balances = web.get("/purchasing/vendors/balances").get_data(as_text=True)
    assert f'data-vendor="{world.vendor_id}"' in balances and 'data-balance="30.00"' in balances
    late = web.get("/purchasing/vendors/balances?overdue=1").get_data(as_text=True)
    assert f'data-vendor="{world.vendor_id}"' in late
    assert req.get("/purchasing/vendors/balances").status_code == 200

    assert (
        req.post(f"/purchasing/payments/{pid}/cancel", data={"csrf_token": req.token_}).status_code
        == 403
    )
    r = web.post(f"/purchasing/payments/{pid}/cancel", data={"csrf_token": web.token_})
    assert r.status_code == 302 and pay_state(world, pid) == ("cancelled", D("0.00"))
    assert residual(world, first) == (D("0.00"), D("100.00"), "not_paid")


def test_a_payment_through_the_api(world, clients):
    api, req = clients["boss"], clients["req"]
    a = invoice(world, "100.00", due=TODAY - timedelta(days=5))
    b = invoice(world, "40.00", due=TODAY + timedelta(days=5))
    theirs = invoice(world, "10.00", vendor=world.other_vendor_id)
    made = _ok(
        api.post(
            "/api/v1/purchasing/payments",
            json={"partner_id": world.vendor_id, "amount": "150.00", "method": "cheque"},
        ),
        201,
    )
    pid = made["id"]
    assert (made["state"], made["number"], made["amount"]) == ("draft", None, "150.00")
    bad = api.post(
        "/api/v1/purchasing/payments", json={"partner_id": world.vendor_id, "amount": "0"}
    )
    assert bad.status_code == 400 and "amount" in bad.get_json()["errors"]
    changed = _ok(api.patch(f"/api/v1/purchasing/payments/{pid}", json={"amount": "130.00"}))
    assert changed["amount"] == "130.00"
    listed = _ok(api.get(f"/api/v1/purchasing/payments?f.partner_id={world.vendor_id}"))
    assert [row["id"] for row in listed["items"]] == [pid]

    refused = api.post(
        f"/api/v1/purchasing/payments/{pid}/post",
        json={
            "allocations": [
                {"invoice_id": theirs, "amount": "10"},
                {"invoice_id": b, "amount": "41"},
            ]
        },
    )
    assert refused.status_code == 400, refused.get_data(as_text=True)
    errors = refused.get_json()["errors"]["allocations"]
    assert set(errors) == {"0", "1"} and allocations(world) == 0
    assert req.post(f"/api/v1/purchasing/payments/{pid}/post", json={}).status_code == 403
    posted = _ok(
        api.post(
            f"/api/v1/purchasing/payments/{pid}/post",
            json={
                "allocations": [
                    {"invoice_id": b, "amount": "40"},
                    {"invoice_id": a, "amount": "60"},
                ]
            },
        )
    )
    assert posted["state"] == "posted" and posted["number"].startswith("ODM-")
    assert posted["amount_unallocated"] == "30.00"
    assert api.post(f"/api/v1/purchasing/payments/{pid}/post", json={}).status_code == 409
    assert api.patch(f"/api/v1/purchasing/payments/{pid}", json={"amount": "1"}).status_code == 400

    balance = _ok(api.get(f"/api/v1/purchasing/vendors/{world.vendor_id}/balance"))
    assert balance["balance"] == "10.00"  # 40 open on the first invoice, 30 advanced
    assert (balance["invoiced_open"], balance["advances"], balance["overdue"]) == (
        "40.00",
        "30.00",
        "40.00",
    )
    assert balance["open_invoices"] == 1
    assert api.get("/api/v1/purchasing/vendors/999999/balance").status_code == 404

    cancelled = _ok(api.post(f"/api/v1/purchasing/payments/{pid}/cancel"))
    assert cancelled["state"] == "cancelled"
    assert api.post(f"/api/v1/purchasing/payments/{pid}/cancel").status_code == 409
    assert residual(world, a)[1] == D("100.00") and residual(world, b)[1] == D("40.00")
    # the automatic path through the API: oldest due first
    second = _ok(
        api.post(
            "/api/v1/purchasing/payments", json={"partner_id": world.vendor_id, "amount": "120"}
        ),
        201,
    )
    _ok(api.post(f"/api/v1/purchasing/payments/{second['id']}/post"))
    assert residual(world, a) == (D("100.00"), D("0.00"), "paid")
    assert residual(world, b) == (D("20.00"), D("20.00"), "partial")


def test_another_companys_payment_is_unknown(world, clients, make_company, company_client):
    pid = payment(world, "10.00")
    other = make_company("BASKA", addons=["purchasing"])
    stranger = company_client(other, roles=["purchasing.manager"])
    assert stranger.get(f"/purchasing/payments/{pid}").status_code == 404
    assert stranger.get(f"/api/v1/purchasing/payments/{pid}").status_code == 404
    assert stranger.post(f"/api/v1/purchasing/payments/{pid}/post", json={}).status_code == 404
    balance = stranger.get(f"/api/v1/purchasing/vendors/{world.vendor_id}/balance")
    assert balance.status_code == 404


def test_the_payment_pdf(world, clients):
    import io

    from pypdf import PdfReader

    inv = invoice(world, "100.00")
    pid = payment(world, "250.00", reference="EFT-9")
    number = post(world, pid)
    response = clients["boss"].get(f"/documents/purchasing.payment/{pid}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    with world.session() as s:
        inv_number = s.get(PurchasingInvoice, inv).number
    assert number in text and inv_number in text and "Demir Çelik" in text
    assert "250,00" in text and "150,00" in text and "EFT-9" in text
    assert "Ödeme Makbuzu" in text or "Tediye" in text
