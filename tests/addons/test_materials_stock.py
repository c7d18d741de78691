"""Materials: moves keep on-hand and the moving average; transfers, negative stock,
reservations and the sales integration (reserve on confirm, issue on ship, invoice cost)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from addons.materials.models import (
    MaterialsCost,
    MaterialsMove,
    MaterialsReservation,
    MaterialsSettings,
    MaterialsStock,
    MaterialsWarehouse,
)
from addons.materials.stock import Origin, move, release, reserve, transfer
from core.companies import enable_addons

D = Decimal


@pytest.fixture
def stock_world(sales_world, yaprak_runtime):
    """The sales world with materials enabled too: its default warehouse and a second one."""
    from core.models import Company

    with yaprak_runtime.db.Session() as s:
        code = s.get(Company, sales_world.company_id).code
    enable_addons(yaprak_runtime, code, ["materials"])
    with sales_world.session() as s:
        main = s.scalars(select(MaterialsWarehouse)).one()  # made when materials was enabled
        assert (main.code, main.is_default) == ("ANA", True)
        branch = MaterialsWarehouse(code="IZM", name="İzmir depo")
        s.add(branch)
        s.commit()
        sales_world.main_id, sales_world.branch_id = main.id, branch.id
    return sales_world


def level(world, warehouse_id, product_id=None):
    with world.session() as s:
        row = s.scalars(
            select(MaterialsStock).filter_by(
                product_id=product_id or world.goods_id, warehouse_id=warehouse_id
            )
        ).first()
        return (row.on_hand, row.reserved) if row else (D(0), D(0))


def cost(world, product_id=None):
    with world.session() as s:
        row = s.scalars(
            select(MaterialsCost).filter_by(product_id=product_id or world.goods_id)
        ).one()
        return row.quantity, row.value, row.average


def test_receipts_make_the_moving_average_and_issues_keep_it(stock_world):
    w = stock_world
    with w.session() as s:
        move(s, "receipt", w.goods_id, w.main_id, D("10"), unit_cost=D("50"))
        move(s, "receipt", w.goods_id, w.main_id, D("30"), unit_cost=D("70"))
        s.commit()
    # (10 x 50 + 30 x 70) / 40 = 2600 / 40 = 65
    assert cost(w) == (D("40.000"), D("2600.00"), D("65.0000"))
    with w.session() as s:
        out = move(s, "issue", w.goods_id, w.main_id, D("-15"))
        s.commit()
        assert (out.unit_cost, out.value) == (D("65.0000"), D("-975.00"))
    assert cost(w) == (D("25.000"), D("1625.00"), D("65.0000"))
    assert level(w, w.main_id) == (D("25.000"), D("0.000"))


def test_the_last_unit_out_takes_what_value_is_left(stock_world):
    w = stock_world
    with w.session() as s:
        for qty, price in [("1", "10"), ("1", "10"), ("1", "10.01")]:
            move(s, "receipt", w.goods_id, w.main_id, D(qty), unit_cost=D(price))
        s.commit()
    assert cost(w) == (D("3.000"), D("30.01"), D("10.0033"))
    with w.session() as s:
        values = [move(s, "issue", w.goods_id, w.main_id, D("-1")).value for _ in range(3)]
        s.commit()
    assert values == [D("-10.00"), D("-10.00"), D("-10.01")]  # no cent left behind
    assert cost(w)[:2] == (D("0.000"), D("0.00"))


def test_a_transfer_moves_goods_between_warehouses_at_the_average(stock_world):
    w = stock_world
    with w.session() as s:
        move(s, "receipt", w.goods_id, w.main_id, D("8"), unit_cost=D("12.5"))
        out, into = transfer(s, w.goods_id, w.main_id, w.branch_id, D("3"))
        s.commit()
        assert (out.quantity, into.quantity) == (D("-3.000"), D("3.000"))
        assert out.value == -into.value == D("-37.50")
    assert level(w, w.main_id)[0] == D("5.000") and level(w, w.branch_id)[0] == D("3.000")
    assert cost(w) == (D("8.000"), D("100.00"), D("12.5000"))  # the company's unchanged


def test_bad_moves_are_refused_and_write_nothing(stock_world):
    w = stock_world
    with w.session() as s:
        with pytest.raises(ValidationError) as zero:
            move(s, "receipt", w.goods_id, w.main_id, D("0"), unit_cost=D("1"))
        assert zero.value.field_name == "quantity"
        with pytest.raises(ValidationError) as service:
            move(s, "receipt", w.service_id, w.main_id, D("1"), unit_cost=D("1"))
        assert service.value.field_name == "product_id"
        with pytest.raises(ValidationError) as short:
            move(s, "issue", w.goods_id, w.main_id, D("-1"))
        expected = {"quantity": ["not enough stock in the warehouse"]}
        assert short.value.normalized_messages() == expected
        with pytest.raises(ValidationError) as same:
            transfer(s, w.goods_id, w.main_id, w.main_id, D("1"))
        assert same.value.field_name == "to_warehouse"
        s.rollback()
    with w.session() as s:
        assert s.scalar(select(func.count()).select_from(MaterialsMove)) == 0


def test_negative_stock_when_the_company_allows_it(stock_world):
    w = stock_world
    with w.session() as s:
        s.add(MaterialsSettings(company_id=w.company_id, negative_stock=True))
        s.commit()
    with w.session() as s:
        move(s, "issue", w.goods_id, w.main_id, D("-2"))
        s.commit()
    assert level(w, w.main_id)[0] == D("-2.000")
    with w.session() as s:  # a receipt after it values the stock left at its own cost
        move(s, "receipt", w.goods_id, w.main_id, D("5"), unit_cost=D("4"))
        s.commit()
    assert cost(w) == (D("3.000"), D("12.00"), D("4.0000"))


def test_reservations_add_up_and_release_in_part(stock_world):
    w = stock_world
    with w.session() as s:
        reserve(s, Origin("x.doc", 1, 11), w.goods_id, w.main_id, D("4"), needed_on=_today())
        reserve(s, Origin("x.doc", 1, 12), w.goods_id, w.main_id, D("2"), needed_on=_today())
        s.commit()
    assert level(w, w.main_id) == (D("0.000"), D("6.000"))
    with w.session() as s:
        assert release(s, Origin("x.doc", 1, 11), D("1")) == D("1.000")
        s.commit()
    assert level(w, w.main_id)[1] == D("5.000")
    with w.session() as s:
        assert release(s, Origin("x.doc", 1)) == D("5.000")  # the whole document
        s.commit()
        assert s.scalar(select(func.count()).select_from(MaterialsReservation)) == 0
    assert level(w, w.main_id)[1] == D("0.000")


def _today():
    from datetime import date

    return date.today()


def _order(w, s, quantity="5"):
    from addons.sales import orders

    return orders.create_order(
        s,
        {
            "partner_id": w.customer_id,
            "lines": [
                {"product_id": w.goods_id, "quantity": D(quantity)},
                {"product_id": w.service_id, "quantity": D("1")},
            ],
        },
    )


def test_sales_reserve_on_confirm_issue_on_ship_and_cost_at_the_average(stock_world):
    from addons.sales import deliveries, invoices, orders

    w = stock_world
    with w.session() as s:
        move(s, "receipt", w.goods_id, w.main_id, D("10"), unit_cost=D("42"))
        order = _order(w, s)
        delivery = orders.confirm_order(s, order, w.user(s))
        s.commit()
        order_id, delivery_id = order.id, delivery.id
    assert level(w, w.main_id) == (D("10.000"), D("5.000"))  # the service reserves nothing
    with w.session() as s:
        delivery = s.get(type(delivery), delivery_id)
        delivery.lines[0].quantity = D("3")  # partial: 3 now, 2 on the backorder
        backorder = deliveries.ship_delivery(s, delivery, w.user(s))
        s.commit()
        backorder_id = backorder.id
    assert level(w, w.main_id) == (D("7.000"), D("2.000"))
    with w.session() as s:
        issued = s.scalars(select(MaterialsMove).where(MaterialsMove.kind == "issue")).one()
        assert (issued.quantity, issued.value, issued.origin_type, issued.origin_id) == (
            D("-3.000"),
            D("-126.00"),
            "sales.delivery",
            delivery_id,
        )
        order = s.get(type(order), order_id)
        invoice = invoices.invoice_order(s, order)
        invoices.post_invoice(s, invoice, w.user(s))
        s.commit()
        goods_line = next(ln for ln in invoice.lines if ln.product_id == w.goods_id)
        assert (goods_line.cost_unit, goods_line.cost_basis) == (D("42.0000"), "average")
        service_line = next(ln for ln in invoice.lines if ln.product_id == w.service_id)
        assert service_line.cost_basis == "standard"  # no stock, no average: the product's
    with w.session() as s:  # the backorder ships the rest of the reservation
        deliveries.ship_delivery(s, s.get(type(delivery), backorder_id), w.user(s))
        s.commit()
    assert level(w, w.main_id) == (D("5.000"), D("0.000"))


def test_cancelling_a_confirmed_order_gives_its_reservation_back(stock_world):
    from addons.sales import orders

    w = stock_world
    with w.session() as s:
        order = _order(w, s, "4")
        orders.confirm_order(s, order, w.user(s))
        s.commit()
    assert level(w, w.main_id)[1] == D("4.000")
    with w.session() as s:
        orders.cancel_order(s, s.get(type(order), order.id), w.user(s))
        s.commit()
    assert level(w, w.main_id)[1] == D("0.000")


def test_shipping_more_than_on_hand_is_refused_with_nothing_written(stock_world):
    from addons.sales import deliveries, orders

    w = stock_world
    with w.session() as s:
        move(s, "receipt", w.goods_id, w.main_id, D("2"), unit_cost=D("10"))
        order = _order(w, s, "5")
        delivery = orders.confirm_order(s, order, w.user(s))
        s.commit()
        delivery_id = delivery.id
    with w.session() as s:
        delivery = s.get(type(delivery), delivery_id)
        with pytest.raises(ValidationError, match="not enough stock"):
            deliveries.ship_delivery(s, delivery, w.user(s))
        s.rollback()
    with w.session() as s:
        assert s.get(type(delivery), delivery_id).state == "draft"
        assert s.scalar(select(func.count()).where(MaterialsMove.kind == "issue")) == 0
    assert level(w, w.main_id) == (D("2.000"), D("5.000"))


def test_two_receipts_of_one_product_at_once_keep_level_and_average_right(stock_world):
    w = stock_world
    barrier = threading.Barrier(2)
    errors = []

    def receive(price):
        try:
            with w.session() as s:
                barrier.wait(timeout=10)
                move(s, "receipt", w.goods_id, w.main_id, D("10"), unit_cost=D(price))
                s.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=receive, args=(p,)) for p in ("10", "30")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert level(w, w.main_id)[0] == D("20.000")
    assert cost(w) == (D("20.000"), D("400.00"), D("20.0000"))
    with w.session() as s:  # the kept rows are the sums of the moves
        moves = s.scalars(select(MaterialsMove)).all()
        assert sum(m.quantity for m in moves) == D("20.000")
        assert sum(m.value for m in moves) == D("400.00")
