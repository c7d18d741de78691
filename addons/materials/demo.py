"""The materials demo: two warehouses with locations (the default one, made when materials
was enabled, and a branch), a year of receipts of the demo
company's goods at costs that rise over the year (the sales demo's prices rise 7 % a
quarter; today's costs are the products' own), a few transfers to the branch warehouse and
inventory counts (one posted, one draft).

Add-ons' demos run in dependency order, then by name: materials (no dependency) runs
before sales, so the goods the sales demo ships later are in stock already. The receipts
are sized on what the sales demo delivers (``DEMAND``, measured on it): half a year's worth
and the busiest month's from the first day, then a receipt each month, 30 % more than the
year's deliveries in all, so stock never runs out on any day of the year. Everything goes
through ``stock``, ``warehouses`` and ``counts``; a fixed ``random.Random`` and dates
relative to today make every demo alike.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.documents import transition
from core.models import Product

from . import counts, warehouses
from .models import MaterialsCount, MaterialsCountLine
from .stock import default_warehouse, move, transfer

SEED = 20260601
DAYS = 365
PRICE_STEP = Decimal("1.07")  # costs a quarter earlier: 7 % lower
MARGIN = Decimal("1.3")  # receipts over what deliveries take
# what the sales demo delivers of each of core's demo goods in a year and in its busiest
# month, by size (measured on the demo with negative stock allowed)
DEMAND: dict[str, dict[str, tuple[int, int]]] = {
    "small": {
        "AMB-KL-40": (3950, 1650),
        "AMB-ST-50": (416, 88),
        "ELK-KB-25": (106, 36),
        "ELK-PRZ-3": (1393, 282),
        "GDA-CAY-1": (195, 90),
        "KGT-A4-80": (375, 220),
        "KLS-TK-50": (137, 71),
    },
    "full": {
        "AMB-KL-40": (283695, 29960),
        "AMB-ST-50": (13927, 1466),
        "ELK-KB-25": (4254, 455),
        "ELK-PRZ-3": (32417, 3505),
        "GDA-CAY-1": (25199, 2500),
        "KGT-A4-80": (29612, 3214),
        "KLS-TK-50": (8013, 783),
    },
}
DEFAULT_DEMAND = {"small": (300, 100), "full": (20000, 3000)}  # goods the table does not know

MAIN = {  # the default warehouse, made when materials was enabled: its address and places
    "address": "Tuzla Organize Sanayi Bölgesi, 34956 Tuzla/İstanbul",
    "locations": [
        {"code": "A-01", "name": "Koridor A, raf 1"},
        {"code": "A-02", "name": "Koridor A, raf 2"},
        {"code": "B-01", "name": "Koridor B, palet alanı"},
    ],
}
BRANCH = {
    "code": "ANK",
    "name": "Ankara Şube Deposu",
    "address": "Ostim OSB, 06374 Yenimahalle/Ankara",
    "is_default": False,
    "locations": [{"code": "R-1", "name": "Raf 1"}, {"code": "R-2", "name": "Raf 2"}],
}


def _cost(product: Product, days_back: int, rng: random.Random) -> Decimal:
    quarters = days_back // 91
    base = product.cost_price / PRICE_STEP**quarters
    return (base * Decimal(rng.randint(96, 104)) / 100).quantize(Decimal("0.01"))


def build(company: Any, size: str = "full", today: date | None = None) -> None:
    from core.db import session_of

    session = session_of(company)
    today = today or date.today()
    rng = random.Random(SEED)
    main = default_warehouse(session)
    warehouses.update_warehouse(session, main, MAIN)
    branch = warehouses.create_warehouse(session, {**BRANCH, "active": True})
    goods = list(
        session.scalars(select(Product).where(Product.type == "goods").order_by(Product.code))
    )
    start = today - timedelta(days=DAYS)
    for product in goods:
        yearly, peak = DEMAND[size].get(product.code, DEFAULT_DEMAND[size])
        # the opening stock: half a year's deliveries and the busiest month's; then a
        # receipt each month, so that the year brings MARGIN x what it delivers
        opening = (Decimal(yearly) / 2 + Decimal(peak)).to_integral_value()
        rest = max(Decimal(yearly) * MARGIN - opening, Decimal(yearly) / 2)
        monthly = max((rest / 12).to_integral_value(), Decimal(1))
        days = [0] + [15 + 30 * month + rng.randint(-5, 5) for month in range(12)]
        for index, day in enumerate(d for d in days if d < DAYS):
            on = start + timedelta(days=day)
            quantity = opening if index == 0 else monthly
            move(
                session,
                "receipt",
                product.id,
                main.id,
                quantity,
                unit_cost=_cost(product, (today - on).days, rng),
                on=on,
                location_id=main.locations[index % len(main.locations)].id,
                reference=f"GRS-{on:%y%m}-{product.code}",
            )
        # the branch holds some: a transfer each quarter
        for quarter in range(4):
            on = start + timedelta(days=20 + 91 * quarter)
            share = max((monthly / 4).to_integral_value(), Decimal(1))
            transfer(session, product.id, main.id, branch.id, share, on=on, reference="TRF")
    session.flush()
    _counts(session, branch, goods[:3], today - timedelta(days=30), today, rng)


def _counts(
    session: Any, branch: Any, goods: list[Product], posted_on: date, today: date, rng: Any
) -> None:
    """A count of the branch posted a month ago (a few differences), one in draft today."""
    count = counts.create_count(session, {"warehouse_id": branch.id, "date": posted_on})
    counts.fill(session, count)
    for line in count.lines:
        line.counted = max(line.counted + rng.choice([-2, -1, 0, 0, 1]), Decimal(0))
    session.flush()
    transition(session, count, "post", None, system=True)
    draft = MaterialsCount(warehouse_id=branch.id, date=today, note="Yıl sonu sayımı")
    draft.lines = [MaterialsCountLine(product_id=p.id, counted=Decimal(0)) for p in goods]
    session.add(draft)
    session.flush()
