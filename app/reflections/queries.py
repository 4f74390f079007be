"""What other rooms ask about reflections (the reminders, say): who still owes one."""

from datetime import date

from sqlalchemy import Subquery, and_, exists, select

from app.courses.models import CourseOffering, Enrollment
from app.extensions import db
from app.reflections.models import Reflection


def unreflected_enrolments(last_days: list[date]) -> Subquery:
    """(offering_id, end_date, student_id) of every enrolment in an active offering whose last
    day is one of these, by a student who has not reflected on it, as a derived table."""
    return (
        select(CourseOffering.id.label("offering_id"), CourseOffering.end_date,
               Enrollment.student_id)
        .select_from(Enrollment)
        .join(CourseOffering, CourseOffering.id == Enrollment.offering_id)
        .outerjoin(Reflection, and_(Reflection.offering_id == Enrollment.offering_id,
                                    Reflection.student_id == Enrollment.student_id))
        .where(CourseOffering.is_active.is_(True), CourseOffering.end_date.in_(last_days),
               Reflection.id.is_(None))
        .subquery("unreflected")
    )  # fmt: skip


def owes_reflection(student_id: int, offering_id: int) -> bool:
    """Enrolled in the offering and not reflected on it yet."""
    enrolled = exists().where(
        Enrollment.offering_id == offering_id, Enrollment.student_id == student_id
    )
    reflected = exists().where(
        Reflection.offering_id == offering_id, Reflection.student_id == student_id
    )
    return bool(db.session.scalar(select(and_(enrolled, ~reflected))))
