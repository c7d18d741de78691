"""``yaprak materials check``: the stock and cost rows against the sums of the moves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import MaterialsCost, MaterialsMove, MaterialsStock


def differences(session: Session) -> list[str]:
    """What ``MaterialsStock.on_hand`` and ``MaterialsCost`` (quantity, value) say that the
    moves of the company do not (one line each; none when they agree)."""
    found = []
    moved = {
        (p, w): q
        for p, w, q in session.execute(
            select(
                MaterialsMove.product_id,
                MaterialsMove.warehouse_id,
                func.sum(MaterialsMove.quantity),
            ).group_by(MaterialsMove.product_id, MaterialsMove.warehouse_id)
        )
    }
    kept = {
        (s.product_id, s.warehouse_id): s.on_hand for s in session.scalars(select(MaterialsStock))
    }
    for key in sorted(set(moved) | set(kept)):
        a, b = Decimal(moved.get(key) or 0), Decimal(kept.get(key) or 0)
        if a != b:
            found.append(f"product {key[0]} warehouse {key[1]}: on hand {b}, moves sum {a}")
    sums = {
        p: (Decimal(q or 0), Decimal(v or 0))
        for p, q, v in session.execute(
            select(
                MaterialsMove.product_id,
                func.sum(MaterialsMove.quantity),
                func.sum(MaterialsMove.value),
            ).group_by(MaterialsMove.product_id)
        )
    }
    costs = {c.product_id: (c.quantity, c.value) for c in session.scalars(select(MaterialsCost))}
    for product in sorted(set(sums) | set(costs)):
        q1, v1 = sums.get(product, (Decimal(0), Decimal(0)))
        q2, v2 = costs.get(product, (Decimal(0), Decimal(0)))
        if q1 != q2:
            found.append(f"product {product}: cost quantity {q2}, moves sum {q1}")
        if v1 != v2:
            found.append(f"product {product}: stock value {v2}, moves sum {v1}")
    return found


@click.command("check")
@click.option("--company", "code", required=True, help="company code")
def check(code: str) -> Any:
    """Compare on-hand stock and the moving averages' quantities and values with the moves."""
    from core.cli import company_context

    with company_context(code) as (session, _company):
        found = differences(session)
    for line in found:
        click.echo(line)
    if found:
        raise click.exceptions.Exit(1)
    click.echo("ok: stock and costs agree with the moves")
