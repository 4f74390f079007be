"""Offerings nobody is running: no facilitator, or one whose account is deactivated."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.courses.models import CourseOffering
from app.courses.services import matching, unstaffed
from app.data.pagination import page_of


def unstaffed_offerings(filters: dict, pagination) -> list[CourseOffering]:
    """Active offerings matching `filters` (trimester, year) that need a facilitator, earliest
    start first."""
    conditions = [*matching(filters), CourseOffering.is_active.is_(True), unstaffed()]
    statement = (
        select(CourseOffering)
        .outerjoin(CourseOffering.module)
        .options(contains_eager(CourseOffering.module))
        .where(*conditions)
        .order_by(CourseOffering.start_date, CourseOffering.id)
    )
    return page_of(statement, pagination, count_from=select(CourseOffering.id).where(*conditions))
