"""The sales lists: credit notes count negative in the invoice list's sums (totals line and
group-by rows) while their rows show their own amounts; status values show translated."""

from __future__ import annotations

import re
from decimal import Decimal as D

from sqlalchemy import select

from addons.sales import invoices
from addons.sales.models import SalesInvoice, SalesOrder
from addons.sales.views import invoices_list
from core.listing import fetch_groups, fetch_page, parse_args

from .test_sales_pages import shipped  # noqa: F401  (a fixture)


def _invoice_and_note(w, order_id):
    """A posted invoice of the shipped order and a posted credit note of one of its goods."""
    with w.session() as s:
        order = s.get(SalesOrder, order_id)
        invoice = invoices.invoice_order(s, order)
        invoices.post_invoice(s, invoice, w.user(s))
        note = invoices.credit_note(s, invoice, {invoice.lines[0].id: D("1")})
        invoices.post_invoice(s, note, w.user(s))
        s.commit()
        return (
            (invoice.amount_total, invoice.amount_residual),
            (note.amount_total, note.amount_residual),
        )


def test_credit_notes_count_negative_in_the_invoice_lists_sums(sales_world, shipped):  # noqa: F811
    w = sales_world
    (total, residual), (note_total, note_residual) = _invoice_and_note(w, shipped[0])
    assert note_total > 0
    spec = invoices_list.spec
    with w.session() as s:
        page = fetch_page(spec, parse_args(spec, {"count": "all"}, s), s)
        assert page.sums["amount_total"] == total - note_total
        assert page.sums["amount_residual"] == residual - note_residual
        shown = {r.kind: r.amount_total for r in page.rows}
        assert shown == {"invoice": total, "credit_note": note_total}  # rows as they are
        groups = fetch_groups(spec, parse_args(spec, {"group": "kind"}, s), s)
        by_kind = {g.value: g.sums["amount_total"] for g in groups}
        assert by_kind == {"invoice": total, "credit_note": -note_total}
        groups = fetch_groups(spec, parse_args(spec, {"group": "partner_id"}, s), s)
        assert [g.sums["amount_total"] for g in groups] == [total - note_total]
        assert s.get(SalesInvoice, page.rows[0].id) is not None


def _tr(amount: D) -> str:
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def test_the_invoice_list_page_shows_the_signed_totals(sales_world, web, shipped):  # noqa: F811
    import re

    w = sales_world
    (total, residual), (note_total, note_residual) = _invoice_and_note(w, shipped[0])
    page = web.get("/sales/invoices?count=all").get_data(as_text=True)
    footer = re.search(r"<tfoot.*?</tfoot>", page, re.S).group(0)
    assert f"{_tr(total - note_total)} ₺" in footer
    assert f"{_tr(residual - note_residual)} ₺" in footer
    assert f"{_tr(total + note_total)} ₺" not in footer


def _shown(page: str) -> dict[str, str]:
    """The read-only fields of a record page: label -> value."""
    return dict(
        re.findall(
            r'<span class="form-label d-block">([^<]+)</span>'
            r'<span class="form-control-plaintext" data-value-of="[^"]+">([^<]*)</span>',
            page,
        )
    )


