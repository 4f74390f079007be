"""What other rooms ask about offerings (the reminders, say), so they need not read the
catalogue's tables themselves."""

from datetime import date, datetime

from sqlalchemy import Select, Subquery, select

from app.courses.models import CourseOffering, OfferingStatus
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


def cancelled_between(after: datetime, until: datetime) -> Select:
    """(id, facilitator_id, status_changed_at) of the offerings with a facilitator that were
    cancelled in (after, until]; offerings cancelled before the life cycle have no such time."""
    return select(
        CourseOffering.id, CourseOffering.facilitator_id, CourseOffering.status_changed_at
    ).where(
        CourseOffering.status == OfferingStatus.CANCELLED,
        CourseOffering.facilitator_id.is_not(None),
        CourseOffering.status_changed_at > after,
        CourseOffering.status_changed_at <= until,
    )
