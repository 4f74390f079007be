"""Per-student attendance: the roster of a week, checking and saving a week's attendance, and a
student's own records. They flush; the unit of work commits.

A weekly log records, for each student on its week's roster, `present`, `absent` or `excused`
(one row per student). The legacy body form, a list of booleans, is read in roster order.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, case, cast, delete, func, insert, select

from app.activity.deadlines import DeadlineRule
from app.activity.models import (
    ABSENT,
    ATTENDANCE_STATUSES,
    PRESENT,
    ActivityLog,
    AttendanceRecord,
    attendance_rate,
)
from app.auth.models import StudentProfile, User
from app.core import clock
from app.core.exceptions import Invalid
from app.core.i18n import _
from app.courses.models import CourseOffering, Enrollment, Module
from app.courses.services import enrolled_between
from app.extensions import db


class BooleanAttendance(tuple):
    """The legacy body form: one boolean per student on the week's roster, in roster order
    (true: present, false: absent)."""


@dataclass(frozen=True)
class RosterStudent:
    id: int
    first_name: str
    last_name: str
    student_number: str | None


# --- the roster of a week --------------------------------------------------------------------


def roster(offering: CourseOffering, week_number: int | None = None) -> list[RosterStudent]:
    """The students enrolled in the offering during that teaching week (None: now), by last
    name, first name, id (the order the legacy boolean form is read in)."""
    if week_number is None:
        begins = ends = clock.now()
    else:
        begins, ends = DeadlineRule.from_config().week_bounds(offering.start_date, week_number)
    enrolled = enrolled_between(offering.id, begins, ends).subquery()
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name, StudentProfile.student_number)
        .join(enrolled, enrolled.c.student_id == User.id)
        .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .order_by(User.last_name, User.first_name, User.id)
    )
    return [RosterStudent(*row) for row in rows]


# --- checking and saving a week's attendance -------------------------------------------------


def taken(offering: CourseOffering, week_number: int, given) -> dict[int, str]:
    """The attendance a body gives, as {student id: status}, once checked against the week's
    roster: a 422 names each entry for a student not on it (the schema already refused
    duplicates and unknown statuses), or says how many students the legacy form needs."""
    if not given:
        return {}
    students = [student.id for student in roster(offering, week_number)]
    if isinstance(given, BooleanAttendance):
        if len(given) != len(students):
            raise Invalid(
                {"attendance": [_("The list of booleans needs one entry per student on the "
                                  "roster of week {week}: {count}.")
                                .format(week=week_number, count=len(students))]}
            )  # fmt: skip
        return {
            student: PRESENT if here else ABSENT
            for student, here in zip(students, given, strict=True)
        }
    on_roster = set(students)
    strangers = {
        index: {"student_id": [_("Not on the roster of week {week}.").format(week=week_number)]}
        for index, entry in enumerate(given)
        if entry["student_id"] not in on_roster
    }
    if strangers:
        raise Invalid({"attendance": strangers})
    return {entry["student_id"]: entry["status"] for entry in given}


def records(statuses: dict[int, str]) -> list[AttendanceRecord]:
    """A new log's records (its id is not known yet: the log's flush sets it)."""
    return [
        AttendanceRecord(student_id=student, status=status) for student, status in statuses.items()
    ]


def recorded(log: ActivityLog) -> dict[int, str]:
    return {record.student_id: record.status for record in log.attendance}


def save(log: ActivityLog, statuses: dict[int, str], before: dict[int, str]) -> dict:
    """Change a filed log's records from `before` to `statuses` in at most two statements, one
    DELETE and one multi-row INSERT whatever the roster's size; return the change per student,
    as the history shows it: {"attendance: Ada Lovelace (#12)": ["absent", "excused"]}."""
    changed = {
        student: (before.get(student), statuses.get(student))
        for student in before.keys() | statuses.keys()
        if before.get(student) != statuses.get(student)
    }
    if not changed:
        return {}
    replaced = [student for student, (old, _new) in changed.items() if old is not None]
    if replaced:
        db.session.execute(
            delete(AttendanceRecord).where(
                AttendanceRecord.log_id == log.id, AttendanceRecord.student_id.in_(replaced)
            )
        )
    rows = [
        {"log_id": log.id, "student_id": student, "status": new}
        for student, (_old, new) in changed.items()
        if new is not None
    ]
    if rows:
        db.session.execute(insert(AttendanceRecord), rows)
    db.session.expire(log, ["attendance"])
    return as_history(changed)


def clear_legacy_counts(log: ActivityLog) -> dict:
    """Attendance entered again for a log whose old list could not be matched: the counts give
    way to it (and the history keeps them)."""
    if log.legacy_recorded is None:
        return {}
    old = log.legacy_attendance
    log.legacy_present = log.legacy_recorded = None
    return {"legacy_attendance": [old, None]}


def as_history(changed: dict[int, tuple]) -> dict:
    if not changed:
        return {}
    names = dict(
        db.session.execute(
            select(User.id, User.first_name + " " + User.last_name).where(User.id.in_(changed))
        ).all()
    )
    return {
        f"attendance: {names.get(student, '')} (#{student})": [old, new]
        for student, (old, new) in sorted(changed.items())
    }


def unmatched_logs() -> list:
    """The logs holding legacy counts, by offering and week, with their module's code."""
    return db.session.execute(
        select(ActivityLog.id, ActivityLog.offering_id, ActivityLog.week_number,
               ActivityLog.legacy_present, ActivityLog.legacy_recorded,
               Module.code.label("module_code"))
        .join(CourseOffering, CourseOffering.id == ActivityLog.offering_id)
        .join(Module, Module.id == CourseOffering.module_id)
        .where(ActivityLog.legacy_recorded.is_not(None))
        .order_by(ActivityLog.offering_id, ActivityLog.week_number)
    ).all()  # fmt: skip