def test_status_fields_show_translated_labels_and_values(sales_world, web, shipped):  # noqa: F811
    w = sales_world
    _invoice_and_note(w, shipped[0])
    with w.session() as s:
        note = s.scalars(select(SalesInvoice).where(SalesInvoice.kind == "credit_note")).one()
        note_id = note.id
    shown = _shown(web.get(f"/sales/invoices/{note_id}").get_data(as_text=True))
    assert shown["Tür"] == "İade faturası"
    assert shown["Tahsilat"] == "Ödendi"  # set against its invoice
    assert "KDV hariç" in shown and "Açık tutar" in shown and "Ödenen" in shown
    shown = _shown(web.get(f"/sales/orders/{shipped[0]}").get_data(as_text=True))
    assert shown["Teslim"] == "Kısmen"
    assert shown["Faturalanan"] == "Faturalanacak"  # the credited bag is to invoice again
    page = web.get(f"/sales/orders/{shipped[0]}").get_data(as_text=True)
    assert "Qty delivered" not in page and "Teslim" in page
    # the English UI shows labels, never the stored values
    web.post("/language", data={"language": "en", "csrf_token": web.token_})
    shown = _shown(web.get(f"/sales/invoices/{note_id}").get_data(as_text=True))
    assert shown["Kind"] == "Credit note" and shown["Payment"] == "Fully paid"
    page = web.get("/sales/invoices?count=all").get_data(as_text=True)
    assert ">not_paid<" not in page and "Not paid" in page and ">credit_note<" not in page
    page = web.get("/sales/invoices?group=payment_state").get_data(as_text=True)
    assert "Not paid" in page and ">not_paid<" not in page
    page = web.get("/sales/orders?group=delivery_status").get_data(as_text=True)
    assert "Partly" in page


def test_credit_notes_are_negative_on_the_customer_timeline(sales_world, shipped):  # noqa: F811
    from addons.sales.hooks import partner_activities
    from core.models import Partner

    w = sales_world
    (total, _), (note_total, _) = _invoice_and_note(w, shipped[0])
    with w.session() as s:
        found = partner_activities(s.get(Partner, w.customer_id), 50)
        amounts = {a.kind: a.amount for a in found if a.kind.endswith(("invoice", "credit_note"))}
    assert amounts == {"sales.invoice": total, "sales.credit_note": -note_total}


def test_related_documents_show_as_numbers_linking_to_them(sales_world, web):
    from addons.sales import deliveries, orders, quotes
    from addons.sales.schemas import QuoteSchema

    w = sales_world
    with w.session() as s:
        quote = quotes.create_quote(
            s,
            QuoteSchema().load(
                {
                    "partner_id": w.customer_id,
                    "lines": [{"product_id": w.goods_id, "quantity": "2"}],
                }
            ),
        )
        order = quotes.accept_quote(s, quote, w.user(s))
        delivery = orders.confirm_order(s, order, w.user(s))
        deliveries.ship_delivery(s, delivery, w.user(s))
        invoice = invoices.invoice_order(s, order)
        invoices.post_invoice(s, invoice, w.user(s))
        note = invoices.credit_note(s, invoice, {invoice.lines[0].id: D("1")})
        s.commit()
        q, o, d, i, n = ((doc.id, doc.number) for doc in (quote, order, delivery, invoice, note))

    def link(url: str, text: str) -> str:
        return f'<a href="{url}">{text}</a>'

    page = web.get(f"/sales/orders/{o[0]}").get_data(as_text=True)
    assert _shown_links(page)["Teklif"] == link(f"/sales/quotes/{q[0]}", q[1])
    related = page[page.index("related-documents") :]
    assert link(f"/sales/deliveries/{d[0]}", d[1]) in related
    assert link(f"/sales/invoices/{i[0]}", i[1]) in related
    assert link(f"/sales/invoices/{n[0]}", "(taslak)") in related  # the draft credit note
    page = web.get(f"/sales/deliveries/{d[0]}").get_data(as_text=True)
    assert _shown_links(page)["Satış siparişi"] == link(f"/sales/orders/{o[0]}", o[1])
    page = web.get(f"/sales/invoices/{i[0]}").get_data(as_text=True)
    assert _shown_links(page)["Satış siparişi"] == link(f"/sales/orders/{o[0]}", o[1])
    page = web.get(f"/sales/invoices/{n[0]}").get_data(as_text=True)
    assert _shown_links(page)["İade edilen fatura"] == link(f"/sales/invoices/{i[0]}", i[1])


def _shown_links(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<span class="form-label d-block">([^<]+)</span>'
            r'<span class="form-control-plaintext" data-value-of="[^"]+">(<a [^>]+>[^<]*</a>)',
            page,
        )
    )
