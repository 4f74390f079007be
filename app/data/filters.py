"""List filters shared by every room: exact matches on columns, and a time window."""

from sqlalchemy import ColumnElement


def exact_and_window(
    model, filters: dict, exact: tuple[str, ...], column, window: tuple[str, str]
) -> list[ColumnElement]:
    """`model.name == value` for each of `exact` given, and `column` within the window that
    `window` names (from inclusive, to exclusive)."""
    since, until = window
    conditions = [getattr(model, name) == filters[name] for name in exact if name in filters]
    if since in filters:
        conditions.append(column >= filters[since])
    if until in filters:
        conditions.append(column < filters[until])
    return conditions
