"""Sales record pages as a new user meets them: a draft delivery's lines (product and what
is left shown, only the quantity typed), locked documents shown read-only, buttons offered
only when they can be used, and a new quote's defaults."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from addons.sales import deliveries, orders, quotes
from addons.sales.models import SalesDelivery, SalesOrder
from addons.sales.schemas import OrderSchema
from core.models import Company


@pytest.fixture
def company(sales_world, yaprak_runtime):
    with yaprak_runtime.db.Session() as s:
        found = s.get(Company, sales_world.company_id)
        s.expunge(found)
        return found


@pytest.fixture
def web(company, company_client):
    client = company_client(company, roles=["sales.manager"])
    client.token_ = client.csrf_token()
    return client


def _confirmed_order(w, quantity="10"):
    """A confirmed order of the goods (and the service); returns (order id, delivery id)."""
    with w.session() as s:
        data = OrderSchema().load(
            {
                "partner_id": w.customer_id,
                "lines": [
                    {"product_id": w.goods_id, "quantity": quantity},
                    {"product_id": w.service_id, "quantity": "1"},
                ],
            }
        )
        order = orders.create_order(s, data)
        delivery = orders.confirm_order(s, order, w.user(s))
        s.commit()
        return order.id, delivery.id


def _delivery(w, delivery_id):
    with w.runtime.db.session_for(w.company_id) as s:
        delivery = s.get(SalesDelivery, delivery_id)
        return [(ln.id, ln.order_line_id, ln.quantity) for ln in delivery.lines]


# -- 1. a draft delivery's lines ------------------------------------------------------------
def test_delivery_page_shows_the_product_and_what_is_left_and_only_the_quantity_is_typed(
    sales_world, web
):
    w = sales_world
    _, delivery_id = _confirmed_order(w)
    page = web.get(f"/sales/deliveries/{delivery_id}").get_data(as_text=True)
    assert "CIM-50" in page and "Çimento 50 kg" in page  # product, description: read-only
    assert 'name="lines-0-order_line_id"' not in page  # no free-typed order line
    assert 'name="lines-0-product"' not in page and 'name="lines-0-qty_left"' not in page
    assert 'name="lines-0-quantity"' in page
    assert re.search(r'name="lines-0-id" value="\d+"', page)


def test_saving_a_draft_delivery_with_more_than_is_left_is_refused(sales_world, web):
    w = sales_world
    _, delivery_id = _confirmed_order(w)
    ((line_id, order_line_id, quantity),) = _delivery(w, delivery_id)
    r = web.post(
        f"/sales/deliveries/{delivery_id}",
        data={"csrf_token": web.token_, "lines-0-id": str(line_id), "lines-0-quantity": "11"},
    )
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "siparişte sevk edilecek kalan miktardan fazla" in page  # under the line
    assert "Çimento 50 kg" in page  # the read-only columns stay after the refusal
    assert _delivery(w, delivery_id) == [(line_id, order_line_id, quantity)]  # nothing written
    # less is fine, and the line keeps its order line
    r = web.post(
        f"/sales/deliveries/{delivery_id}",
        data={"csrf_token": web.token_, "lines-0-id": str(line_id), "lines-0-quantity": "4"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert [(o, q) for _, o, q in _delivery(w, delivery_id)] == [(order_line_id, D("4.000"))]


def test_update_delivery_refuses_more_than_is_left_through_the_service(sales_world):
    w = sales_world
    _, delivery_id = _confirmed_order(w)
    with w.session() as s:
        delivery = s.get(SalesDelivery, delivery_id)
        order_line_id = delivery.lines[0].order_line_id
        with pytest.raises(ValidationError) as exc:
            deliveries.update_delivery(  # two lines of the same order line, 6 + 6 of 10
                s,
                delivery,
                {
                    "lines": [
                        {"order_line_id": order_line_id, "quantity": D("6")},
                        {"order_line_id": order_line_id, "quantity": D("6")},
                    ]
                },
            )
        assert exc.value.messages == {
            "lines": {
                0: {"quantity": ["more than is left to deliver of the order"]},
                1: {"quantity": ["more than is left to deliver of the order"]},
            }
        }
