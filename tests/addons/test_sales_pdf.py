"""The sales PDFs (quote, order confirmation, delivery note, invoice and credit note,
payment receipt): made through the services, fetched as a user would, read back with pypdf."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from addons.sales import deliveries, invoices, orders, payments, quotes
from addons.sales.schemas import LineSchema, QuoteSchema
from core.companies import get_company, set_letterhead
from core.models import Company
from core.partners import create_partner
from core.testing.plugin import client_for

CUSTOMER = "Çağrı Işıkoğlu İnşaat Şti."
VALID_UNTIL = date.today() + timedelta(days=30)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def new_customer(world, name=CUSTOMER):
    with world.session() as s:
        partner = create_partner(
            s,
            {
                "name": name,
                "is_customer": True,
                "email": "muhasebe@cagri.test",
                "tax_office": "Kadıköy",
                "tax_id": "1234567890",
                "payment_term_id": world.term_id,
                "addresses": [
                    {
                        "kind": "billing",
                        "street": "Bağdat Cad. No: 5",
                        "district": "Kadıköy",
                        "city": "İstanbul",
                        "postal_code": "34710",
                    }
                ],
            },
        )
        partner_id = partner.id
        s.commit()
    return partner_id


@pytest.fixture
def world(sales_world, yaprak_runtime):
    with yaprak_runtime.db.transaction() as s:
        set_letterhead(
            s.get(Company, sales_world.company_id), address="Ataşehir Bulvarı 12\nİstanbul"
        )
    sales_world.partner = new_customer(sales_world)
    return sales_world


@pytest.fixture
def client(world, yaprak_app):
    with world.runtime.db.Session() as s:
        company = get_company(s, "SATIS")
    return client_for(yaprak_app, company, roles=("sales.manager",))


def fetch(client, kind: str, document_id: int) -> str:
    response = client.get(f"/documents/sales.{kind}/{document_id}.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf"
    return pdf_text(response.data)


def make_quote(w, s, partner_id):
    """10 x Çimento at 10 % off (900 + %20 KDV) and freight (100 + %10 KDV)."""
    data = QuoteSchema().load(
        {
            "partner_id": partner_id,
            "valid_until": VALID_UNTIL.isoformat(),
            "salesperson_id": w.user_id,
            "lines": [
                {"product_id": w.goods_id, "quantity": "10", "discount": "10"},
                {"description": "Nakliye <İzmir>", "quantity": "1", "unit_price": "100",
                 "tax_rate": 10},
            ],
        }
    )  # fmt: skip
    quote = quotes.create_quote(s, data)
    quotes.send_quote(s, quote, w.user(s))
    return quote


def invoiced(w, s, quantity="10"):
    """An order of ``quantity`` Çimento at 100 + %20 KDV, delivered and invoiced."""
    line = LineSchema().load({"product_id": w.goods_id, "quantity": quantity})
    order = orders.create_order(s, {"partner_id": w.partner, "lines": [line]})
    delivery = orders.confirm_order(s, order, w.user(s))
    deliveries.update_delivery(
        s,
        delivery,
        {
            "lines": [{"order_line_id": delivery.lines[0].order_line_id, "quantity": D(quantity)}],
            "carrier": "Yurtiçi Kargo",
            "tracking_reference": "YK-778899",
        },
    )
    deliveries.ship_delivery(s, delivery, w.user(s))
    invoice = invoices.invoice_order(s, order)
    invoices.post_invoice(s, invoice, w.user(s))
    return order, delivery, invoice


def assert_letterhead_and_customer(text: str) -> None:
    assert "Ataşehir Bulvarı 12" in text
    assert CUSTOMER in text
    assert "Bağdat Cad. No: 5, Kadıköy, İstanbul, 34710" in text
    assert "Vergi dairesi: Kadıköy" in text
    assert "VKN: 1234567890" in text


def test_quote_pdf(world, client):
    w = world
    with w.session() as s:
        quote = make_quote(w, s, w.partner)
        number, quote_id = quote.number, quote.id
        s.commit()
    text = fetch(client, "quote", quote_id)
    assert f"Teklif {number}" in text
    assert_letterhead_and_customer(text)
    assert f"Geçerlilik tarihi {VALID_UNTIL.strftime('%d.%m.%Y')}" in text
    assert "Satış temsilcisi Selin Satış" in text
    assert "Çimento 50 kg" in text and "Nakliye <İzmir>" in text
    assert "100,00 ₺" in text and "%10" in text  # unit price, discount
    assert "900,00 ₺" in text
    # the KDV breakdown: base and tax per rate, then the totals
    assert "%20 900,00 ₺ 180,00 ₺" in text
    assert "%10 100,00 ₺ 10,00 ₺" in text
    assert "Ara toplam 1.000,00 ₺" in text
    assert "KDV (%20) 180,00 ₺" in text and "KDV (%10) 10,00 ₺" in text
    assert "Genel toplam 1.190,00 ₺" in text


def test_order_confirmation_pdf(world, client):
    w = world
    with w.session() as s:
        quote = make_quote(w, s, w.partner)
        order = quotes.accept_quote(s, quote, w.user(s))
        orders.confirm_order(s, order, w.user(s))
        number, quote_number, order_id = order.number, quote.number, order.id
        s.commit()
    text = fetch(client, "order", order_id)
    assert f"Sipariş Onayı {number}" in text
    assert quote_number in text
    assert_letterhead_and_customer(text)
    assert "Nakliye <İzmir>" in text
    assert "%20 900,00 ₺ 180,00 ₺" in text
    assert "Genel toplam 1.190,00 ₺" in text


def test_delivery_note_pdf_has_quantities_and_no_prices(world, client):
    w = world
    with w.session() as s:
        order, delivery, _ = invoiced(w, s, quantity="12.5")
        number, order_number, delivery_id = delivery.number, order.number, delivery.id
        shipped = delivery.date.strftime("%d.%m.%Y")
        s.commit()
    text = fetch(client, "delivery", delivery_id)
    assert f"İrsaliye {number}" in text
    assert_letterhead_and_customer(text)
    assert f"Sevk tarihi {shipped}" in text
    assert f"Sipariş {order_number}" in text
    assert "Taşıyıcı Yurtiçi Kargo" in text and "Kargo takip no YK-778899" in text
    assert "Çimento 50 kg 12,5" in text
    assert "₺" not in text  # no prices on a delivery note


def test_invoice_pdf_with_total_in_words(world, client):
    w = world
    with w.session() as s:
        _, _, invoice = invoiced(w, s)
        assert invoice.amount_total == D("1200.00")
        number, invoice_id = invoice.number, invoice.id
        due = invoice.due_date.strftime("%d.%m.%Y")
        s.commit()
    text = fetch(client, "invoice", invoice_id)
    assert f"Fatura {number}" in text and "İade" not in text
    assert_letterhead_and_customer(text)
    assert f"Vade tarihi {due}" in text
    assert "Çimento 50 kg 10 100,00 ₺" in text
    assert "%20 1.000,00 ₺ 200,00 ₺" in text
    assert "Ara toplam 1.000,00 ₺" in text and "KDV (%20) 200,00 ₺" in text
    assert "Genel toplam 1.200,00 ₺" in text
    assert "Yalnız: BinİkiYüzTürkLirası" in text


def test_credit_note_pdf(world, client):
    w = world
    with w.session() as s:
        _, _, invoice = invoiced(w, s)
        note = invoices.credit_note(s, invoice, {invoice.lines[0].id: D("2")})
        invoices.post_invoice(s, note, w.user(s))
        number, invoice_number, note_id = note.number, invoice.number, note.id
        s.commit()
    text = fetch(client, "invoice", note_id)
    assert f"İade Faturası {number}" in text
    assert f"Asıl fatura {invoice_number}" in text
    assert_letterhead_and_customer(text)
    assert "Genel toplam 240,00 ₺" in text
    assert "Yalnız: İkiYüzKırkTürkLirası" in text


def test_payment_receipt_pdf(world, client):
    w = world
    with w.session() as s:
        _, _, invoice = invoiced(w, s)
        payment = payments.create_payment(
            s, {"partner_id": w.partner, "amount": D("1250.50"), "reference": "EFT-42"}
        )
        payments.post_payment(s, payment, w.user(s))
        number, invoice_number, payment_id = payment.number, invoice.number, payment.id
        s.commit()
    text = fetch(client, "payment", payment_id)
    assert f"Tahsilat Makbuzu {number}" in text
    assert_letterhead_and_customer(text)
    assert "Referans EFT-42" in text
    assert invoice_number in text and "1.200,00 ₺" in text  # what it paid
    assert "Müşteri alacağı 50,50 ₺" in text
    assert "Tahsil edilen tutar 1.250,50 ₺" in text
    assert "Yalnız: BinİkiYüzElliTürkLirasıElliKuruş" in text


def test_a_document_is_printed_in_its_customers_language(world, client):
    from core.models import Partner

    w = world
    with w.session() as s:
        _, _, invoice = invoiced(w, s)
        invoice_id = invoice.id
        s.commit()
    # an English-speaking clerk prints a Turkish customer's invoice: Turkish
    client.client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    text = fetch(client, "invoice", invoice_id)
    assert "Fatura FTR-" in text and "Genel toplam 1.200,00 ₺" in text
    # the customer reads English: English labels, numbers and words, whoever prints it
    with w.session() as s:
        s.get(Partner, s.get(type(invoice), invoice_id).partner_id).language = "en"
        s.commit()
    client.client.post("/language", data={"language": "tr", "csrf_token": client.csrf_token()})
    text = fetch(client, "invoice", invoice_id)
    assert "Invoice FTR-" in text and "Grand total ₺1,200.00" in text
    assert "VAT (20%) ₺200.00" in text and "%20" not in text  # rates as English writes them
    assert "Amount in words: one thousand two hundred Turkish lira" in text
    page = client.get(f"/sales/invoices/{invoice_id}").get_data(as_text=True)
    assert "Fatura" in page  # the page around it stays in the user's language


def test_customer_name_is_printed_as_text(world, client):
    w = world
    name = "<script>alert('x')</script> <b>Kalın</b> Ltd."
    partner_id = new_customer(w, name=name)
    with w.session() as s:
        quote = make_quote(w, s, partner_id)
        quote_id = quote.id
        s.commit()
    text = " ".join(fetch(client, "quote", quote_id).split())  # the name wraps
    assert name in text


def test_who_may_not_read_the_pdfs(world, client, yaprak_app, make_company):
    w = world
    with w.session() as s:
        quote = make_quote(w, s, w.partner)
        quote_id = quote.id
        s.commit()
    with w.runtime.db.Session() as s:
        company = get_company(s, "SATIS")
    without_sales = client_for(yaprak_app, company, roles=("user",))
    assert without_sales.get(f"/documents/sales.quote/{quote_id}.pdf").status_code == 404
    other = make_company("DIGER", addons=["sales"])
    stranger = client_for(yaprak_app, other, roles=("sales.manager",))
    assert stranger.get(f"/documents/sales.quote/{quote_id}.pdf").status_code == 404
    assert client.get(f"/documents/sales.quote/{quote_id}.pdf").status_code == 200


def test_a_company_version_of_the_invoice_renders_in_the_sandbox(world, client):
    """A company's own invoice template (sandboxed) still has the includes and extra.sales."""
    from core.templates import file_source, set_override, template_folders

    w = world
    shipped = template_folders(w.runtime.kernel)
    source = file_source("sales/pdf/invoice.html", shipped)
    source = source.replace("{% block footer %}", "{% block footer %}<p>Bizim fatura</p>")
    with w.session() as s:
        set_override(s, "sales/pdf/invoice.html", source, shipped)
        _, _, invoice = invoiced(w, s)
        invoice_id = invoice.id
        s.commit()
    text = fetch(client, "invoice", invoice_id)
    assert "Bizim fatura" in text
    assert "%20 1.000,00 ₺ 200,00 ₺" in text and "Yalnız: BinİkiYüzTürkLirası" in text
    assert "VKN: 1234567890" in text


