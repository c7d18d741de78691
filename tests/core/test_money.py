"""Money: Decimal only, one rounding rule, exact storage and sums, Turkish display."""

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from core.db import make_engine
from core.money import format_money, round_money, round_price, round_quantity, to_decimal
from core.types import Money, Quantity


def test_the_rounding_rule_is_half_up_to_two_places():
    assert round_money("2.675") == Decimal("2.68")
    assert round_money("2.665") == Decimal("2.67")  # half-even (marshmallow, Python) gives 2.66
    assert round_money("-2.675") == Decimal("-2.68")
    assert round_money(3) == Decimal("3.00")
    assert round_quantity("1.0005") == Decimal("1.001")
    assert round_price("9.99995") == Decimal("10.0000")


def test_floats_are_refused():
    with pytest.raises(TypeError, match="must not be a float"):
        to_decimal(0.1)
    with pytest.raises(ValueError, match="is not a number"):
        to_decimal("abc")
    with pytest.raises(ValueError, match="not a finite number"):
        to_decimal("NaN")


def test_display_in_turkish_and_english():
    assert format_money(Decimal("1234.56"), "TRY", "tr") == "1.234,56 ₺"
    assert format_money(Decimal("1234.5"), "TRY", "en") == "₺1,234.50"
    assert format_money(Decimal("-0.5"), "TRY", "tr") == "-0,50 ₺"
    assert format_money(Decimal("1000000"), "EUR", "tr") == "1.000.000,00 €"
    assert format_money(Decimal("12.5"), "USD", "en_US") == "$12.50"


def test_columns_are_exact_and_refuse_unrounded_values(yaprak_database_url):
    engine = make_engine(yaprak_database_url)
    metadata = MetaData()
    table = Table(
        "core_test_money",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("amount", Money()),
        Column("qty", Quantity()),
    )
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(table),
                [{"amount": Decimal("0.10"), "qty": "1.000"}] * 10
                + [{"amount": "99999999999.99", "qty": "0.001"}],
            )
            total = conn.execute(select(func.sum(table.c.amount))).scalar_one()
            assert total == Decimal("100000000000.99") and str(total) == "100000000000.99"
            assert conn.execute(select(func.sum(table.c.qty))).scalar_one() == Decimal("10.001")
            assert (
                conn.execute(
                    select(func.count()).where(table.c.amount > Decimal("0.09"))
                ).scalar_one()
                == 11
            )
        with (
            pytest.raises(Exception, match="has more than 2 decimal places"),
            engine.begin() as conn,
        ):
            conn.execute(insert(table), [{"amount": Decimal("0.105")}])
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_a_price_keeps_its_places_and_looks_like_money():
    from core.money import format_price

    assert format_price(Decimal("111.5011"), "TRY", "tr") == "111,5011 ₺"
    assert format_price(Decimal("12.5"), "TRY", "tr") == "12,50 ₺"
    assert format_price(Decimal("1234.567"), "TRY", "en") == "₺1,234.567"
    assert format_price(Decimal("-3.0001"), "TRY", "en") == "-₺3.0001"
