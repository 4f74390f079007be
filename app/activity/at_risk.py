"""Students at risk of failing through absence: the one rule, as SQL, for the lists, the
downloads and anything that must check again later (a notification before it is sent).

A student is at risk in an offering they are enrolled in when
- `low_attendance`: at least AT_RISK_MIN_WEEKS of their weeks are recorded there and their
  attendance rate (present ÷ recorded) is below AT_RISK_ATTENDANCE; or
- `consecutive_absences`: their latest AT_RISK_CONSECUTIVE_ABSENCES recorded weeks (or more)
  there are all `absent` (an excused or attended week ends a run).
Weeks where the student was not taken do not count either way.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select

from app.activity.models import ABSENT, EXCUSED, PRESENT, ActivityLog, AttendanceRecord
from app.activity.models import attendance_rate as rate
from app.api import exports
from app.auth.models import StudentProfile, User
from app.courses.models import CourseOffering, Enrollment, Module, OfferingStatus
from app.data.pagination import page_of
from app.extensions import db

LOW_ATTENDANCE, CONSECUTIVE_ABSENCES = "low_attendance", "consecutive_absences"
SCALE = 10_000  # rates are compared as whole numbers of ten-thousandths: no float rounding


@dataclass(frozen=True)
class Thresholds:
    min_weeks: int
    attendance: float
    consecutive_absences: int

    @classmethod
    def from_config(cls) -> "Thresholds":
        config = current_app.config
        return cls(
            config["AT_RISK_MIN_WEEKS"],
            config["AT_RISK_ATTENDANCE"],
            config["AT_RISK_CONSECUTIVE_ABSENCES"],
        )


@dataclass(frozen=True)
class StudentAtRisk:
    """One student at risk in one offering, with the figures behind it."""

    offering_id: int
    student_id: int
    reasons: tuple[str, ...]  # LOW_ATTENDANCE and/or CONSECUTIVE_ABSENCES
    attendance_rate: float
    recorded_weeks: int
    present: int
    absent: int
    excused: int
    consecutive_absences: int  # the run of absences ending at their latest recorded week


def count_of(status: str) -> ColumnElement:
    return func.sum(case((AttendanceRecord.status == status, 1), else_=0))


def figures(conditions: Iterable[ColumnElement]):
    """Per enrolled (offering, student) with records: the counts, their latest recorded week,
    and the latest week they were not absent (0 if none), from which the current run of
    absences is counted."""
    return (
        select(
            ActivityLog.offering_id,
            AttendanceRecord.student_id,
            func.count().label("recorded_weeks"),
            count_of(PRESENT).label("present"),
            count_of(ABSENT).label("absent"),
            count_of(EXCUSED).label("excused"),
            func.max(ActivityLog.week_number).label("last_recorded"),
            func.max(case((AttendanceRecord.status != ABSENT, ActivityLog.week_number), else_=0))
            .label("last_not_absent"),
        )
        .join(AttendanceRecord, AttendanceRecord.log_id == ActivityLog.id)
        .join(CourseOffering, CourseOffering.id == ActivityLog.offering_id)
        .join(
            Enrollment,
            and_(
                Enrollment.offering_id == ActivityLog.offering_id,
                Enrollment.student_id == AttendanceRecord.student_id,
            ),
        )
        .where(*conditions)
        .group_by(ActivityLog.offering_id, AttendanceRecord.student_id)
        .cte("attendance_figures")
    )  # fmt: skip


def absence_runs(stats):
    """Per (offering, student): how many recorded weeks come after the latest one they were
    not absent — all absences, by that definition — up to the latest week the conditions
    let count."""
    return (
        select(stats.c.offering_id, stats.c.student_id, func.count().label("run"))
        .join(ActivityLog, ActivityLog.offering_id == stats.c.offering_id)
        .join(
            AttendanceRecord,
            and_(
                AttendanceRecord.log_id == ActivityLog.id,
                AttendanceRecord.student_id == stats.c.student_id,
            ),
        )
        .where(
            ActivityLog.week_number > stats.c.last_not_absent,
            ActivityLog.week_number <= stats.c.last_recorded,
        )
        .group_by(stats.c.offering_id, stats.c.student_id)
        .subquery("absence_runs")
    )


def at_risk_query(conditions: Iterable[ColumnElement], thresholds: Thresholds) -> Select:
    """The students at risk among those the conditions (on logs, records, offerings and
    enrolments) select: offering_id, student_id, the figures and a flag per reason."""
    stats = figures(conditions)
    runs = absence_runs(stats)
    run = func.coalesce(runs.c.run, 0)
    low = and_(
        stats.c.recorded_weeks >= thresholds.min_weeks,
        stats.c.present * SCALE
        < literal(round(thresholds.attendance * SCALE)) * stats.c.recorded_weeks,
    )
    absent_run = run >= thresholds.consecutive_absences
    return (
        select(
            stats.c.offering_id,
            stats.c.student_id,
            stats.c.recorded_weeks,
            stats.c.present,
            stats.c.absent,
            stats.c.excused,
            run.label("consecutive_absences"),
            case((low, 1), else_=0).label(f"reason_{LOW_ATTENDANCE}"),
            case((absent_run, 1), else_=0).label(f"reason_{CONSECUTIVE_ABSENCES}"),
        )
        .outerjoin(
            runs,
            and_(
                runs.c.offering_id == stats.c.offering_id, runs.c.student_id == stats.c.student_id
            ),
        )
        .where(or_(low, absent_run))
    )


def as_student_at_risk(row: Mapping) -> StudentAtRisk:
    return StudentAtRisk(
        offering_id=row["offering_id"],
        student_id=row["student_id"],
        reasons=tuple(
            reason for reason in (LOW_ATTENDANCE, CONSECUTIVE_ABSENCES) if row[f"reason_{reason}"]
        ),
        attendance_rate=rate(int(row["present"]), int(row["recorded_weeks"])),
        recorded_weeks=int(row["recorded_weeks"]),
        present=int(row["present"]),
        absent=int(row["absent"]),
        excused=int(row["excused"]),
        consecutive_absences=int(row["consecutive_absences"]),
    )


def students_at_risk(
    offering_ids: Iterable[int] | None = None,
    student_id: int | None = None,
    through_week: int | None = None,
) -> list[StudentAtRisk]:
    """The students currently at risk in these offerings (None: in every active offering),
    optionally only this student; by offering, then student id. With `through_week`, as the
    weeks up to that one alone would have them (what an episode at risk began with)."""
    conditions = (
        [CourseOffering.status == OfferingStatus.ACTIVE]
        if offering_ids is None
        else [ActivityLog.offering_id.in_(list(offering_ids))]
    )
    if student_id is not None:
        conditions.append(AttendanceRecord.student_id == student_id)
    if through_week is not None:
        conditions.append(ActivityLog.week_number <= through_week)
    statement = at_risk_query(conditions, Thresholds.from_config())
    rows = db.session.execute(statement.order_by("offering_id", "student_id")).mappings()
    return [as_student_at_risk(row) for row in rows]


def episodes_began(students: Iterable[StudentAtRisk]) -> dict[tuple[int, int], int]:
    """(offering_id, student_id) → the recorded week their current spell at risk began: the
    earliest week from which the weeks recorded so far, counted up to each later week in turn,
    always put them at risk. Read from the records alone, so anyone asking gets the same week
    for the same spell, and a new one after a recovery."""
    spell = {(student.offering_id, student.student_id) for student in students}
    began: dict[tuple[int, int], int] = {}
    for week in recorded_weeks({offering_id for offering_id, _student in spell}):
        offering_ids = {offering_id for offering_id, _student in spell}
        spell &= {
            (student.offering_id, student.student_id)
            for student in students_at_risk(offering_ids, through_week=week)
        }
        if not spell:
            break
        began |= dict.fromkeys(spell, week)
    return began


def recorded_weeks(offering_ids: set[int]) -> list[int]:
    """The week numbers logged in these offerings, latest first."""
    return db.session.scalars(
        select(ActivityLog.week_number)
        .distinct()
        .where(ActivityLog.offering_id.in_(list(offering_ids)))
        .order_by(ActivityLog.week_number.desc())
    ).all()


def is_at_risk(offering_id: int, student_id: int) -> bool:
    """Whether the student is still at risk in the offering now (a send-time re-check)."""
    return bool(students_at_risk([offering_id], student_id))


# --- the lists -------------------------------------------------------------------------------


def listing(conditions: Iterable[ColumnElement]) -> Select:
    """The students at risk with their names and offering, by module, offering, last name,
    first name and id."""
    risk = at_risk_query(conditions, Thresholds.from_config()).subquery("at_risk")
    return (
        select(
            risk,
            Module.code.label("module_code"),
            CourseOffering.facilitator_id,
            User.first_name,
            User.last_name,
            StudentProfile.student_number,
        )
        .join(CourseOffering, CourseOffering.id == risk.c.offering_id)
        .join(Module, Module.id == CourseOffering.module_id)
        .join(User, User.id == risk.c.student_id)
        .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .order_by(Module.code, risk.c.offering_id, User.last_name, User.first_name, User.id)
    )


def as_listed(row: Mapping) -> dict:
    """A listed row: who, where, why, and the figures."""
    student = as_student_at_risk(row)
    return {
        "offering_id": row["offering_id"],
        "module_code": row["module_code"],
        "facilitator_id": row["facilitator_id"],
        "student_id": row["student_id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "student_number": row["student_number"],
        "reasons": list(student.reasons),
        "attendance_rate": student.attendance_rate,
        "recorded_weeks": student.recorded_weeks,
        "present": student.present,
        "absent": student.absent,
        "excused": student.excused,
        "consecutive_absences": student.consecutive_absences,
    }


def in_offering(offering_id: int) -> list[ColumnElement]:
    return [ActivityLog.offering_id == offering_id]


def page(conditions: list[ColumnElement], pagination) -> list[dict]:
    """One page of the students at risk that the conditions (on offerings, logs) select."""
    return [as_listed(row) for row in page_of(listing(conditions), pagination, rows=True)]


def every_row(conditions: list[ColumnElement]) -> Iterator[dict]:
    """All of them, read in batches (for a download)."""
    statement = listing(conditions)
    names = list(statement.selected_columns.keys())
    for values in exports.streamed(statement):
        yield as_listed(dict(zip(names, values, strict=True)))