def test_the_invoice_header_shows_the_companys_tax_office_tax_id_and_contacts(world, client):
    """A Turkish invoice's header: the company's tax office and VKN, MERSİS and trade
    registry numbers, phone, e-mail and web address; a sole proprietor's TCKN as such."""
    from core.companies import update_header

    w = world
    with w.runtime.db.transaction() as s:
        update_header(
            s.get(Company, w.company_id),
            {
                "tax_office": "Kozyatağı",
                "tax_id": "4682013572",
                "mersis_no": "0468201357200015",
                "trade_registry_no": "845120-5",
                "phone": "+90 216 555 01 23",
                "email": "info@satis.test",
                "website": "www.satis.com.tr",
            },
        )
    with w.session() as s:
        _, _, invoice = invoiced(w, s)
        invoice_id = invoice.id
        s.commit()
    text = fetch(client, "invoice", invoice_id)
    header = text[text.index("SATIS Ltd.") :]  # the running header (pypdf reads it last)
    assert "Ataşehir Bulvarı 12" in header
    assert "Vergi dairesi: Kozyatağı · VKN: 4682013572" in header
    assert "MERSİS No: 0468201357200015 · Ticaret Sicil No: 845120-5" in header
    assert "Tel: +90 216 555 01 23 · info@satis.test · www.satis.com.tr" in header
    assert "VKN: 1234567890" in text  # the customer's, in its own block

    with w.runtime.db.transaction() as s:  # a sole proprietorship: the owner's TCKN
        update_header(s.get(Company, w.company_id), {"tax_id": "10000000146", "mersis_no": ""})
    text = fetch(client, "invoice", invoice_id)
    assert "Vergi dairesi: Kozyatağı · TCKN: 10000000146" in text
    assert "MERSİS" not in text and "Ticaret Sicil No: 845120-5" in text
