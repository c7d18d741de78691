"""Reports other add-ons register on reporting's framework: the Material Replenishment
Report (materials) and the approved requisitions report (purchasing). Same lines as their
own pages, ids of another company refused, and absent where their add-on or reporting is
not enabled."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from addons.materials import replenishment
from addons.materials.rules import create_rule
from addons.reporting.framework import (
    ParamsError,
    ReportContext,
    UnknownReport,
    find_report,
    load_params,
    reports_of,
    run_report,
)
from core.companies import enable_addons
from core.models import Company

from .test_purchasing_ordering import approved

D = Decimal
WEEK = date.today() + timedelta(days=7)


@pytest.fixture
def world(purchasing_world, yaprak_runtime):
    enable_addons(yaprak_runtime, purchasing_world.code, ["reporting"])
    return purchasing_world


def _run(world, report_id, raw=None, who="boss"):
    runtime = world.runtime
    with world.session(who) as s:
        company = s.get(Company, world.company_id)
        relay = runtime.hooks_for(company)
        report = find_report(relay, report_id)
        ctx = ReportContext(s, company, world.user(s, who), date.today())
        result = run_report(report, ctx, load_params(report, ctx, raw or {}))
        rows = [result.as_mapping(r) for r in result.materialise()]
        return rows, result.totals


def test_the_replenishment_report_runs_on_the_framework(world):
    w = world
    with w.session("boss") as s, s.begin():
        create_rule(
            s,
            {
                "product_id": w.product_id,
                "warehouse_id": w.warehouse_id,
                "minimum": "10",
                "maximum": "40",
            },
        )
    rows, totals = _run(w, "materials.replenishment")
    with w.session("boss") as s:
        lines = replenishment.report(s)
    assert [(r["product"], r["proposed"], r["needed_by"]) for r in rows] == [
        (ln.product_code, ln.proposed, ln.needed_by) for ln in lines
    ]
    assert rows and rows[0]["proposed"] == D("40.000") and rows[0]["reason"]
    assert totals["proposed"] == sum(ln.proposed for ln in lines)
    # another warehouse of the company: nothing there
    assert _run(w, "materials.replenishment", {"warehouse_id": w.branch_id})[0] == []


def test_the_approved_requisitions_report_runs_on_the_framework(world):
    w = world
    first = approved(w, [{"product_id": w.product_id, "quantity": "20", "needed_by": WEEK}])
    approved(w, [{"product_id": w.bare_id, "quantity": "3"}])
    rows, totals = _run(w, "purchasing.approved_requisitions")
    assert len(rows) == 2
    by_id = {r["requisition_id"]: r for r in rows}
    assert by_id[first]["to_order"] == D("20.000") and "Demir" in by_id[first]["vendor"]
    assert totals["net"] == sum(r["net"] for r in rows) > 0
    only = _run(w, "purchasing.approved_requisitions", {"vendor_id": w.vendor_id})[0]
    assert [r["requisition_id"] for r in only] == [first]
    without = _run(w, "purchasing.approved_requisitions", {"no_vendor": "true"})[0]
    assert [r["requisition_id"] for r in without] != [first] and len(without) == 1


def test_ids_of_another_company_are_field_errors(world, make_company, yaprak_runtime):
    other = make_company("BASKA", addons=["purchasing"])
    from addons.materials.models import MaterialsWarehouse

    with yaprak_runtime.db.session_for(other.id) as s:
        foreign = s.scalar(__import__("sqlalchemy").select(MaterialsWarehouse.id))
    for report_id in ("materials.replenishment", "purchasing.approved_requisitions"):
        with pytest.raises(ParamsError) as refused:
            _run(world, report_id, {"warehouse_id": foreign})
        assert list(refused.value.errors) == ["warehouse_id"]


def test_the_reports_exist_only_where_their_addons_are_enabled(world, make_company, yaprak_runtime):
    with world.session("boss") as s:
        ids = set(reports_of(yaprak_runtime.hooks_for(s.get(Company, world.company_id))))
    assert {"materials.replenishment", "purchasing.approved_requisitions"} <= ids
    sales_only = make_company("SATIS", addons=["reporting"])  # reporting without materials
    relay = yaprak_runtime.hooks_for(sales_only)
    assert "reporting.profitability" in reports_of(relay)
    with pytest.raises(UnknownReport):
        find_report(relay, "materials.replenishment")
    no_reporting = make_company("DEPO", addons=["purchasing"])
    assert reports_of(yaprak_runtime.hooks_for(no_reporting)) == {}
