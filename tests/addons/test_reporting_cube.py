"""The sales cube: exported with the CLI, opened with DuckDB, its totals equal to the
database's (Decimal equality), only the company's lines, another add-on's dimension."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal as D
from importlib.metadata import EntryPoint

import pytest

from core.kernel.discovery import ENTRY_POINT_GROUP, installed_entry_points

duckdb = pytest.importorskip("duckdb")
pytestmark = pytest.mark.fresh_database  # the cubedim add-on: not for a database others reuse


@pytest.fixture
def yaprak_entry_points():
    """The installed add-ons and the fixture add-on ``cubedim`` (a campaign dimension)."""
    return [EntryPoint("cubedim", "yk_cubedim", ENTRY_POINT_GROUP), *installed_entry_points()]


def _sell(runtime, company, rng, invoices=24, campaigns=True):
    """Random customers (in groups or none), products (in categories or none), invoices
    (posted, some left draft), credit notes of parts of them; campaign links."""
    from addons.sales import invoices as sales_invoices
    from addons.sales.schemas import LineSchema
    from core.auth import add_user, grant
    from core.documents import act_as
    from core.models import Company, PartnerAddress, PartnerGroup, ProductCategory, User
    from core.partners import create_partner
    from core.products import create_product

    with runtime.db.transaction() as s:
        sellers = []
        for i in (1, 2):
            seller = add_user(s, f"s{i}-{company.code}@x.test", f"Seller {i}")
            grant(s, runtime.kernel, seller, s.get(Company, company.id), ["sales.manager"])
            sellers.append(seller.id)
    with runtime.db.transaction(company.id) as s:
        groups = [PartnerGroup(name=n) for n in ("Bayi", "Perakende")]
        cats = [ProductCategory(name=n) for n in ("Yapı", "Hizmet")]
        s.add_all(groups + cats)
        s.flush()
        customers = []
        for i in range(6):
            group = groups[i % 3].id if i % 3 < 2 else None
            p = create_partner(s, {"name": f"Müşteri {i}", "is_customer": True})
            p.group_id = group
            s.add(PartnerAddress(partner_id=p.id, city=f"City {i}", country="TR"))
            customers.append(p.id)
        products = []
        for i in range(4):
            data = {
                "code": f"P{i}",
                "name": f"Ürün {i}",
                "list_price": str(rng.randint(1, 900)) + ".55",
                "cost_price": str(rng.randint(1, 500)) + ".1234",
            }
            p = create_product(s, data)
            p.category_id = cats[i % 2].id if i < 3 else None
            products.append(p.id)
        s.flush()
        campaign_ids = []
        if campaigns:
            from yk_cubedim.models import CubedimCampaign, CubedimInvoiceCampaign

            camps = [CubedimCampaign(name=n) for n in ("Bahar", "Kış")]
            s.add_all(camps)
            s.flush()
            campaign_ids = [c.id for c in camps]
    with runtime.db.session_for(company.id, write=True) as s:
        act_as(s, sellers[0])
        user = s.get(User, sellers[0])
        for n in range(invoices):
            lines = [
                LineSchema().load(
                    {
                        "product_id": rng.choice(products),
                        "quantity": f"{rng.randint(1, 40)}.{rng.randint(0, 999):03d}",
                        "unit_price": f"{rng.randint(1, 2000)}.{rng.randint(0, 9999):04d}",
                        "discount": str(rng.choice([0, 0, 5, 12.5])),
                    }
                )
                for _ in range(rng.randint(1, 4))
            ]
            invoice = sales_invoices.create_invoice(
                s,
                {
                    "partner_id": rng.choice(customers),
                    "date": date(2025, 1, 1) + timedelta(days=rng.randint(0, 600)),
                    "salesperson_id": rng.choice([*sellers, None]),
                    "lines": lines,
                },
            )
            if n % 8 == 7:
                continue  # a draft: never in the cube
            sales_invoices.post_invoice(s, invoice, user)
            if campaign_ids and n % 3:
                s.add(
                    CubedimInvoiceCampaign(invoice_id=invoice.id, campaign_id=campaign_ids[n % 2])
                )
            if n % 4 == 1:
                line = invoice.lines[0]
                part = (line.quantity / 2).quantize(D("0.001"))
                note = sales_invoices.credit_note(s, invoice, {line.id: part})
                sales_invoices.post_invoice(s, note, user)
        s.commit()


def _expected(runtime, company):
    """Per customer, per group, per campaign and overall: (revenue, cost) from the ORM."""
    from sqlalchemy import select

    from addons.sales.models import SalesInvoice, SalesInvoiceLine
    from core.models import Partner, PartnerGroup

    by_customer, by_group = defaultdict(lambda: [D(0), D(0)]), defaultdict(lambda: [D(0), D(0)])
    by_invoice, lines = defaultdict(lambda: [D(0), D(0)]), set()
    with runtime.db.session_for(company.id) as s:
        rows = s.execute(
            select(SalesInvoiceLine, SalesInvoice, Partner, PartnerGroup.name)
            .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.invoice_id)
            .join(Partner, Partner.id == SalesInvoice.partner_id)
            .outerjoin(PartnerGroup, PartnerGroup.id == Partner.group_id)
            .where(SalesInvoice.state == "posted")
        )
        for line, invoice, partner, group in rows:
            amounts = (invoice.sign * line.net, invoice.sign * line.cost_amount)
            for bucket in (by_customer[partner.name], by_group[group], by_invoice[invoice.id]):
                bucket[0] += amounts[0]
                bucket[1] += amounts[1]
            lines.add(line.id)
    return by_customer, by_group, by_invoice, lines


def test_the_cube_reproduces_the_profitability_totals(yaprak_runtime, make_company, cli, tmp_path):
    acme = make_company("ACME", addons=["reporting", "cubedim"])
    other = make_company("OTHER", addons=["reporting"])
    _sell(yaprak_runtime, acme, random.Random(7))
    _sell(yaprak_runtime, other, random.Random(8), invoices=6, campaigns=False)
    out = tmp_path / "cube"
    result = cli("reporting", "export-cube", "--company", "acme", "--out", str(out))
    assert "Wrote the cube of ACME" in result.output

    by_customer, by_group, by_invoice, lines = _expected(yaprak_runtime, acme)
    _, _, _, other_lines = _expected(yaprak_runtime, other)
    assert len(lines) > 30 and other_lines
    db = duckdb.connect()
    for name in ("fact_sales_line", "dim_customer", "dim_customer_group", "dim_campaign"):
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM '{out / name}.parquet'")
    db.execute(f"CREATE VIEW dim_date AS SELECT * FROM '{out / 'dim_date.parquet'}'")

    def totals(sql):
        return {k: [r, c] for k, r, c in db.execute(sql).fetchall()}

    assert totals(
        "SELECT c.name, SUM(f.revenue), SUM(f.cost) FROM fact_sales_line f "
        "JOIN dim_customer c ON c.key = f.customer_key GROUP BY c.name"
    ) == {k: v for k, v in by_customer.items()}
    assert totals(
        "SELECT g.name, SUM(f.revenue), SUM(f.cost) FROM fact_sales_line f "
        "JOIN dim_customer c ON c.key = f.customer_key "
        "LEFT JOIN dim_customer_group g ON g.key = c.group_key GROUP BY g.name"
    ) == dict(by_group)
    revenue, cost, profit = db.execute(
        "SELECT SUM(revenue), SUM(cost), SUM(gross_profit) FROM fact_sales_line"
    ).fetchone()
    assert revenue == sum(v[0] for v in by_customer.values())
    assert cost == sum(v[1] for v in by_customer.values())
    assert profit == revenue - cost and isinstance(revenue, D)
    # every posted line of ACME, nothing of OTHER, and every line dated in dim_date
    ids = {r[0] for r in db.execute("SELECT line_id FROM fact_sales_line").fetchall()}
    assert ids == lines and not ids & other_lines
    assert db.execute(
        "SELECT count(*) FROM fact_sales_line f JOIN dim_date d USING (date_key)"
    ).fetchone() == (len(lines),)
    # each line on its document's date
    from sqlalchemy import select

    from addons.sales.models import SalesInvoice

    with yaprak_runtime.db.session_for(acme.id) as s:
        posted = s.execute(
            select(SalesInvoice.id, SalesInvoice.date).where(SalesInvoice.state == "posted")
        )
        dates = dict(posted.all())
    assert (
        dict(
            db.execute(
                "SELECT DISTINCT f.invoice_id, d.date FROM fact_sales_line f "
                "JOIN dim_date d USING (date_key)"
            ).fetchall()
        )
        == dates
    )
    # the campaign dimension of the cubedim add-on: its totals are its invoices' lines'
    from yk_cubedim.models import CubedimCampaign, CubedimInvoiceCampaign

    expected = defaultdict(lambda: [D(0), D(0)])
    with yaprak_runtime.db.session_for(acme.id) as s:
        names = {c.id: c.name for c in s.query(CubedimCampaign)}
        for link in s.query(CubedimInvoiceCampaign):
            for i in (0, 1):
                expected[names[link.campaign_id]][i] += by_invoice[link.invoice_id][i]
    assert (
        totals(
            "SELECT c.name, SUM(f.revenue), SUM(f.cost) FROM fact_sales_line f "
            "JOIN dim_campaign c ON c.key = f.campaign_key GROUP BY c.name"
        )
        == dict(expected)
        and len(expected) == 2
    )
    described = (out / "cube.json").read_text()
    assert '"campaign_key"' in described and '"dim_campaign"' in described


def test_a_period_and_the_refusals(yaprak_runtime, make_company, cli, tmp_path):
    acme = make_company("ACME", addons=["reporting"])
    make_company("NOREP", addons=["sales"])
    _sell(yaprak_runtime, acme, random.Random(3), invoices=10, campaigns=False)
    out = tmp_path / "q1"
    cli("reporting", "export-cube", "--company", "ACME", "--out", str(out),
        "--from", "2025-03-01", "--to", "2025-05-31")  # fmt: skip
    db = duckdb.connect()
    low, high = db.execute(
        f"SELECT min(d.date), max(d.date) FROM '{out}/fact_sales_line.parquet' f "
        f"JOIN '{out}/dim_date.parquet' d USING (date_key)"
    ).fetchone()
    assert low >= date(2025, 3, 1) and high <= date(2025, 5, 31)
    days = db.execute(f"SELECT count(*) FROM '{out}/dim_date.parquet'").fetchone()[0]
    assert days == 92
    unknown = cli("reporting", "export-cube", "--company", "NOPE", "--out", str(out), expect=1)
    assert "unknown company 'NOPE'" in unknown.output
    refused = cli("reporting", "export-cube", "--company", "NOREP", "--out", str(out), expect=1)
    assert "reporting is not enabled for NOREP" in refused.output


@pytest.mark.engine_independent
def test_scaled_integers_become_exact_decimals():
    from addons.reporting.cube import decimal_array

    rng = random.Random(1)
    scaled = [rng.randint(-(10**17), 10**17) for _ in range(5000)] + [0, 1, -1, 10**18 - 1]
    array = decimal_array(scaled, 2)
    assert array.to_pylist() == [D(v).scaleb(-2) for v in scaled]
    assert sum(array.to_pylist()) == D(sum(scaled)).scaleb(-2)


def test_without_pyarrow_the_command_names_the_extra(yaprak_runtime, cli, monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)  # import fails
    result = cli("reporting", "export-cube", "--company", "X", "--out", str(tmp_path), expect=1)
    assert "pip install 'yaprak[olap]'" in result.output


def test_a_dimension_keyed_per_line(yaprak_runtime, make_company, tmp_path):
    """``by="invoice_line"``: a key per line; a line given two keys counts once (the
    smallest key), a line given none has a null key."""
    from sqlalchemy import case, literal, select, union_all

    from addons.reporting.cube import Dimension, export_cube
    from addons.sales.models import SalesInvoiceLine as L

    acme = make_company("ACME", addons=["reporting"])
    _sell(yaprak_runtime, acme, random.Random(11), invoices=12, campaigns=False)
    big = case((L.quantity >= 20, 1), else_=2)
    size = Dimension(
        "size",
        keys=lambda company_id: union_all(
            select(L.id, big).where(L.company_id == company_id, L.product_id.is_not(None)),
            select(L.id, literal(3)).where(L.company_id == company_id),  # a second key: 3
        ),
        columns=[("label", "text")],
        rows=lambda conn, company_id: [(1, "20 and more"), (2, "under 20"), (3, "never")],
    )
    with yaprak_runtime.db.session_for(acme.id) as s:
        export_cube(s.connection(), acme, tmp_path, [size])
        expected = defaultdict(lambda: D(0))
        for line in s.scalars(select(L)):
            if line.invoice.state == "posted":
                key = "20 and more" if line.quantity >= 20 else "under 20"
                expected[key] += line.invoice.sign * line.net
    got = duckdb.connect().execute(
        f"SELECT d.label, SUM(f.revenue) FROM '{tmp_path}/fact_sales_line.parquet' f "
        f"JOIN '{tmp_path}/dim_size.parquet' d ON d.key = f.size_key GROUP BY d.label"
    )
    assert dict(got.fetchall()) == dict(expected) and len(expected) == 2
