"""The demo company: every loaded add-on enabled, each one's demo data added."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.auth import add_user, find_user, grant
from core.companies import add_company, enable_in_session, update_header
from core.kernel import lifecycle
from core.mail import MAIL_HELD
from core.models import Company
from core.tenancy import act_for

if TYPE_CHECKING:
    from core.runtime import Runtime

DEMO_NAME = "Yaprak Demo Ticaret A.Ş."
DEMO_PASSWORD = "demo1234"
#: What the demo company's documents print in their header (a made-up VKN with a valid
#: check digit; MERSİS: 0, the VKN, then 5 digits).
DEMO_HEADER = {
    "address": "Barbaros Mah. Begonya Sok. No: 3\n34746 Ataşehir / İstanbul",
    "tax_office": "Kozyatağı",
    "tax_id": "4682013572",
    "mersis_no": "0468201357200015",
    "trade_registry_no": "845120-5",
    "phone": "+90 216 555 01 23",
    "email": "info@yaprakdemo.com.tr",
    "website": "www.yaprakdemo.com.tr",
}
#: How much each add-on's demo makes (``demo_data(company, size)``): ``small`` is a few
#: records of every kind (tests, a quick look), ``full`` enough for reports to be interesting.
DEMO_SIZES = ("small", "full")


def demo_email(code: str) -> str:
    return f"admin@{code.lower()}.demo"


ADDRESSES = {
    "Kadıköy": ("Caferağa Mah. Moda Cad. No: 18", "İstanbul", "34710"),
    "Bornova": ("Kazımdirik Mah. 372. Sok. No: 4", "İzmir", "35100"),
    "Çankaya": ("Kızılay Mah. Atatürk Blv. No: 112", "Ankara", "06420"),
    "Nilüfer": ("Fethiye Mah. Fatih Sultan Mehmet Blv. No: 9", "Bursa", "16140"),
    "Ortahisar": ("Kemerkaya Mah. Uzun Sok. No: 31", "Trabzon", "61030"),
    "Seyhan": ("Reşatbey Mah. Atatürk Cad. No: 27", "Adana", "01120"),
    "Gebze": ("Organize Sanayi Bölgesi 800. Sok. No: 3", "Kocaeli", "41400"),
    "Kepez": ("Varsak Mah. 5005. Sok. No: 12", "Antalya", "07210"),
    "Çorlu": ("Velimeşe OSB 252. Sok. No: 6", "Tekirdağ", "59850"),
}

PARTNERS = [  # name, kind, id, district, e-mail, group, term
    (
        "Anadolu Gıda Dağıtım A.Ş.",
        "customer",
        "1234567890",
        "Kadıköy",
        "satinalma@anadolugida.com.tr",
        "Toptan",
        "30 gün",
    ),
    (
        "Ege Yapı Malzemeleri Ltd. Şti.",
        "customer",
        "9876543217",
        "Bornova",
        "muhasebe@egeyapi.com.tr",
        "Bayi",
        "60 gün",
    ),
    (
        "Başkent Ofis Çözümleri A.Ş.",
        "customer",
        "4567891233",
        "Çankaya",
        "info@baskentofis.com.tr",
        "Kurumsal",
        "Peşin",
    ),
    (
        "Ayşe Yılmaz",
        "person",
        "12345678950",
        "Nilüfer",
        "ayse.yilmaz@example.com",
        "Perakende",
        "Peşin",
    ),
    (
        "Karadeniz Lojistik A.Ş.",
        "prospect",
        "7418529632",
        "Ortahisar",
        "iletisim@karadenizlojistik.com.tr",
        None,
        None,
    ),
    (
        "Çukurova Tekstil San. ve Tic. Ltd. Şti.",
        "prospect",
        "3692581472",
        "Seyhan",
        "satis@cukurovatekstil.com.tr",
        None,
        None,
    ),
    (
        "Marmara Kağıt Sanayi A.Ş.",
        "vendor",
        "1597534860",
        "Gebze",
        "siparis@marmarakagit.com.tr",
        None,
        "45 gün",
    ),
    (
        "Akdeniz Ambalaj Ltd. Şti.",
        "vendor",
        "2583691473",
        "Kepez",
        "satis@akdenizambalaj.com.tr",
        None,
        "30 gün",
    ),
    (
        "Trakya Elektrik Malzemeleri A.Ş.",
        "vendor",
        "1472583693",
        "Çorlu",
        "bayi@trakyaelektrik.com.tr",
        None,
        "30 gün",
    ),
]

PRODUCTS = [  # code, name, category, type, uom, list, cost, KDV, vendor, vendor price, lead, min
    (
        "KGT-A4-80",
        "A4 Fotokopi Kağıdı 80 g (500'lü)",
        "Kırtasiye",
        "goods",
        "PK",
        "185.00",
        "132.50",
        20,
        "Marmara Kağıt Sanayi A.Ş.",
        "130.00",
        5,
        "50",
    ),
    (
        "KLS-TK-50",
        "Tükenmez Kalem Mavi (50'li kutu)",
        "Kırtasiye",
        "goods",
        "BX",
        "240.00",
        "165.00",
        20,
        "Marmara Kağıt Sanayi A.Ş.",
        "160.00",
        7,
        "10",
    ),
    (
        "AMB-KL-40",
        "Koli 40x30x30 cm",
        "Ambalaj",
        "goods",
        "C62",
        "18.50",
        "11.20",
        20,
        "Akdeniz Ambalaj Ltd. Şti.",
        "11.00",
        3,
        "200",
    ),
    (
        "AMB-ST-50",
        "Streç Film 50 cm x 300 m",
        "Ambalaj",
        "goods",
        "C62",
        "310.00",
        "225.00",
        20,
        "Akdeniz Ambalaj Ltd. Şti.",
        "220.00",
        4,
        "24",
    ),
    (
        "ELK-KB-25",
        "NYA Kablo 2,5 mm² (100 m)",
        "Elektrik",
        "goods",
        "PK",
        "1450.00",
        "1085.00",
        20,
        "Trakya Elektrik Malzemeleri A.Ş.",
        "1070.00",
        10,
        "5",
    ),
    (
        "ELK-PRZ-3",
        "Üçlü Grup Priz",
        "Elektrik",
        "goods",
        "C62",
        "145.00",
        "92.40",
        20,
        "Trakya Elektrik Malzemeleri A.Ş.",
        "90.00",
        6,
        "20",
    ),
    (
        "GDA-CAY-1",
        "Siyah Çay 1 kg",
        "Gıda",
        "goods",
        "KGM",
        "285.00",
        "210.00",
        1,
        None,
        None,
        0,
        "0",
    ),
    (
        "HZM-KRL-1",
        "Kurulum ve Eğitim Hizmeti",
        "Hizmet",
        "service",
        "HUR",
        "1750.00",
        "900.00",
        20,
        None,
        None,
        0,
        "0",
    ),
    (
        "HZM-NAK-1",
        "Nakliye Hizmeti",
        "Hizmet",
        "service",
        "C62",
        "450.00",
        "300.00",
        20,
        None,
        None,
        0,
        "0",
    ),
]


def core_demo_data(company: Company) -> None:
    """Turkish demo master data: customer groups, payment terms, partners, products."""
    from core.db import session_of
    from core.models import PartnerGroup, PaymentTerm, ProductCategory
    from core.partners import create_partner
    from core.products import create_product

    session = session_of(company)
    groups = {}
    for name in ("Toptan", "Bayi", "Kurumsal", "Perakende"):
        groups[name] = PartnerGroup(name=name)
        session.add(groups[name])
    terms = {}
    for name, days in (("Peşin", 0), ("30 gün", 30), ("45 gün", 45), ("60 gün", 60)):
        terms[name] = PaymentTerm(name=name, days=days)
        session.add(terms[name])
    session.flush()
    partners = {}
    for name, kind, number, district, email, group, term in PARTNERS:
        street, city, postal = ADDRESSES[district]
        person = kind == "person"
        partners[name] = create_partner(
            session,
            {
                "name": name,
                "is_company": not person,
                "is_customer": kind in ("customer", "person"),
                "is_prospect": kind == "prospect",
                "is_vendor": kind == "vendor",
                "tax_id": None if person else number,
                "national_id": number if person else None,
                "tax_office": None if person else f"{district} Vergi Dairesi",
                "email": email,
                "phone": "+90 (212) 555 01 00",
                "group_id": groups[group].id if group else None,
                "payment_term_id": terms[term].id if term else None,
                "credit_limit": "250000.00" if kind == "customer" else "0.00",
                "addresses": [
                    {
                        "kind": "billing",
                        "street": street,
                        "district": district,
                        "city": city,
                        "postal_code": postal,
                    }
                ],
            },
        )
    categories = {}
    for row in PRODUCTS:
        category = row[2]
        if category not in categories:
            categories[category] = ProductCategory(name=category)
            session.add(categories[category])
    session.flush()
    for (
        code,
        name,
        category,
        kind,
        uom,
        price,
        cost,
        rate,
        vendor,
        vprice,
        lead,
        minimum,
    ) in PRODUCTS:
        vendors = []
        if vendor:
            vendors = [
                {
                    "partner_id": partners[vendor].id,
                    "vendor_code": f"V-{code}",
                    "price": vprice,
                    "lead_days": lead,
                    "min_qty": minimum,
                }
            ]
        create_product(
            session,
            {
                "code": code,
                "name": name,
                "type": kind,
                "uom": uom,
                "list_price": price,
                "cost_price": cost,
                "tax_rate": rate,
                "category_id": categories[category].id,
                "vendors": vendors,
            },
        )


def build_demo(
    runtime: Runtime,
    code: str = "DEMO",
    size: str | None = None,
    starting: Callable[[str], None] | None = None,
) -> tuple[bool, list[str]]:
    """Create company ``code`` with demo data unless it exists. Returns (created, add-ons).

    ``size`` (one of ``DEMO_SIZES``; default: the configured ``YAPRAK_DEMO_SIZE``) is passed
    to each add-on's ``demo_data``; ``starting(size)`` is called once the demo is to be
    built (the CLI says so: a full demo takes a while). Add-ons are installed first (DDL);
    the company, its enabled add-ons and all demo records are then written in one
    transaction, so a failing add-on leaves no half demo.
    """
    from core.companies import InvalidField

    code = code.strip().upper()
    size = (size or runtime.config.demo_size).strip().lower()
    if size not in DEMO_SIZES:
        raise InvalidField("size", f"{size!r}: choose {' or '.join(DEMO_SIZES)}")
    lifecycle.init_database(runtime)
    lifecycle.upgrade(runtime)
    names = list(runtime.kernel.order)
    with runtime.db.Session() as session:
        if session.scalar(select(Company.id).where(Company.code == code)) is not None:
            return False, []
    if starting is not None:
        starting(size)
    if names:
        lifecycle.install(runtime, names)
    with runtime.activate(), runtime.db.transaction() as session:
        company = add_company(session, code, DEMO_NAME, "TRY")
        update_header(company, DEMO_HEADER)
        act_for(session, company)
        user = find_user(session, demo_email(code)) or add_user(
            session, demo_email(code), "Demo Yönetici", DEMO_PASSWORD
        )
        grant(session, runtime.kernel, user, company, ["admin"])
        core_demo_data(company)
        enable_in_session(runtime, company, names)
        # A demo sends no mail: the approvers of its waiting requisitions, the vendors of its
        # orders and the customers of its quotes are made-up people (core.mail.MAIL_HELD).
        session.info[MAIL_HELD] = True
        for name in runtime.kernel.order:
            runtime.kernel.call_addon(name, "demo_data", company=company, size=size)
        session.info.pop(MAIL_HELD, None)
    return True, names
