"""Partners and products: validation of every field, Turkish ids, search keys, demo data."""

from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.demo import PARTNERS
from core.models import Partner, Product
from core.partners import create_partner, update_partner, valid_national_id, valid_tax_id
from core.products import create_product, preferred_vendor
from core.text import search_key


@pytest.fixture
def acme_session(make_company, yaprak_runtime):
    acme = make_company("ACME")
    with yaprak_runtime.db.session_for(acme, write=True) as session:
        yield session


def test_turkish_ids():
    assert valid_tax_id("1234567890") and not valid_tax_id("1234567891")
    assert not valid_tax_id("123456789") and not valid_tax_id("12345678AB")
    assert valid_national_id("12345678950") and not valid_national_id("12345678951")
    assert not valid_national_id("02345678950")  # a TCKN never starts with 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": ""}, {"name": ["Length must be between 1 and 200."]}),
        ({"name": "X", "email": "not-mail"}, {"email": ["Not a valid email address."]}),
        (
            {"name": "X", "tax_id": "1234567891"},
            {"tax_id": ["not a valid Turkish tax number (VKN: 10 digits with its check digit)"]},
        ),
        (
            {"name": "X", "national_id": "11111111111"},
            {
                "national_id": [
                    "not a valid Turkish national id (TCKN: 11 digits with its check digits)"
                ]
            },
        ),
        ({"name": "X", "credit_limit": "-5"}, {"credit_limit": ["must not be negative"]}),
        (
            {"name": "X", "currency": "XYZ"},
            {"currency": ["unknown currency 'XYZ' (an ISO 4217 code such as TRY)"]},
        ),
        ({"name": "X", "language": "de"}, {"language": ["Must be one of: tr, en."]}),
        ({"name": "X", "phone": "call me"}, {"phone": ["not a phone number"]}),
        ({"name": "X", "group_id": 999}, {"group_id": ["unknown customer group"]}),
    ],
)
def test_bad_partner_input_names_the_field_and_writes_nothing(acme_session, payload, errors):
    with pytest.raises(ValidationError) as info:
        create_partner(acme_session, payload)
    assert info.value.messages == errors
    assert acme_session.scalar(select(func.count()).select_from(Partner)) == 0


def test_a_partner_is_customer_prospect_and_vendor_in_one_row(acme_session):
    partner = create_partner(
        acme_session,
        {
            "name": "ŞEKER Dağıtım A.Ş.",
            "is_prospect": True,
            "tax_id": "1234567890",
            "email": "info@seker.com.tr",
            "credit_limit": "1000.005",
            "addresses": [
                {"kind": "billing", "city": "İSTANBUL", "district": "Kadıköy"},
                {"kind": "shipping", "city": "Kocaeli"},
            ],
        },
    )
    assert partner.credit_limit == Decimal("1000.01")  # half-up, not half-even
    assert partner.address("shipping").city == "Kocaeli"
    assert "seker" in partner.search_key and "istanbul" in partner.search_key
    update_partner(
        acme_session, partner, {"is_prospect": False, "is_customer": True, "is_vendor": True}
    )
    assert acme_session.scalar(select(func.count()).select_from(Partner)) == 1
    for typed in ("şeker", "SEKER", "Şeker", "istanbul", "İstanbul", "ISTANBUL"):
        key = f"%{search_key(typed)}%"
        assert (
            acme_session.scalar(select(Partner.id).where(Partner.search_key.like(key)))
            == partner.id
        )


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"code": "A", "name": "A", "list_price": "-1"}, {"list_price": ["must not be negative"]}),
        (
            {"code": "A", "name": "A", "tax_rate": 18},
            {"tax_rate": ["KDV rate must be 0, 1, 10 or 20"]},
        ),
        ({"code": "A", "name": "A", "uom": "XX"}, None),
        (
            {"code": "A", "name": "A", "type": "digital"},
            {"type": ["Must be one of: goods, service."]},
        ),
        (
            {"code": "A", "name": "A", "vendors": [{"partner_id": 999}]},
            {"vendors": {0: {"partner_id": ["unknown partner"]}}},
        ),
        (
            {"code": "A", "name": "A", "vendors": [{"partner_id": 1, "currency": "ABC"}]},
            {
                "vendors": {
                    0: {"currency": ["unknown currency 'ABC' (an ISO 4217 code such as TRY)"]}
                }
            },
        ),
        ({"name": "A"}, {"code": ["Missing data for required field."]}),
    ],
)
def test_bad_product_input_names_the_field(acme_session, payload, errors):
    with pytest.raises(ValidationError) as info:
        create_product(acme_session, payload)
    if errors is not None:
        assert info.value.messages == errors
    else:
        assert list(info.value.messages) == ["uom"]
    assert acme_session.scalar(select(func.count()).select_from(Product)) == 0


def test_products_with_vendors(acme_session):
    vendor = create_partner(acme_session, {"name": "Tedarik A.Ş.", "is_vendor": True})
    customer = create_partner(acme_session, {"name": "Müşteri A.Ş.", "is_customer": True})
    with pytest.raises(ValidationError) as info:
        create_product(
            acme_session, {"code": "P1", "name": "P", "vendors": [{"partner_id": customer.id}]}
        )
    assert info.value.messages == {"vendors": {0: {"partner_id": ["Müşteri A.Ş. is not a vendor"]}}}
    product = create_product(
        acme_session,
        {
            "code": "P1",
            "name": "Kağıt",
            "list_price": "12.34567",
            "vendors": [
                {
                    "partner_id": vendor.id,
                    "price": "10",
                    "lead_days": 5,
                    "min_qty": "100",
                    "sequence": 1,
                }
            ],
        },
    )
    assert product.list_price == Decimal("12.3457")
    assert preferred_vendor(product).partner.name == "Tedarik A.Ş."
    with pytest.raises(ValidationError, match="already used"):
        create_product(acme_session, {"code": "P1", "name": "again"})


def test_codes_are_unique_per_company_only(make_company, yaprak_runtime):
    for code in ("ACME", "OTHER"):
        company = make_company(code)
        with yaprak_runtime.db.transaction(company) as s:
            create_product(s, {"code": "SAME", "name": "Same code, two companies"})


def test_demo_master_data_is_turkish_and_valid(cli, yaprak_runtime):
    cli("demo", "--no-serve")
    from core.companies import get_company

    with yaprak_runtime.db.Session() as s:
        demo = get_company(s, "DEMO")
    with yaprak_runtime.db.session_for(demo) as s:
        partners = s.scalars(select(Partner)).all()
        assert {p.name for p in partners} >= {row[0] for row in PARTNERS}  # + sales' customers
        assert {p.name for p in partners if p.is_vendor} >= {"Marmara Kağıt Sanayi A.Ş."}
        assert all(valid_tax_id(p.tax_id) for p in partners if p.tax_id)
        assert any(p.national_id for p in partners)
        assert all(valid_national_id(p.national_id) for p in partners if p.national_id)
        products = s.scalars(select(Product)).all()
        assert len(products) == 9 and all(p.list_price > 0 for p in products)
        assert {p.tax_rate for p in products} == {1, 20}
