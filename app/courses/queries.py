"""What other rooms ask about offerings (the reminders, say), so they need not read the
catalogue's tables themselves."""

from datetime import date

from sqlalchemy import Subquery, select

from app.courses.models import CourseOffering
from app.courses.services import unstaffed
from app.extensions import db


def unstaffed_starting(first_day: date, last_day: date) -> Subquery:
    """(id, start_date) of the active offerings starting between these days, both included,
    that nobody runs (see services.unstaffed), as a derived table to join on."""
    return (
        select(CourseOffering.id, CourseOffering.start_date)
        .where(
            CourseOffering.is_active.is_(True),
            unstaffed(),
            CourseOffering.start_date.between(first_day, last_day),
        )
        .subquery("unstaffed_offerings")
    )


def is_unstaffed(offering_id: int) -> bool:
    found = db.session.scalar(
        select(CourseOffering.id).where(CourseOffering.id == offering_id, unstaffed())
    )
    return found is not None


def offerings_by_id(ids: set[int]) -> dict[int, CourseOffering]:
    if not ids:
        return {}
    found = db.session.scalars(select(CourseOffering).where(CourseOffering.id.in_(ids)))
    return {offering.id: offering for offering in found.unique()}


def facilitated_by(user_id: int) -> list[CourseOffering]:
    """The active offerings this person facilitates, earliest first."""
    return (
        db.session.scalars(
            select(CourseOffering)
            .where(CourseOffering.facilitator_id == user_id, CourseOffering.is_active.is_(True))
            .order_by(CourseOffering.start_date, CourseOffering.id)
        )
        .unique()
        .all()
    )
