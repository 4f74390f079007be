"""Reflection use cases: submit, read (each role its own share), and the per-offering summary.

Nothing here commits: the request (or CLI command) around a use case does.
"""

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import contains_eager

from app.auth.models import Role, User
from app.core.exceptions import Forbidden, NotFound
from app.core.i18n import _
from app.core.signals import reflection_submitted
from app.courses.models import CourseOffering, Enrollment
from app.courses.services import visible_to as offerings_visible_to
from app.data.pagination import page_of
from app.data.persistence import unique_or_conflict
from app.extensions import db
from app.reflections.models import Reflection

# --- writing ---------------------------------------------------------------------------------


def submit(student: User, data: dict) -> Reflection:
    """Record a student's reflection on an offering they are enrolled in.

    One per student and offering, decided by the unique key: a second is refused with a 409
    naming the first (reflections are not edited after submission).
    """
    offering_id = data["offering_id"]
    if not is_enrolled(student.id, offering_id):
        # The same answer for an offering that does not exist: ids are not probed this way.
        raise Forbidden(_("You can only reflect on an offering you are enrolled in."))
    reflection = Reflection(
        offering_id=offering_id,
        student_id=student.id,
        rating=data["rating"],
        language=data["language"],
        **data["answers"],
    )
    with unique_or_conflict(
        _("You have already reflected on this offering (reflection {id})."),
        existing_as="existing_reflection_id",
    ):
        db.session.add(reflection)
    reflection_submitted.send(reflection, actor=student)
    return reflection


def is_enrolled(student_id: int, offering_id: int) -> bool:
    return db.session.scalar(
        select(
            exists().where(
                Enrollment.student_id == student_id, Enrollment.offering_id == offering_id
            )
        )
    )


# --- reading ---------------------------------------------------------------------------------


def visible_to(user: User) -> list[ColumnElement]:
    """Managers see every reflection, facilitators those on their offerings, students only
    their own (not their classmates', though they share the offering)."""
    if user.role == Role.STUDENT:
        return [Reflection.student_id == user.id]
    return offerings_visible_to(user)


def offering_filters(filters: dict) -> list[ColumnElement]:
    """The list and summary filters, as conditions on the offering."""
    names = {"offering_id": "id", "module_id": "module_id", "cohort_id": "cohort_id",
             "trimester": "trimester", "year": "year"}  # fmt: skip
    return [
        getattr(CourseOffering, column) == filters[name]
        for name, column in names.items()
        if name in filters
    ]


def reflections_where(*conditions: ColumnElement):
    return (
        select(Reflection)
        .join(Reflection.offering)
        .options(contains_eager(Reflection.offering))
        .where(*conditions)
    )


def list_reflections(user: User, filters: dict, pagination) -> list[Reflection]:
    conditions = visible_to(user) + offering_filters(filters)
    statement = reflections_where(*conditions).order_by(
        Reflection.submitted_at.desc(), Reflection.id.desc()
    )
    count_from = select(Reflection.id).join(Reflection.offering).where(*conditions)
    return page_of(statement, pagination, count_from=count_from)


def get_reflection(user: User, reflection_id: int) -> Reflection:
    """The reflection if this user may read it (404 alike for missing and not yours)."""
    reflection = db.session.scalar(
        reflections_where(Reflection.id == reflection_id, *visible_to(user))
    )
    if reflection is None:
        raise NotFound(_("No such reflection."))
    return reflection


# --- summary (managers) ----------------------------------------------------------------------


def summary(filters: dict, pagination) -> list[dict]:
    """Per offering (one page of them): reflections received, average rating, response rate
    against enrolment, and who is enrolled but has not reflected.

    Enrolment and non-respondents count active students only: a deactivated account can no
    longer sign in to reflect, so chasing it, or counting it against the rate, misleads.

    Four queries for the whole page, whatever its size: the offerings, the reflection totals,
    the active students enrolled, the non-respondents among them.
    """
    offerings = page_of(
        select(CourseOffering)
        .where(*offering_filters(filters))
        .order_by(CourseOffering.start_date, CourseOffering.id),
        pagination,
        count_from=select(CourseOffering.id).where(*offering_filters(filters)),
    )
    ids = [offering.id for offering in offerings]
    totals = reflection_totals(ids)
    enrolled = active_enrolment(ids)
    missing = non_respondents(ids)
    return [offering_summary(offering, totals, enrolled, missing) for offering in offerings]


def reflection_totals(offering_ids: list[int]) -> dict[int, tuple[int, float]]:
    rows = db.session.execute(
        select(Reflection.offering_id, func.count(Reflection.id), func.avg(Reflection.rating))
        .where(Reflection.offering_id.in_(offering_ids))
        .group_by(Reflection.offering_id)
    )
    return {offering_id: (count, float(average)) for offering_id, count, average in rows}


def active_enrolment(offering_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Enrollment.offering_id, func.count(Enrollment.id))
        .join(User, User.id == Enrollment.student_id)
        .where(Enrollment.offering_id.in_(offering_ids), User.is_active)
        .group_by(Enrollment.offering_id)
    )
    return {offering_id: count for offering_id, count in rows}


def non_respondents(offering_ids: list[int]) -> dict[int, list[User]]:
    reflected = exists().where(
        Reflection.offering_id == Enrollment.offering_id,
        Reflection.student_id == Enrollment.student_id,
    )
    rows = db.session.execute(
        select(Enrollment.offering_id, User)
        .join(User, User.id == Enrollment.student_id)
        .where(Enrollment.offering_id.in_(offering_ids), User.is_active, ~reflected)
        .order_by(User.last_name, User.first_name, User.id)
    )
    missing: dict[int, list[User]] = {}
    for offering_id, student in rows:
        missing.setdefault(offering_id, []).append(student)
    return missing


def offering_summary(
    offering: CourseOffering, totals: dict, active_enrolled: dict, missing: dict
) -> dict:
    count, average = totals.get(offering.id, (0, None))
    absent = missing.get(offering.id, [])
    enrolled = active_enrolled.get(offering.id, 0)
    return {
        "offering_id": offering.id,
        "module_code": offering.module.code,
        "cohort_name": offering.cohort.name,
        "trimester": offering.trimester,
        "year": offering.year,
        "enrolled": enrolled,
        "count": count,
        "average_rating": None if average is None else round(average, 2),
        # Among the active students enrolled now (one who reflected and then left, or was
        # deactivated, is not counted; `count` still includes their reflection).
        "response_rate": round((enrolled - len(absent)) / enrolled, 4) if enrolled else None,
        "non_respondents": absent,
    }
