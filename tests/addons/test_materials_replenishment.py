"""Materials: reorder rules (checked, nothing written when refused) and the Material
Replenishment Report (numbers, proposals, reasons, filters, the hooks, the run record, the
nightly job)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from addons.materials import replenishment
from addons.materials.models import (
    MaterialsReorderRule,
    MaterialsReplenishmentRun,
    MaterialsSettings,
)
from addons.materials.replenishment import Proposal, propose, replenish_rules, report
from addons.materials.rules import create_rule, update_rule
from addons.materials.stock import Origin, move, reserve

D = Decimal


def rule(w, product_id=None, warehouse_id=None, **values):
    payload = {
        "product_id": product_id or w.bolt_id,
        "warehouse_id": warehouse_id or w.main_id,
        "minimum": "10",
        "maximum": "50",
    }
    payload.update(values)
    with w.session() as s:
        made = create_rule(s, payload)
        s.commit()
        return made.id


def count_rules(w):
    with w.session() as s:
        return s.scalar(select(func.count()).select_from(MaterialsReorderRule))


# ---------------------------------------------------------------------------- rules
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"minimum": "20", "maximum": "10"}, "maximum"),
        ({"minimum": "-1"}, "minimum"),
        ({"multiple": "0"}, "multiple"),
        ({"lead_days": -2}, "lead_days"),
    ],
)
def test_a_rule_with_bad_numbers_is_refused_naming_the_field(repl_world, values, field):
    w = repl_world
    with w.session() as s, pytest.raises(ValidationError) as refused:
        create_rule(s, {"product_id": w.bolt_id, "warehouse_id": w.main_id, **values})
    assert field in refused.value.normalized_messages()
    assert count_rules(w) == 0


def test_a_rule_with_maximum_below_minimum_says_so(repl_world):
    w = repl_world
    with w.session() as s, pytest.raises(ValidationError) as refused:
        create_rule(
            s,
            {"product_id": w.bolt_id, "warehouse_id": w.main_id, "minimum": 20, "maximum": 5},
        )
    assert refused.value.normalized_messages() == {
        "maximum": ["the maximum must not be below the minimum"]
    }


def test_a_rule_needs_goods_an_active_warehouse_and_a_vendor(repl_world):
    w = repl_world
    cases = [
        ({"product_id": w.service_id}, "product_id"),
        ({"warehouse_id": w.archived_id}, "warehouse_id"),
        ({"warehouse_id": 999_999}, "warehouse_id"),
        ({"vendor_id": w.customer_id}, "vendor_id"),
    ]
    for values, field in cases:
        payload = {"product_id": w.bolt_id, "warehouse_id": w.main_id, **values}
        with w.session() as s, pytest.raises(ValidationError) as refused:
            create_rule(s, payload)
        assert field in refused.value.normalized_messages(), values
    assert count_rules(w) == 0


def test_one_rule_per_product_and_warehouse(repl_world):
    w = repl_world
    rule(w)
    with w.session() as s, pytest.raises(ValidationError) as refused:
        create_rule(s, {"product_id": w.bolt_id, "warehouse_id": w.main_id})
    assert "product_id" in refused.value.normalized_messages()
    rule(w, warehouse_id=w.branch_id)
    assert count_rules(w) == 2


def test_updating_checks_the_pair_and_writes_nothing_when_refused(repl_world):
    w = repl_world
    rule_id = rule(w)
    with w.session() as s:
        found = s.get(MaterialsReorderRule, rule_id)
        with pytest.raises(ValidationError) as refused:
            update_rule(s, found, {"maximum": "5"})  # below the kept minimum 10
        assert "maximum" in refused.value.normalized_messages()
        s.rollback()
    with w.session() as s:
        found = s.get(MaterialsReorderRule, rule_id)
        assert (found.minimum, found.maximum) == (D("10.000"), D("50.000"))
        update_rule(s, found, {"maximum": "80", "multiple": "12", "lead_days": 3})
        s.commit()
        assert (found.maximum, found.multiple, found.lead_days) == (D("80.000"), D("12.000"), 3)


# ---------------------------------------------------------------------------- the report
def test_propose_rounds_up_to_the_vendor_minimum_and_the_multiple():
    assert propose(D("50"), D("3"), D("0"), D("1")) == D("47")
    assert propose(D("50"), D("3"), D("0"), D("12")) == D("48")
    assert propose(D("50"), D("3"), D("100"), D("12")) == D("108")
    assert propose(D("50"), D("-4"), D("0"), D("0.5")) == D("54")


def test_the_report_counts_stock_reservations_and_what_is_coming(repl_world, fake_purchasing):
    w = repl_world
    bolt_rule = rule(w, minimum="40", maximum="100", multiple="25")
    rule(w, product_id=w.nut_id, minimum="5", maximum="10", lead_days=2)
    with w.session() as s:
        move(s, "receipt", w.bolt_id, w.main_id, D("30"), unit_cost=D("1"))
        move(s, "receipt", w.nut_id, w.main_id, D("20"), unit_cost=D("1"))
        reserve(s, Origin("test.order", 1, 1), w.bolt_id, w.main_id, D("12"), w.today)
        s.commit()
    fake_purchasing.orders.append(
        {
            "company_id": w.company_id,
            "product_id": w.bolt_id,
            "warehouse_id": w.main_id,
            "quantity": D("7"),
        }
    )
    fake_purchasing.requisitions.append(
        {
            "company_id": w.company_id,
            "product_id": w.bolt_id,
            "warehouse_id": w.main_id,
            "quantity": D("2.5"),
        }
    )
    fake_purchasing.orders.append(  # another warehouse: not counted here
        {
            "company_id": w.company_id,
            "product_id": w.bolt_id,
            "warehouse_id": w.branch_id,
            "quantity": D("1000"),
        }
    )
    with w.session() as s:
        every = report(s, today=w.today, only_short=False)
        short = report(s, today=w.today)
    assert [ln.product_code for ln in every] == ["BOLT", "NUT"]
    bolt = every[0]
    assert (bolt.on_hand, bolt.reserved, bolt.on_order, bolt.requested) == (
        D("30.000"),
        D("12.000"),
        D("7.000"),
        D("2.500"),
    )
    assert bolt.projected == D("27.500")  # 30 - 12 + 7 + 2.5
    assert bolt.proposed == D("75.000")  # 100 - 27.5 = 72.5, in multiples of 25
    assert bolt.vendor_id == w.v1_id and bolt.vendor_name == "Demir Tedarik A.Ş."
    assert bolt.needed_by == w.today + timedelta(days=5)  # the vendor's lead time
    assert bolt.rule_id == bolt_rule
    assert "27.5" in bolt.reason and f"#{bolt_rule}" in bolt.reason
    assert "multiples of 25" in bolt.reason and "(vendor)" in bolt.reason
    nut = every[1]
    assert (nut.projected, nut.proposed, nut.needed_by) == (D("20.000"), D("0"), None)
    assert nut.vendor_id is None
    assert [ln.product_code for ln in short] == ["BOLT"]
    assert all(isinstance(v, Decimal) for v in (bolt.on_order, bolt.requested, bolt.projected))


def test_the_rules_vendor_its_minimum_and_the_rules_lead_time(repl_world):
    w = repl_world
    rule(w, vendor_id=w.v2_id, minimum="10", maximum="30", multiple="1", lead_days=3)
    with w.session() as s:
        [line] = report(s, today=w.today)
    assert line.vendor_id == w.v2_id and line.vendor_min_qty == D("100.000")
    assert line.proposed == D("100.000")  # 30 - 0 = 30, raised to the vendor's 100
    assert line.needed_by == w.today + timedelta(days=3)
    assert "minimum 100" in line.reason and "(rule)" in line.reason


def test_filters_by_warehouse_vendor_and_category(repl_world):
    w = repl_world
    rule(w)
    rule(w, warehouse_id=w.branch_id)
    rule(w, product_id=w.nut_id)
    with w.session() as s:
        assert len(report(s)) == 3
        assert {ln.warehouse_id for ln in report(s, warehouse_id=w.branch_id)} == {w.branch_id}
        assert {ln.product_id for ln in report(s, vendor_id=w.v1_id)} == {w.bolt_id}
        assert report(s, vendor_id=w.v2_id) == []
        assert {ln.product_id for ln in report(s, category_id=w.category_id)} == {w.bolt_id}


def test_inactive_rules_and_archived_warehouses_are_left_out(repl_world):
    w = repl_world
    rule_id = rule(w)
    with w.session() as s:
        update_rule(s, s.get(MaterialsReorderRule, rule_id), {"active": False})
        s.commit()
        assert report(s) == []


def test_another_companys_rules_and_stock_are_not_seen(repl_world, make_company):
    w = repl_world
    rule(w)
    other = make_company("DIGER", addons=["materials"])
    with w.runtime.db.session_for(other.id, write=True) as s:
        assert report(s, only_short=False) == []


def test_running_twice_never_proposes_the_same_shortage_twice(repl_world, fake_purchasing):
    w = repl_world
    rule_id = rule(w, minimum="10", maximum="50")
    with w.session() as s:
        assert replenishment.can_replenish(s)
        run, made = replenish_rules(s, [rule_id], w.user(s))
        s.commit()
        assert run.trigger == "manual" and run.lines == 1 and run.user_id == w.user_id
        assert len(made) == 1 and made[0]["quantity"] == D("50.000")
        assert made[0]["run_id"] == run.id and f"#{rule_id}" in made[0]["reason"]
    with w.session() as s:
        assert report(s) == []  # the requisition counts as requested
        [line] = report(s, only_short=False)
        assert (line.requested, line.projected, line.proposed) == (D("50"), D("50"), D("0"))
        with pytest.raises(ValidationError) as refused:
            replenish_rules(s, [rule_id], w.user(s))
        assert refused.value.normalized_messages() == {
            "rule_ids": {str(rule_id): ["the rule proposes nothing now"]}
        }
        s.rollback()
        assert s.scalar(select(func.count()).select_from(MaterialsReplenishmentRun)) == 1
    # stock goes out: a new shortage, proposed once more for what is missing only
    with w.session() as s:
        move(s, "receipt", w.bolt_id, w.main_id, D("5"), unit_cost=D("1"))
        move(s, "issue", w.bolt_id, w.main_id, D("-5"))
        reserve(s, Origin("test.order", 2, 2), w.bolt_id, w.main_id, D("45"), w.today)
        s.commit()
        [line] = report(s)
        assert line.projected == D("5.000") and line.proposed == D("45.000")
    assert fake_purchasing.calls == 1


def test_without_an_add_on_taking_proposals_nothing_is_written(repl_world):
    w = repl_world
    rule_id = rule(w)
    with w.session() as s:
        assert not replenishment.can_replenish(s)
        with pytest.raises(ValidationError) as refused:
            replenish_rules(s, [rule_id], w.user(s))
        assert "rule_ids" in refused.value.normalized_messages()
        s.rollback()
        assert s.scalar(select(func.count()).select_from(MaterialsReplenishmentRun)) == 0


def test_unknown_rule_ids_are_refused_by_id(repl_world, fake_purchasing):
    w = repl_world
    with w.session() as s, pytest.raises(ValidationError) as refused:
        replenish_rules(s, [424242], w.user(s))
    assert refused.value.normalized_messages() == {"rule_ids": {"424242": ["no such reorder rule"]}}
    assert fake_purchasing.calls == 0


def test_the_proposal_dataclass(repl_world, fake_purchasing):
    w = repl_world
    rule(w, lead_days=4)
    with w.session() as s:
        [line] = report(s, today=w.today)
        proposal = line.proposal(7)
    assert proposal == Proposal(
        product_id=w.bolt_id,
        warehouse_id=w.main_id,
        vendor_id=w.v1_id,
        quantity=D("50.000"),
        needed_by=w.today + timedelta(days=4),
        run_id=7,
        reason=line.reason,
        rule_id=line.rule_id,
    )


def test_the_nightly_job_runs_when_the_company_asks_for_it(repl_world, fake_purchasing):
    from addons.materials.hooks import nightly_requisitions_job
    from core.models import Company

    w = repl_world
    rule(w)
    with w.session() as s:
        nightly_requisitions_job(s.get(Company, w.company_id))
        assert fake_purchasing.calls == 0  # the setting is off
        s.add(MaterialsSettings(company_id=w.company_id, nightly_requisitions=True))
        s.commit()
    with w.session() as s:
        nightly_requisitions_job(s.get(Company, w.company_id))
    assert fake_purchasing.calls == 1
    with w.session() as s:
        [run] = s.scalars(select(MaterialsReplenishmentRun)).all()
        assert (run.trigger, run.lines, run.user_id) == ("nightly", 1, None)
        nightly_requisitions_job(s.get(Company, w.company_id))  # nothing short any more
    assert fake_purchasing.calls == 1


def test_the_nightly_task_is_registered(yaprak_runtime):
    found = yaprak_runtime.kernel.registrations("periodic_tasks")
    assert "nightly_requisitions" in {t.name for addon, t in found if addon == "materials"}