def rate_column() -> ColumnElement:
    """A log's attendance rate in SQL: present ÷ recorded, else its legacy counts' share."""
    recorded_share = (
        select(func.avg(case((AttendanceRecord.status == PRESENT, 1.0), else_=0.0)))
        .where(AttendanceRecord.log_id == ActivityLog.id)
        .scalar_subquery()
    )
    legacy_share = cast(ActivityLog.legacy_present, Float) / func.nullif(
        ActivityLog.legacy_recorded, 0
    )
    return func.coalesce(recorded_share, legacy_share)


def rounded_rate(value) -> float | None:
    return None if value is None else round(float(value), 4)


# --- a student's own attendance --------------------------------------------------------------


def of_student(student: User) -> list[dict]:
    """Per offering the student is enrolled in or has records in: their records by week and
    their rate. Nobody else's: every row is filtered on the student's own id."""
    records = db.session.execute(
        select(ActivityLog.offering_id, ActivityLog.week_number, AttendanceRecord.status)
        .join(AttendanceRecord, AttendanceRecord.log_id == ActivityLog.id)
        .where(AttendanceRecord.student_id == student.id)
        .order_by(ActivityLog.offering_id, ActivityLog.week_number)
    ).all()
    ids = {row.offering_id for row in records} | set(
        db.session.scalars(
            select(Enrollment.offering_id).where(Enrollment.student_id == student.id)
        )
    )
    offerings = db.session.execute(
        select(CourseOffering.id, CourseOffering.start_date, Module.code, Module.name)
        .join(Module, Module.id == CourseOffering.module_id)
        .where(CourseOffering.id.in_(ids))
        .order_by(CourseOffering.start_date.desc(), CourseOffering.id)
    ).all()
    by_offering: dict[int, list] = {}
    for row in records:
        by_offering.setdefault(row.offering_id, []).append(
            {"week_number": row.week_number, "status": row.status}
        )
    return [summary(offering, by_offering.get(offering.id, [])) for offering in offerings]


def summary(offering, weeks: list[dict]) -> dict:
    counts = {
        status: sum(week["status"] == status for week in weeks) for status in ATTENDANCE_STATUSES
    }
    return {
        "offering_id": offering.id,
        "module_code": offering.code,
        "module_name": offering.name,
        "weeks": weeks,
        **counts,
        "recorded": len(weeks),
        "attendance_rate": attendance_rate(counts[PRESENT], len(weeks)),
    }
