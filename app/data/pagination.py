"""Page a select statement the flask-smorest way (`page`, `page_size`, `X-Pagination`)."""

from collections.abc import Callable

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, Subquery, func, select

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
    if not counted(count_from if count_from is not None else statement, pagination):
        return []
    page = statement.limit(pagination.page_size).offset(pagination.first_item)
    if rows:
        return db.session.execute(page).mappings().all()
    return db.session.scalars(page).unique().all()


def page_by_keys(
    keys: Select, load: Callable[[Subquery], Select], pagination: PaginationParameters
) -> list:
    """One page found by its keys, then loaded: `keys` selects the rows' ids alone, sorted, which
    an index can answer; `load(page)` selects the ORM objects joined to the page of ids (and
    sorts them again). Sorting and skipping then never carry whole rows, and only the page's rows
    are read.

    The keys carry their total (a window count), so the index is read once, by one statement,
    for both the page and the pagination header: a separate COUNT read it all a second time, as
    much of the database's work as the page itself. A page past the end holds no row to carry
    the total, and counts apart. `keys` must hold one row per key, with no DISTINCT: a window
    count counts the rows before DISTINCT removes any."""
    if pagination.first_item > LARGEST_OFFSET:
        counted(keys, pagination)
        return []
    page = (
        keys.add_columns(func.count().over().label("matching"))
        .limit(pagination.page_size)
        .offset(pagination.first_item)
        .subquery("page")
    )
    rows = db.session.execute(load(page).add_columns(page.c.matching)).unique().all()
    if rows:
        pagination.item_count = rows[0].matching
    elif pagination.first_item:
        counted(keys, pagination)
    else:
        pagination.item_count = 0
    return [row[0] for row in rows]


# The largest OFFSET SQLite takes (MariaDB's is larger); a page further on is past any table's end.
LARGEST_OFFSET = 2**63 - 1


def counted(statement: Select, pagination: PaginationParameters) -> bool:
    """Count `statement`'s rows into the pagination header; False when the page asked for is
    past the end (and has an offset the database might not even accept)."""
    counting = select(func.count()).select_from(statement.order_by(None).subquery())
    pagination.item_count = db.session.scalar(counting)
    return pagination.first_item < pagination.item_count


def newest_first(moment) -> tuple:
    """Order by a timestamp column, latest first; the id settles rows written in the same
    instant, so pages never overlap."""
    return moment.desc(), moment.table.c.id.desc()
