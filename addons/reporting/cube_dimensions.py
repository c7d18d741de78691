"""The cube's dimension tables: date, customer, customer group, product, category and
salesperson, plus those of other add-ons (``cube.Dimension``). Keys are the records' ids
(``dim_date``: yyyymmdd); every table holds only the company's rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import exists, or_, select

from .cube import Dimension, write_table

BUILT_IN = {"date", "customer", "customer_group", "product", "category", "salesperson"}
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DATE_COLUMNS = [
    ("date_key", "integer", "yyyymmdd: fact_sales_line.date_key"),
    ("date", "date", "the day"),
    ("year", "integer", "calendar year"),
    ("quarter", "integer", "1-4"),
    ("month", "integer", "1-12"),
    ("month_name", "text", "January ... December"),
    ("iso_year", "integer", "the ISO week's year"),
    ("iso_week", "integer", "ISO 8601 week, 1-53"),
    ("weekday", "integer", "ISO day of the week, 1 = Monday"),
    ("weekday_name", "text", "Monday ... Sunday"),
]


def date_rows(start: date | None, end: date | None) -> list[tuple]:
    if start is None or end is None:
        return []
    rows, day = [], start
    while day <= end:
        iso = day.isocalendar()
        rows.append(
            (
                day.year * 10000 + day.month * 100 + day.day,
                day,
                day.year,
                (day.month - 1) // 3 + 1,
                day.month,
                MONTHS[day.month - 1],
                iso[0],
                iso[1],
                iso[2],
                WEEKDAYS[iso[2] - 1],
            )
        )
        day += timedelta(days=1)
    return rows


def _address(partner: Any, field: str) -> Any:
    from core.models import PartnerAddress

    a = PartnerAddress.__table__
    return (
        select(a.c[field])
        .where(a.c.partner_id == partner.c.id, a.c.kind == "billing")
        .order_by(a.c.is_default.desc(), a.c.id)
        .limit(1)
        .scalar_subquery()
    )


def built_in(connection: Any, company_id: int) -> dict[str, tuple[list, Any, str]]:
    """Each built-in table but the date: (columns with meanings, its select, description)."""
    from addons.sales.models import SalesInvoice
    from core.models import Partner, PartnerGroup, Product, ProductCategory, User

    p, g = Partner.__table__, PartnerGroup.__table__
    pr, c, u = Product.__table__, ProductCategory.__table__, User.__table__
    inv = SalesInvoice.__table__
    invoiced = exists().where(inv.c.partner_id == p.c.id, inv.c.company_id == company_id)
    sold_by = select(inv.c.salesperson_id).where(inv.c.company_id == company_id).distinct()
    return {
        "customer": (
            [
                ("key", "integer", "the partner's id: fact_sales_line.customer_key"),
                ("name", "text", "name"),
                ("tax_id", "text", "VKN"),
                ("tax_office", "text", "tax office"),
                ("email", "text", "e-mail"),
                ("phone", "text", "phone"),
                ("city", "text", "city of the billing address"),
                ("country", "text", "country of the billing address (ISO 3166)"),
                ("group_key", "integer", "dim_customer_group.key"),
                ("is_company", "boolean", "a legal entity (else a person)"),
                ("currency", "text", "the partner's currency"),
            ],
            select(
                p.c.id,
                p.c.name,
                p.c.tax_id,
                p.c.tax_office,
                p.c.email,
                p.c.phone,
                _address(p, "city"),
                _address(p, "country"),
                p.c.group_id,
                p.c.is_company,
                p.c.currency,
            )
            .where(p.c.company_id == company_id, or_(p.c.is_customer, invoiced))
            .order_by(p.c.id),
            "customers: partners marked customer or invoiced",
        ),
        "customer_group": (
            [("key", "integer", "the group's id"), ("name", "text", "name")],
            select(g.c.id, g.c.name).where(g.c.company_id == company_id).order_by(g.c.id),
            "customer groups",
        ),
        "product": (
            [
                ("key", "integer", "the product's id: fact_sales_line.product_key"),
                ("code", "text", "code"),
                ("name", "text", "name"),
                ("type", "text", "goods | service"),
                ("category_key", "integer", "dim_category.key"),
                ("uom", "text", "unit of measure (UN/ECE Rec 20)"),
            ],
            select(pr.c.id, pr.c.code, pr.c.name, pr.c.type, pr.c.category_id, pr.c.uom)
            .where(pr.c.company_id == company_id)
            .order_by(pr.c.id),
            "products and services",
        ),
        "category": (
            [
                ("key", "integer", "the category's id"),
                ("name", "text", "name"),
                ("parent_key", "integer", "the parent category's key"),
            ],
            select(c.c.id, c.c.name, c.c.parent_id)
            .where(c.c.company_id == company_id)
            .order_by(c.c.id),
            "product categories",
        ),
        "salesperson": (
            [("key", "integer", "the user's id"), ("name", "text", "name"), ("email", "text", "")],
            select(u.c.id, u.c.name, u.c.email).where(u.c.id.in_(sold_by)).order_by(u.c.id),
            "users who are salesperson of an invoice of the company",
        ),
    }


def write_all(
    connection: Any,
    company_id: int,
    out_dir: Path,
    span: tuple[date | None, date | None],
    dimensions: Sequence[Dimension],
) -> dict[str, Any]:
    """Write every dimension table; returns their descriptions for ``cube.json``."""
    tables: dict[str, Any] = {}

    def described(name: str, columns: list, count: int, description: str) -> None:
        tables[f"dim_{name}"] = {
            "description": description,
            "rows": count,
            "columns": [{"name": n, "type": k, "meaning": m} for n, k, m in columns],
        }

    rows = date_rows(*span)
    write_table(out_dir / "dim_date.parquet", [(n, k) for n, k, _ in DATE_COLUMNS], rows)
    described("date", DATE_COLUMNS, len(rows), "every day of the exported period")
    for name, (columns, query, description) in built_in(connection, company_id).items():
        path = out_dir / f"dim_{name}.parquet"
        count = write_table(path, [(n, k) for n, k, _ in columns], connection.execute(query))
        described(name, columns, count, description)
    for dim in dimensions:
        columns = [("key", "integer", f"fact_sales_line.{dim.name}_key")]
        columns += [(n, k, "") for n, k in dim.columns]
        path = out_dir / f"dim_{dim.name}.parquet"
        count = write_table(path, [(n, k) for n, k, _ in columns], dim.rows(connection, company_id))
        described(dim.name, columns, count, dim.description)
    return tables
