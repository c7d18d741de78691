"""The sales demo: a year of a Turkish wholesaler's sales, made through the services.

``build(company, size)`` (the ``demo_data`` hook) adds salespeople and a billing clerk,
generated customers and prospects next to core's demo partners, then plays a year that ends
today, day by day: quotes (sent, accepted, rejected, left to expire, cancelled), orders
(from quotes or typed, some cancelled), deliveries (some partial, with backorders still
waiting), invoices, credit notes (returns and wrong invoices made again) and payments (on
time, late, in parts, by monthly statement, more than owed, never). Prices rise each
quarter, so the costs frozen on the invoices change over the year. What would happen after
today is left undone: recent orders wait for delivery, recent invoices are not due yet, the
quotes nobody answered are expired by the daily job.

Every figure comes from the services (``quotes``, ``orders``, ``deliveries``, ``invoices``,
``payments``), so totals, costs, open amounts and balances agree as they do for real work;
numbers follow the documents' dates, per year. The same ``random.Random(SEED)`` and dates
relative to today make every demo alike.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Company, Partner, PartnerGroup, PaymentTerm, Product, User

from . import deliveries, invoices, orders, payments, quotes
from .models import SalesDelivery, SalesInvoice, SalesOrder, SalesQuote
from .workflows import service_transition

SEED = 20260501
DAYS = 365  # the history: the year that ends today


@dataclass(frozen=True)
class Plan:
    """How much a demo size makes."""

    customers: int  # customers in all (core's demo brings five)
    prospects: int  # prospects in all (core's demo brings two)
    orders: int  # orders over the year (partial deliveries add invoices)
    partial: float  # share of deliveries shipped in part (the rest on a backorder)
    credit: float  # share of invoices with a credit note
    cancel: float  # share of confirmed orders cancelled before delivery
    lost: float  # share of customers' quotes rejected, left to expire or cancelled
    direct: float  # share of orders typed without a quote


PLANS = {
    "small": Plan(12, 5, 40, 0.30, 0.12, 0.05, 0.25, 0.20),
    "full": Plan(200, 40, 1850, 0.10, 0.03, 0.015, 0.18, 0.25),
}

# ---------------------------------------------------------------------------- Turkish data
SALESPEOPLE = [  # name, e-mail local part, roles
    ("Selin Aksoy", "selin.aksoy", ["sales.manager"]),
    ("Murat Demir", "murat.demir", ["sales.user"]),
    ("Can Öztürk", "can.ozturk", ["sales.user"]),
]
ACCOUNTANT = ("Zeynep Arslan", "zeynep.arslan", ["sales.accountant"])

NAME_FIRST = [
    "Anadolu",
    "Ege",
    "Marmara",
    "Akdeniz",
    "Karadeniz",
    "Toros",
    "Kızılırmak",
    "Fırat",
    "Uludağ",
    "Erciyes",
    "Kaçkar",
    "Palandöken",
    "Bozdağ",
    "Yıldız",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Aydın",
    "Öztürk",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Koç",
    "Kurt",
    "Özdemir",
    "Polat",
    "Erdem",
    "Güneş",
    "Aksoy",
    "Bayrak",
    "Ekinci",
    "Tekin",
    "Başak",
    "Çınar",
    "Lale",
    "Yeşil",
    "Mavi",
    "Kartal",
    "Atlas",
    "Pınar",
    "Ufuk",
    "Tuna",
    "Sevgi",
    "Akın",
]
NAME_TRADE = [
    "Gıda",
    "Yapı",
    "Tekstil",
    "Lojistik",
    "Elektrik",
    "Mobilya",
    "Otomotiv",
    "Kırtasiye",
    "Ambalaj",
    "Market",
    "Teknoloji",
    "İnşaat",
    "Turizm",
    "Tarım",
    "Enerji",
    "Kimya",
    "Medikal",
    "Matbaa",
    "Ofis",
    "Hırdavat",
    "Dağıtım",
    "Pazarlama",
    "Plastik",
    "Metal",
]
NAME_FORM = [
    "Ltd. Şti.",
    "A.Ş.",
    "San. ve Tic. Ltd. Şti.",
    "Tic. A.Ş.",
    "San. ve Tic. A.Ş.",
    "Tic. Ltd. Şti.",
]
FIRST_NAMES = [
    "Ahmet",
    "Mehmet",
    "Mustafa",
    "Ali",
    "Hüseyin",
    "Hasan",
    "İbrahim",
    "Emre",
    "Burak",
    "Fatma",
    "Ayşe",
    "Emine",
    "Hatice",
    "Zeynep",
    "Elif",
    "Merve",
    "Büşra",
    "Özlem",
    "Derya",
]
LAST_NAMES = [
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
]
PLACES = [  # district, city, postal code, area code
    ("Ümraniye", "İstanbul", "34770", "216"),
    ("Bağcılar", "İstanbul", "34200", "212"),
    ("Beylikdüzü", "İstanbul", "34520", "212"),
    ("Tuzla", "İstanbul", "34940", "216"),
    ("Karşıyaka", "İzmir", "35530", "232"),
    ("Çiğli", "İzmir", "35620", "232"),
    ("Yenimahalle", "Ankara", "06170", "312"),
    ("Ostim", "Ankara", "06374", "312"),
    ("Osmangazi", "Bursa", "16200", "224"),
    ("İnegöl", "Bursa", "16400", "224"),
    ("Selçuklu", "Konya", "42250", "332"),
    ("Şehitkamil", "Gaziantep", "27090", "342"),
    ("Melikgazi", "Kayseri", "38030", "352"),
    ("Muratpaşa", "Antalya", "07100", "242"),
    ("İzmit", "Kocaeli", "41200", "262"),
    ("Merkezefendi", "Denizli", "20010", "258"),
    ("Tepebaşı", "Eskişehir", "26010", "222"),
    ("Atakum", "Samsun", "55200", "362"),
    ("Yüreğir", "Adana", "01240", "322"),
    ("Odunpazarı", "Eskişehir", "26040", "222"),
]
NEIGHBOURHOODS = [
    "Atatürk",
    "Cumhuriyet",
    "Yenişehir",
    "Fatih",
    "Mimar Sinan",
    "Hürriyet",
    "İstiklal",
    "Barbaros",
    "Yavuz Selim",
    "Gazi Osman Paşa",
    "Organize Sanayi",
    "Zafer",
]
STREETS = ["Cad.", "Sok.", "Blv."]
CARRIERS = ["Yurtiçi Kargo", "Aras Kargo", "MNG Kargo", "Sürat Kargo", "Kendi aracımız"]
LOST_NOTES = ["Fiyat yüksek bulundu.", "Başka tedarikçiyle çalışılacak.", "Proje ertelendi."]
QUOTE_NOTES = [
    "Fiyatlarımıza KDV dahil değildir.",
    "Teslimat siparişten sonra 3 iş günü içinde yapılır.",
    "Nakliye İstanbul içi ücretsizdir.",
    "",
    "",
]

# how much of a product one order takes (from, to, step), by product code
QUANTITIES = {
    "KGT-A4-80": (5, 60, 5),
    "KLS-TK-50": (2, 20, 1),
    "AMB-KL-40": (50, 600, 50),
    "AMB-ST-50": (2, 24, 2),
    "ELK-KB-25": (1, 12, 1),
    "ELK-PRZ-3": (5, 80, 5),
    "GDA-CAY-1": (5, 50, 5),
    "HZM-KRL-1": (2, 16, 2),
    "HZM-NAK-1": (1, 3, 1),
}
DISCOUNTS = {"Toptan": "8", "Bayi": "12", "Kurumsal": "5", "Perakende": "0"}
PRICE_STEP = Decimal("1.07")  # prices rise 7 % a quarter; today's are the products' own
# how customers pay (share of customers): on time, late, in two parts, the month's due
# invoices at once, on time rounding the amount up (their credit), late or never
PROFILES = {
    "prompt": 0.50,
    "late": 0.18,
    "partial": 0.10,
    "statement": 0.10,
    "rounder": 0.06,
    "bad": 0.06,
}
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------- the pieces
@dataclass(eq=False)
class Customer:
    partner: Partner
    salesperson: User
    profile: str
    discount: Decimal
    basket: list[Product]
    scale: int
    firsts: set[str] = field(default_factory=set)  # profile features shown once already


@dataclass(eq=False)
class Deal:
    customer: Customer
    quote: SalesQuote | None = None
    order: SalesOrder | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    cancel: bool = False
    partial: bool = False


def _vkn(rng: random.Random) -> str:
    from stdnum.tr import vkn

    body = f"{rng.randint(1, 9)}{rng.randint(0, 10**8 - 1):08d}"
    return body + vkn.calc_check_digit(body)


def _tckn(rng: random.Random) -> str:
    from stdnum.tr import tckimlik

    body = f"{rng.randint(1, 9)}{rng.randint(0, 10**8 - 1):08d}"
    return body + tckimlik.calc_check_digits(body)


def _slug(text: str) -> str:
    table = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum())


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Demo:
    """One run of the demo year for ``company`` (in its session, in one transaction)."""

    def __init__(self, session: Session, company: Company, plan: Plan, today: date) -> None:
        self.session = session
        self.company = company
        self.plan = plan
        self.today = today
        self.start = today - timedelta(days=DAYS)
        self.rng = random.Random(SEED)
        self.queue: list[tuple[date, int, int, Callable[..., None], tuple[Any, ...]]] = []
        self.counter = itertools.count()
        self.credits = 0
        self.invoices = 0
        self.confirmed = 0
        self.cancelled = 0
        self.waiting = False  # a backorder is left waiting

    # -- the calendar ---------------------------------------------------------------------
    def at(self, when: date, step: int, action: Callable[..., None], *args: Any) -> None:
        """Do ``action(when, *args)`` on ``when`` (a working day); ``step`` orders a day's
        work (prices, quotes, orders, deliveries, invoices, payments). After today: never."""
        when = self.workday(when)
        if when <= self.today:
            heapq.heappush(self.queue, (when, step, next(self.counter), action, args))

    def workday(self, when: date) -> date:
        if when.weekday() == 5:
            when -= timedelta(days=1)
        elif when.weekday() == 6:
            when += timedelta(days=1)
        return when

    def day(self, low: int = 0, high: int = DAYS) -> date:
        return self.start + timedelta(days=self.rng.randint(low, high))

    def run(self) -> None:
        while self.queue:
            when, _step, _n, action, args = heapq.heappop(self.queue)
            action(when, *args)

    # -- people and partners ----------------------------------------------------------------
    def people(self) -> None:
        from core.auth import add_user, find_user, grant
        from core.demo import DEMO_PASSWORD
        from core.runtime import current_runtime

        kernel = current_runtime().kernel
        domain = f"{self.company.code.lower()}.demo"
        made = []
        for name, local, roles in [*SALESPEOPLE, ACCOUNTANT]:
            email = f"{local}@{domain}"
            user = find_user(self.session, email) or add_user(
                self.session, email, name, DEMO_PASSWORD
            )
            grant(self.session, kernel, user, self.company, roles)
            made.append(user)
        self.salespeople, self.accountant = made[:-1], made[-1]

    def partners(self) -> None:
        from core.partners import create_partner

        rng = self.rng
        session = self.session
        groups = {g.name: g for g in session.scalars(select(PartnerGroup))}
        terms = {t.name: t for t in session.scalars(select(PaymentTerm))}
        existing = list(session.scalars(select(Partner).order_by(Partner.id)))
        names = {p.name for p in existing}
        customers = [p for p in existing if p.is_customer]
        prospects = [p for p in existing if p.is_prospect]

        def new_name(person: bool) -> str:
            while True:
                if person:
                    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                else:
                    name = (
                        f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_TRADE)} {rng.choice(NAME_FORM)}"
                    )
                if name not in names:
                    names.add(name)
                    return name

        def make(kind: str) -> Partner:
            person = kind == "customer" and rng.random() < 0.08
            name = new_name(person)
            district, city, postal, area = rng.choice(PLACES)
            street = (
                f"{rng.choice(NEIGHBOURHOODS)} Mah. {rng.randint(1, 400)}. "
                f"{rng.choice(STREETS)} No: {rng.randint(1, 120)}"
            )
            if person:
                group, term = "Perakende", "Peşin"
            else:
                group = rng.choice(["Toptan", "Toptan", "Bayi", "Kurumsal", "Kurumsal"])
                term = rng.choice(["Peşin", "30 gün", "30 gün", "30 gün", "45 gün", "60 gün"])
            slug = _slug(name.split(" ")[0] + name.split(" ")[1])
            addresses = [
                {
                    "kind": "billing",
                    "street": street,
                    "district": district,
                    "city": city,
                    "postal_code": postal,
                }
            ]
            if not person and rng.random() < 0.2:
                addresses.append(
                    {
                        "kind": "shipping",
                        "street": f"Depo: Organize Sanayi Bölgesi {rng.randint(1, 30)}. Cad. "
                        f"No: {rng.randint(1, 60)}",
                        "district": district,
                        "city": city,
                        "postal_code": postal,
                    }
                )
            return create_partner(
                session,
                {
                    "name": name,
                    "is_company": not person,
                    "is_customer": kind == "customer",
                    "is_prospect": kind == "prospect",
                    "tax_id": None if person else _vkn(rng),
                    "national_id": _tckn(rng) if person else None,
                    "tax_office": None if person else f"{district} Vergi Dairesi",
                    "email": f"{'bilgi' if person else 'muhasebe'}@{slug}.example",
                    "phone": f"+90 ({area}) 555 {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    "group_id": groups[group].id
                    if kind == "customer" and group in groups
                    else None,
                    "payment_term_id": (
                        terms[term].id if kind == "customer" and term in terms else None
                    ),
                    "credit_limit": (
                        "0.00" if kind == "prospect" else str(rng.choice([100, 250, 500]) * 1000)
                    ),
                    "addresses": addresses,
                },
            )

        while len(customers) < self.plan.customers:
            customers.append(make("customer"))
        while len(prospects) < self.plan.prospects:
            prospects.append(make("prospect"))
        self.customers = [self.customer(p, i) for i, p in enumerate(customers)]
        self.prospects = [self.customer(p, i) for i, p in enumerate(prospects)]

    def customer(self, partner: Partner, index: int) -> Customer:
        rng = self.rng
        names = list(PROFILES)
        # each way of paying shows at least once, then as often as its share
        if index < len(names):
            profile = names[index]
        else:
            profile = rng.choices(names, weights=list(PROFILES.values()))[0]
        group = partner.group.name if partner.group is not None else ""
        goods = [p for p in self.products if p.type == "goods"]
        basket = rng.sample(goods, k=min(len(goods), rng.randint(2, 5)))
        return Customer(
            partner=partner,
            salesperson=self.salespeople[index % len(self.salespeople)],
            profile=profile,
            discount=Decimal(DISCOUNTS.get(group, "0")),
            basket=basket,
            scale=rng.choice([1, 1, 1, 2, 2, 3]),
        )

    # -- prices over the year ---------------------------------------------------------------
    def prices(self) -> None:
        """Four price lists, one a quarter; the last is the products' own (today's)."""
        from core.products import update_product

        self.products = list(self.session.scalars(select(Product).order_by(Product.id)))
        today_prices = {p.id: (p.list_price, p.cost_price) for p in self.products}

        def apply(_when: date, quarters_back: int) -> None:
            factor = PRICE_STEP**quarters_back
            for product in self.products:
                price, cost = today_prices[product.id]
                if quarters_back:
                    price, cost = _money(price / factor), _money(cost / factor)
                update_product(
                    self.session, product, {"list_price": str(price), "cost_price": str(cost)}
                )

        for quarter in range(4):
            when = self.start + timedelta(days=quarter * 91)
            heapq.heappush(self.queue, (when, 0, next(self.counter), apply, (3 - quarter,)))

    # -- deals ------------------------------------------------------------------------------
    def plan_deals(self) -> None:
        rng, plan = self.rng, self.plan
        weights = [rng.lognormvariate(0, 0.9) for _ in self.customers]
        total = sum(weights)
        for customer, weight in zip(self.customers, weights, strict=True):
            count = max(1, round(plan.orders * weight / total))
            for _ in range(count):
                deal = Deal(customer, lines=self.lines(customer))
                deal.cancel = rng.random() < plan.cancel
                deal.partial = rng.random() < plan.partial
                when = self.day()
                if rng.random() < plan.direct:
                    self.at(when, 2, self.direct_order, deal)
                else:
                    self.at(when, 1, self.new_quote, deal, "won")
            # quotes this customer did not take
            for _ in range(round(count * plan.lost / (1 - plan.lost))):
                outcome = rng.choice(["rejected", "rejected", "expired", "expired", "cancelled"])
                self.at(
                    self.day(),
                    1,
                    self.new_quote,
                    Deal(customer, lines=self.lines(customer)),
                    outcome,
                )
        for index, prospect in enumerate(self.prospects):
            for n in range(rng.randint(1, 3)):
                won = n == 0 and index % 7 == 3  # about one prospect in seven is won
                outcome = "won" if won else rng.choice(["rejected", "expired", "expired"])
                deal = Deal(prospect, lines=self.lines(prospect))
                self.at(self.day(30 if n == 0 else 120), 1, self.new_quote, deal, outcome)

    def lines(self, customer: Customer) -> list[dict[str, Any]]:
        rng = self.rng
        count = rng.choices([1, 2, 3, 4], weights=[30, 35, 25, 10])[0]
        chosen = rng.sample(customer.basket, k=min(count, len(customer.basket)))
        services = {p.code: p for p in self.products if p.type == "service"}
        if "HZM-NAK-1" in services and rng.random() < 0.25:
            chosen.append(services["HZM-NAK-1"])
        if "HZM-KRL-1" in services and rng.random() < 0.08:
            chosen.append(services["HZM-KRL-1"])
        rows = []
        for product in chosen:
            low, high, step = QUANTITIES.get(product.code, (1, 10, 1))
            quantity = rng.randrange(low, high + 1, step)
            if product.type == "goods":
                quantity *= customer.scale
            discount = customer.discount if rng.random() < 0.7 else Decimal(0)
            rows.append(
                {"product_id": product.id, "quantity": Decimal(quantity), "discount": discount}
            )
        return rows

    # -- quotes and orders ------------------------------------------------------------------
    def new_quote(self, when: date, deal: Deal, outcome: str) -> None:
        rng = self.rng
        customer = deal.customer
        quote = quotes.create_quote(
            self.session,
            {
                "partner_id": customer.partner.id,
                "date": when,
                "valid_until": when + timedelta(days=30),
                "salesperson_id": customer.salesperson.id,
                "note": rng.choice(QUOTE_NOTES),
                "lines": deal.lines,
            },
        )
        deal.quote = quote
        if (self.today - when).days < 5 and rng.random() < 0.4:
            return  # still being written
        quotes.send_quote(self.session, quote, customer.salesperson, mail=False)
        if outcome == "won":
            self.at(when + timedelta(days=rng.randint(1, 12)), 2, self.accept, deal)
        elif outcome == "rejected":
            self.at(when + timedelta(days=rng.randint(3, 20)), 1, self.lose, deal, "reject")
        elif outcome == "cancelled":
            self.at(when + timedelta(days=rng.randint(1, 10)), 1, self.lose, deal, "cancel")
        # "expired": nobody answers; the daily job expires it after its validity

    def lose(self, when: date, deal: Deal, action: str) -> None:
        quote = deal.quote
        assert quote is not None
        note = (quote.note + "\n" + self.rng.choice(LOST_NOTES)).strip()
        quotes.update_quote(self.session, quote, {"note": note})
        service_transition(self.session, quote, action, deal.customer.salesperson)

    def accept(self, when: date, deal: Deal) -> None:
        assert deal.quote is not None
        deal.order = quotes.accept_quote(
            self.session, deal.quote, deal.customer.salesperson, on=when
        )
        self.confirm(when, deal)

    def direct_order(self, when: date, deal: Deal) -> None:
        customer = deal.customer
        deal.order = orders.create_order(
            self.session,
            {
                "partner_id": customer.partner.id,
                "date": when,
                "salesperson_id": customer.salesperson.id,
                "client_reference": f"PO-{when.year}-{self.rng.randint(100, 9999)}",
                "commitment_date": when + timedelta(days=self.rng.randint(1, 7)),
                "lines": deal.lines,
            },
        )
        if (self.today - when).days < 3 and self.rng.random() < 0.5:
            return  # still a draft
        self.confirm(when, deal)

    def confirm(self, when: date, deal: Deal) -> None:
        rng = self.rng
        order = deal.order
        assert order is not None
        user = deal.customer.salesperson
        delivery = orders.confirm_order(self.session, order, user)
        self.confirmed += 1
        # a cancellation: now and then, and once early on whatever chance says
        if deal.cancel or (self.cancelled == 0 and self.confirmed == 8):
            self.cancelled += 1
            self.at(when + timedelta(days=rng.randint(0, 2)), 3, self.cancel_order, deal)
            return
        if delivery is None:  # services only: invoiced when done
            self.at(when + timedelta(days=rng.randint(1, 6)), 5, self.invoice, deal)
        else:
            ship_on = order.commitment_date or when + timedelta(days=rng.randint(0, 4))
            self.at(ship_on, 4, self.ship, deal, delivery, deal.partial)

    def cancel_order(self, when: date, deal: Deal) -> None:
        assert deal.order is not None
        orders.cancel_order(self.session, deal.order, deal.customer.salesperson)

    # -- deliveries -------------------------------------------------------------------------
    def ship(self, when: date, deal: Deal, delivery: SalesDelivery, partial: bool) -> None:
        rng = self.rng
        carrier = rng.choice(CARRIERS)
        data: dict[str, Any] = {
            "date": when,
            "carrier": carrier,
            "tracking_reference": ""
            if carrier == "Kendi aracımız"
            else str(rng.randint(10**9, 10**10 - 1)),
        }
        # one backorder of the last weeks still waits for stock today, whatever chance says
        wait = not self.waiting and (self.today - when).days <= 45
        if partial or wait:
            splittable = [line for line in delivery.lines if line.quantity >= 2]
            if splittable:
                short = rng.choice(splittable)
                data["lines"] = [
                    {
                        "order_line_id": line.order_line_id,
                        "quantity": (
                            (line.quantity * Decimal(rng.randint(3, 7)) / 10).to_integral_value()
                            if line is short
                            else line.quantity
                        ),
                    }
                    for line in delivery.lines
                ]
        deliveries.update_delivery(self.session, delivery, data)
        backorder = deliveries.ship_delivery(self.session, delivery, deal.customer.salesperson)
        self.at(when + timedelta(days=rng.randint(0, 3)), 5, self.invoice, deal)
        if backorder is not None and wait:
            self.waiting = True
        elif backorder is not None:  # waiting for stock: some still wait today
            later = rng.choice([rng.randint(5, 20), rng.randint(20, 90)])
            self.at(when + timedelta(days=later), 4, self.ship, deal, backorder, False)

    # -- invoices and credit notes ----------------------------------------------------------
    def invoice(self, when: date, deal: Deal) -> None:
        rng = self.rng
        order = deal.order
        assert order is not None
        if not any(line.qty_to_invoice > 0 for line in order.lines):
            return  # invoiced already with the rest
        invoice = invoices.invoice_order(self.session, order, on=when)
        if (self.today - when).days < 3 and rng.random() < 0.3:
            return  # a draft the clerk has not posted yet
        invoices.post_invoice(self.session, invoice, self.accountant)
        self.invoices += 1
        self.pay(deal.customer, invoice)
        # a credit note: now and then, and once early on whatever chance says
        if rng.random() < self.plan.credit or (self.credits == 0 and self.invoices >= 5):
            self.credits += 1
            full = rng.random() < 0.6 or order.delivery_status != "full"
            self.at(when + timedelta(days=rng.randint(2, 20)), 6, self.credit, deal, invoice, full)

    def credit(self, when: date, deal: Deal, invoice: SalesInvoice, full: bool) -> None:
        """A wrong invoice is credited in full and made again; a return of damaged goods is
        credited for part of one line."""
        rng = self.rng
        quantities = None
        if not full:
            goods = [
                line for line in invoice.lines if line.product and line.product.type == "goods"
            ]
            if not goods:
                return
            line = rng.choice(goods)
            returned = max(Decimal(1), (line.quantity / 5).to_integral_value())
            quantities = {line.id: min(returned, line.quantity)}
        note = invoices.credit_note(self.session, invoice, quantities, on=when)
        reason = "hatalı fatura" if full else "hasarlı ürün iadesi"
        invoices.update_invoice(self.session, note, {"note": f"{invoice.number}: {reason}"})
        invoices.post_invoice(self.session, note, self.accountant)
        if full:
            self.at(when + timedelta(days=1), 5, self.invoice, deal)

    # -- payments ---------------------------------------------------------------------------
    def pay(self, customer: Customer, invoice: SalesInvoice) -> None:
        """Plan how ``customer`` pays ``invoice`` (posted, so its due date is known)."""
        rng = self.rng
        due = invoice.due_date or invoice.date
        profile = customer.profile
        total = invoice.amount_total
        first = profile not in customer.firsts
        customer.firsts.add(profile)
        if profile == "statement":
            if first:
                month_end = date(due.year, due.month, 28) + timedelta(days=4)
                month_end -= timedelta(days=month_end.day)
                self.at(month_end, 7, self.statement, customer)
            return
        if profile == "late":
            self.at(due + timedelta(days=rng.randint(15, 75)), 7, self.receive, invoice, total)
        elif profile == "partial":
            part = _money(total * Decimal(rng.randint(3, 6)) / 10)
            self.at(due + timedelta(days=rng.randint(0, 10)), 7, self.receive, invoice, part)
            self.at(due + timedelta(days=rng.randint(30, 60)), 7, self.receive, invoice, total)
        elif profile == "bad":
            if not first and rng.random() < 0.5:
                self.at(due + timedelta(days=rng.randint(60, 120)), 7, self.receive, invoice, total)
            # else: never paid, overdue
        else:  # prompt, rounder: about on the due date
            extra = Decimal(0)
            if profile == "rounder" and (first or rng.random() < 0.5):
                extra = (total / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000 - total
                extra = extra or Decimal(500)
            days = rng.randint(0, 2) if due == invoice.date else rng.randint(-5, 3)
            self.at(due + timedelta(days=days), 7, self.receive, invoice, total, extra)

    def receive(
        self, when: date, invoice: SalesInvoice, amount: Decimal, extra: Decimal = Decimal(0)
    ) -> None:
        """A payment of ``amount`` for ``invoice`` (no more than it still owes) plus
        ``extra`` (paid too much: the customer's credit)."""
        amount = min(amount, invoice.amount_residual)
        if amount <= 0:
            return
        payment = self.payment(when, invoice.partner_id, amount + extra)
        payments.post_payment(
            self.session,
            payment,
            self.accountant,
            allocations=[{"invoice_id": invoice.id, "amount": amount}],
        )

    def statement(self, when: date, customer: Customer) -> None:
        """Month end: the customer pays everything due by now in one transfer (set against
        its oldest invoices by the service)."""
        owed = sum(
            (
                i.amount_residual
                for i in payments.open_invoices(self.session, customer.partner.id)
                if i.due_date is not None and i.due_date <= when
            ),
            Decimal(0),
        )
        if owed > 0:
            payment = self.payment(when, customer.partner.id, owed, method="bank")
            payments.post_payment(self.session, payment, self.accountant)
        following = when + timedelta(days=35)
        following -= timedelta(days=following.day)
        self.at(following, 7, self.statement, customer)

    def payment(self, when: date, partner_id: int, amount: Decimal, method: str = "") -> Any:
        rng = self.rng
        method = method or rng.choices(["bank", "card", "cash", "cheque"], [70, 10, 8, 12])[0]
        reference = {
            "bank": f"EFT {rng.randint(10**9, 10**10 - 1)}",
            "card": f"POS {rng.randint(100000, 999999)}",
            "cheque": f"Çek No {rng.randint(1000000, 9999999)}",
            "cash": "",
        }[method]
        return payments.create_payment(
            self.session,
            {
                "partner_id": partner_id,
                "amount": amount,
                "date": when,
                "method": method,
                "reference": reference,
            },
        )

    # -- the whole year ---------------------------------------------------------------------
    def build(self) -> None:
        self.people()
        self.prices()
        self.partners()
        self.plan_deals()
        self.run()
        quotes.expire_quotes(self.session, self.today)
        self.session.flush()


def build(company: Company, size: str = "full", today: date | None = None) -> None:
    """Fill ``company`` (core's demo partners and products made already) with a year of
    sales ending ``today``; ``size`` is a key of ``PLANS``."""
    from core.db import session_of

    Demo(session_of(company), company, PLANS[size], today or date.today()).build()
