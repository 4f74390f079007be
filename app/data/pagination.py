"""Page a select statement the flask-smorest way (`page`, `page_size`, `X-Pagination`)."""

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, func, select

from app.extensions import db


def page_of(
    statement: Select,
    pagination: PaginationParameters,
    count_from: Select | None = None,
    rows: bool = False,
) -> list:
    """One page of `statement`'s rows, after one COUNT for the pagination header: its first
    column's values (ORM objects, say), or whole rows as mappings with `rows`.

    `count_from` is the same filter without eager loads or sorting, when those would make
    counting slower than it needs to be.
    """
    counted = (count_from if count_from is not None else statement).order_by(None).subquery()
    pagination.item_count = db.session.scalar(select(func.count()).select_from(counted))
    if pagination.first_item >= pagination.item_count:
        return []  # past the end (and an offset the database might not even accept)
    page = statement.limit(pagination.page_size).offset(pagination.first_item)
    if rows:
        return db.session.execute(page).mappings().all()
    return db.session.scalars(page).unique().all()


def newest_first(moment) -> tuple:
    """Order by a timestamp column, latest first; the id settles rows written in the same
    instant, so pages never overlap."""
    return moment.desc(), moment.table.c.id.desc()
