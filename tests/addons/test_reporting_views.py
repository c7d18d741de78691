"""Report views: created by the migrations of reporting, materials and purchasing on both
engines, right amounts (credit notes signed), dropped by downgrades, accepted by the
kernel's checks; the read-only role (PostgreSQL) reads its company's views and nothing else."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from core.kernel import lifecycle
from core.kernel.checks import check_addon, tables_touched
from core.sql_views import report_views

from .test_reporting_cube import _expected, _sell

SALES_VIEWS = {
    "reporting_v_partner",
    "reporting_v_product",
    "reporting_v_invoice",
    "reporting_v_invoice_line",
    "reporting_v_order",
    "reporting_v_order_line",
}
OTHER_VIEWS = {
    "materials_v_stock",
    "materials_v_move",
    "purchasing_v_order",
    "purchasing_v_order_line",
    "purchasing_v_invoice",
    "purchasing_v_invoice_line",
}


def _views(runtime):
    return set(inspect(runtime.db.engine).get_view_names())


def _amount(value):
    """A view's amount as a Decimal: exact on PostgreSQL, the nearest double on SQLite
    (rounded to the cent it is the exact amount)."""
    return value if isinstance(value, D) else D(f"{value:.2f}")


def test_views_give_the_documents_amounts_signed(yaprak_runtime, make_company):
    acme = make_company("ACME", addons=["reporting", "purchasing"])
    other = make_company("OTHER", addons=["reporting"])
    _sell(yaprak_runtime, acme, random.Random(5), invoices=16, campaigns=False)
    _sell(yaprak_runtime, other, random.Random(6), invoices=4, campaigns=False)
    assert _views(yaprak_runtime) >= SALES_VIEWS | OTHER_VIEWS
    by_customer, by_group, _, lines = _expected(yaprak_runtime, acme)
    with yaprak_runtime.db.engine.connect() as conn:
        revenue, cost, profit, count = conn.execute(
            text(
                "SELECT SUM(revenue), SUM(cost), SUM(gross_profit), COUNT(*) "
                "FROM reporting_v_invoice_line WHERE company_id = :c AND state = 'posted'"
            ),
            {"c": acme.id},
        ).one()
        header = conn.execute(
            text(
                "SELECT SUM(revenue), SUM(cost) FROM reporting_v_invoice "
                "WHERE company_id = :c AND state = 'posted'"
            ),
            {"c": acme.id},
        ).one()
        notes = conn.execute(
            text(
                "SELECT MAX(revenue), MIN(amount_untaxed), MIN(sign) FROM reporting_v_invoice "
                "WHERE company_id = :c AND kind = 'credit_note'"
            ),
            {"c": acme.id},
        ).one()
        groups = dict(
            conn.execute(
                text(
                    "SELECT p.group_name, SUM(l.revenue) FROM reporting_v_invoice_line l "
                    "JOIN reporting_v_partner p ON p.id = l.partner_id "
                    "WHERE l.company_id = :c AND l.state = 'posted' GROUP BY p.group_name"
                ),
                {"c": acme.id},
            ).all()
        )
        partner = conn.execute(
            text("SELECT city, country FROM reporting_v_partner WHERE name = 'Müşteri 2'")
        ).all()
        for view in OTHER_VIEWS | {"reporting_v_order", "reporting_v_product"}:
            conn.execute(text(f"SELECT * FROM {view} WHERE company_id = :c"), {"c": acme.id})
    assert count == len(lines)
    assert _amount(revenue) == sum(v[0] for v in by_customer.values())
    assert _amount(cost) == sum(v[1] for v in by_customer.values())
    assert _amount(profit) == _amount(revenue) - _amount(cost)
    assert (_amount(header[0]), _amount(header[1])) == (_amount(revenue), _amount(cost))
    assert notes[0] < 0 < notes[1] and notes[2] == -1  # stored positive, counted negative
    assert {k: _amount(v) for k, v in groups.items()} == {k: v[0] for k, v in by_group.items()}
    assert sorted(partner) == [("City 2", "TR"), ("City 2", "TR")]  # one per company


@pytest.mark.fresh_database  # it downgrades: no database to hand on to the next test
def test_downgrades_drop_the_views_and_the_checks_accept_them(yaprak_runtime):
    lifecycle.install(yaprak_runtime, ["reporting", "purchasing"])
    assert check_addon(yaprak_runtime, "reporting") == []
    assert check_addon(yaprak_runtime, "purchasing") == []
    assert check_addon(yaprak_runtime, "materials") == []
    migrations = yaprak_runtime.migrations
    for addon in ("reporting", "purchasing", "materials"):  # views are not taken for tables
        assert migrations.pending_diff(addon) == []
    migrations.downgrade("purchasing@56db58fc93e2")
    assert not {v for v in _views(yaprak_runtime) if v.startswith("purchasing_")}
    migrations.downgrade("reporting@c902373e66f2")
    assert _views(yaprak_runtime) == {"materials_v_stock", "materials_v_move"}
    migrations.downgrade("materials@5a3803599ce0")
    assert _views(yaprak_runtime) == set()


@pytest.mark.engine_independent
def test_the_check_reads_views_as_objects_of_their_add_on():
    assert tables_touched("CREATE VIEW reporting_v_x AS\nSELECT a FROM sales_invoice;") == {
        "reporting_v_x"
    }
    assert tables_touched("DROP VIEW IF EXISTS sales_v_y CASCADE;") == {"sales_v_y"}
    assert tables_touched("COMMENT ON VIEW alpha_v IS 'x';") == {"alpha_v"}


def test_grant_readonly_on_sqlite_says_it_is_postgresql_only(yaprak_runtime, make_company, cli):
    if yaprak_runtime.db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite refusal")
    make_company("ACME", addons=["reporting"])
    result = cli("reporting", "grant-readonly", "ro_acme", "--company", "ACME", expect=1)
    assert "read-only roles are a PostgreSQL feature" in result.output


# ------------------------------------------------------------------ the read-only role
@pytest.fixture
def roles(yaprak_runtime):
    """Unique role names (roles are cluster-wide), dropped with their schemas after."""
    made = []

    def make():
        made.append(f"yk_ro_{uuid.uuid4().hex[:12]}")
        return made[-1]

    yield make
    with yaprak_runtime.db.engine.begin() as conn:
        for schema in conn.scalars(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE current_schema() || '_ro_%'")
        ):
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        database = conn.scalar(text("SELECT current_database()"))
        for role in made:
            if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{database}" FROM "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')


def _denied(engine, sql):
    with engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text(sql))
    assert "permission denied" in str(caught.value)


@pytest.mark.postgresql_only
def test_readonly_role_reads_its_company_views_only(yaprak_runtime, make_company, cli, roles):
    acme = make_company("ACME", addons=["reporting"])
    other = make_company("OTHER", addons=["reporting"])
    _sell(yaprak_runtime, acme, random.Random(1), invoices=8, campaigns=False)
    _sell(yaprak_runtime, other, random.Random(2), invoices=4, campaigns=False)
    reader, other_reader, second = roles(), roles(), roles()
    out = cli("reporting", "grant-readonly", reader, "--company", "ACME", "--password", "pw-1")
    cli("reporting", "grant-readonly", other_reader, "--company", "OTHER", "--password", "pw-2")
    base_url = yaprak_runtime.db.engine.url
    with yaprak_runtime.db.engine.connect() as conn:
        base = conn.scalar(text("SELECT current_schema()"))
        published = set(report_views(conn))
        acme_schema, other_schema = f"{base}_ro_acme", f"{base}_ro_other"
        granted = set(
            conn.scalars(
                text("SELECT table_name FROM information_schema.views WHERE table_schema = :s"),
                {"s": acme_schema},
            )
        )
    # every report view of the database (the add-ons installed here), under the same name
    assert granted == published and published >= SALES_VIEWS
    assert f"Role {reader} reads {len(published)} views of ACME" in out.output

    def engine_of(role, password):
        url = base_url.set(username=role, password=password).difference_update_query(["options"])
        return create_engine(url, poolclass=NullPool)

    mine = engine_of(reader, "pw-1")
    _, _, _, lines = _expected(yaprak_runtime, acme)
    by_customer = _expected(yaprak_runtime, acme)[0]
    with mine.connect() as conn:
        assert conn.scalar(text("SHOW search_path")) == acme_schema
        companies = conn.scalars(text("SELECT DISTINCT company_id FROM reporting_v_invoice"))
        assert list(companies) == [acme.id]
        count, revenue = conn.execute(
            text(
                "SELECT COUNT(*), SUM(revenue) FROM reporting_v_invoice_line WHERE state = 'posted'"
            )
        ).one()
        assert count == len(lines) and revenue == sum(v[0] for v in by_customer.values())
        partners = conn.scalars(text("SELECT DISTINCT company_id FROM reporting_v_partner"))
        assert list(partners) == [acme.id]
    _denied(mine, f'SELECT * FROM "{base}".sales_invoice')
    _denied(mine, f'SELECT * FROM "{base}".reporting_v_invoice')
    _denied(mine, f'SELECT * FROM "{other_schema}".reporting_v_invoice')
    # reporting_v_order is a view PostgreSQL could write through: only rights stop it
    _denied(mine, "INSERT INTO reporting_v_order (id, company_id, number) VALUES (999, 1, 'x')")
    _denied(mine, "UPDATE reporting_v_order SET number = 'x'")
    _denied(mine, "DELETE FROM reporting_v_order")
    _denied(mine, "CREATE TABLE reporting_v_mine (x int)")
    # a second reader of OTHER rebuilds its schema; the first one keeps reading it
    cli("reporting", "grant-readonly", second, "--company", "OTHER")
    with engine_of(other_reader, "pw-2").connect() as conn:
        assert list(conn.scalars(text("SELECT DISTINCT company_id FROM reporting_v_invoice"))) == [
            other.id
        ]
    # revoking: the role is dropped, the company's schema with its last reader
    assert "dropped" in cli("reporting", "revoke-readonly", reader, "--company", "ACME").output
    with yaprak_runtime.db.engine.connect() as conn:
        gone = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = :r), "
                "(SELECT count(*) FROM pg_namespace WHERE nspname = :s)"
            ),
            {"r": reader, "s": acme_schema},
        ).one()
    assert tuple(gone) == (0, 0)
    mine.dispose()


@pytest.mark.engine_independent
def test_every_view_is_documented_column_by_column():
    """docs/addons/reporting.md has a table per view listing its columns, in order, with
    their kinds: the definitions in the revisions are the views' contract."""
    import importlib.util
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "addons" / "reporting.md").read_text()
    revisions = [
        "addons/reporting/migrations/versions/3b7e9c41d2a8_report_views.py",
        "addons/purchasing/migrations/versions/e5a81f3c6d07_report_views.py",
        "addons/materials/migrations/versions/9c4f2a7e1b35_report_views.py",
    ]
    documented = set()
    for path in revisions:
        spec = importlib.util.spec_from_file_location("revision", root / path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for view in module.VIEWS:
            section = doc.split(f"#### `{view.name}`\n", 1)[1].split("\n#", 1)[0]
            rows = re.findall(r"^\| `(\w+)` \| (\w+) \|", section, re.M)
            assert rows == [(c.name, c.kind) for c in view.columns], view.name
            documented.add(view.name)
    assert documented == SALES_VIEWS | OTHER_VIEWS
