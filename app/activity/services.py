"""Weekly log and compliance use cases. The only place in `activity` that commits."""

from datetime import UTC, datetime

from flask_smorest import abort
from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from app.activity.deadlines import DeadlineRule
from app.activity.models import CHECKLIST, ActivityLog, ActivityLogChange
from app.auth.models import Role, User
from app.courses.models import CourseOffering, Module, teaching_weeks
from app.errors import abort_invalid
from app.extensions import db
from app.i18n import _
from app.pagination import page_of
from app.types import utcnow

EDITABLE = (*CHECKLIST, "attendance", "notes")


# --- reading ---------------------------------------------------------------------------------


def visible_to(user: User) -> list[ColumnElement]:
    """Managers see every log; facilitators the logs of offerings allocated to them."""
    if user.role == Role.MANAGER:
        return []
    if user.role == Role.FACILITATOR:
        return [CourseOffering.facilitator_id == user.id]
    return [false()]


def get_log(user: User, log_id: int, for_update: bool = False) -> ActivityLog:
    """The log if this user may see it (404 alike for missing and not yours).

    `for_update` locks the row, so concurrent edits of one log take turns.
    """
    statement = (
        select(ActivityLog)
        .join(ActivityLog.offering)
        .options(contains_eager(ActivityLog.offering))
        .where(ActivityLog.id == log_id, *visible_to(user))
    )
    if for_update:
        statement = statement.with_for_update(of=ActivityLog)
    log = db.session.scalar(statement)
    if log is None:
        abort(404, message=_("No such activity log."))
    return log


def matching(filters: dict) -> list[ColumnElement]:
    on_offering = ("facilitator_id", "module_id", "cohort_id", "trimester", "year")
    conditions = [
        getattr(CourseOffering, name) == filters[name] for name in on_offering if name in filters
    ]
    if "allocation_id" in filters:
        conditions.append(ActivityLog.offering_id == filters["allocation_id"])
    if "week_number" in filters:
        conditions.append(ActivityLog.week_number == filters["week_number"])
    if "status" in filters:
        conditions.append(
            or_(*(getattr(ActivityLog, item) == filters["status"] for item in CHECKLIST))
        )
    if "is_complete" in filters:
        complete = and_(*(getattr(ActivityLog, item) == "Done" for item in CHECKLIST))
        conditions.append(complete if filters["is_complete"] else ~complete)
    if "is_late" in filters:
        late = ActivityLog.submitted_at > ActivityLog.due_at
        conditions.append(late if filters["is_late"] else ~late)
    if "submitted_from" in filters:
        conditions.append(ActivityLog.submitted_at >= as_utc(filters["submitted_from"]))
    if "submitted_to" in filters:
        conditions.append(ActivityLog.submitted_at < as_utc(filters["submitted_to"]))
    return conditions


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def list_logs(user: User, filters: dict, pagination) -> list[ActivityLog]:
    conditions = visible_to(user) + matching(filters)
    statement = (
        select(ActivityLog)
        .join(ActivityLog.offering)
        .options(contains_eager(ActivityLog.offering))
        .where(*conditions)
        .order_by(ActivityLog.offering_id, ActivityLog.week_number)
    )
    count_from = select(ActivityLog.id).join(ActivityLog.offering).where(*conditions)
    return page_of(statement, pagination, count_from=count_from)


def history(log: ActivityLog) -> list[ActivityLogChange]:
    return db.session.scalars(
        select(ActivityLogChange)
        .where(ActivityLogChange.log_id == log.id)
        .order_by(ActivityLogChange.changed_at, ActivityLogChange.id)
    ).all()


# --- writing ---------------------------------------------------------------------------------


def file_log(user: User, data: dict) -> ActivityLog:
    """File the log for one week; the unique (offering, week) key settles duplicates."""
    offering = offering_to_file_for(user, data.pop("allocation_id"))
    check_week(offering, data["week_number"])
    check_attendance(offering, data["attendance"])
    rule = DeadlineRule.from_config()
    log = ActivityLog(
        offering_id=offering.id,
        submitted_by_id=user.id,
        filed_on_behalf=user.id != offering.facilitator_id,
        due_at=rule.due_at(offering.start_date, data["week_number"]),
        **data,
    )
    db.session.add(log)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        abort_duplicate(offering.id, data["week_number"])
    record(log, "created", user, {field: [None, getattr(log, field)] for field in EDITABLE})
    db.session.commit()
    return log


def offering_to_file_for(user: User, offering_id: int) -> CourseOffering:
    offering = db.session.get(CourseOffering, offering_id)
    if offering is None:
        abort_invalid(
            {"allocation_id": [_("No course offering with id {id}.").format(id=offering_id)]}
        )
    if user.role != Role.MANAGER and offering.facilitator_id != user.id:
        abort(403, message=_("Only the facilitator allocated to this offering can file its logs."))
    if not offering.is_active:
        abort(409, message=_("This offering is archived; it takes no new logs."))
    return offering


def check_week(offering: CourseOffering, week_number: int) -> None:
    if not 1 <= week_number <= offering.weeks:
        abort_invalid(
            {"week_number": [_("Must be between 1 and {weeks}, the offering's teaching weeks.")
                             .format(weeks=offering.weeks)]}
        )  # fmt: skip


def check_attendance(offering: CourseOffering, attendance: list[bool]) -> None:
    if len(attendance) > offering.max_students:
        abort_invalid(
            {"attendance": [_("At most {count} entries: the offering's capacity.")
                            .format(count=offering.max_students)]}
        )  # fmt: skip


def abort_duplicate(offering_id: int, week_number: int):
    existing = db.session.scalar(
        select(ActivityLog.id).where(
            ActivityLog.offering_id == offering_id, ActivityLog.week_number == week_number
        )
    )
    abort(
        409,
        message=_("The log for this week exists already (log {id}).").format(id=existing),
        errors={"existing_log_id": existing},
    )


def update_log(user: User, log: ActivityLog, changes: dict) -> ActivityLog:
    """Change a log (locked for its facilitator once the lock date passes; managers always)."""
    rule = DeadlineRule.from_config()
    locks_at = log.due_at + rule.lock_after
    if user.role != Role.MANAGER and utcnow() > locks_at:
        abort(
            403,
            message=_(
                "This log has been read-only since {date}; ask a manager to correct it."
            ).format(date=locks_at.date().isoformat()),
        )
    if "attendance" in changes:
        check_attendance(log.offering, changes["attendance"])
    diff = {
        field: [getattr(log, field), value]
        for field, value in changes.items()
        if getattr(log, field) != value
    }
    for field, (_old, new) in diff.items():
        setattr(log, field, new)
    if diff:
        record(log, "updated", user, diff)
    db.session.commit()
    return log


def delete_log(manager: User, log: ActivityLog) -> None:
    """Delete a log; its history stays, with a last entry holding what was deleted."""
    record(log, "deleted", manager, {field: [getattr(log, field), None] for field in EDITABLE})
    db.session.delete(log)
    db.session.commit()


def record(log: ActivityLog, action: str, user: User, changes: dict) -> None:
    db.session.add(
        ActivityLogChange(
            log_id=log.id,
            offering_id=log.offering_id,
            week_number=log.week_number,
            action=action,
            changed_by_id=user.id,
            changes=changes,
        )
    )


# --- compliance ------------------------------------------------------------------------------

ON_TIME, LATE, INCOMPLETE, MISSING = "submitted_on_time", "submitted_late", "incomplete", "missing"
OUTCOMES = (ON_TIME, LATE, INCOMPLETE, MISSING)


def compliance_report(user: User, filters: dict) -> dict:
    """Every (offering, week) already due in a trimester, classified, with totals.

    Three queries whatever the size (offerings in scope, their logs, their facilitators'
    names); the classification runs over those rows with the same deadline rule as the API.
    """
    rule, now = DeadlineRule.from_config(), utcnow()
    offerings = db.session.execute(compliance_scope(user, filters)).all()
    logs = {
        (log.offering_id, log.week_number): log
        for log in db.session.execute(
            select(ActivityLog.id, ActivityLog.offering_id, ActivityLog.week_number,
                   ActivityLog.submitted_at, ActivityLog.due_at,
                   *(getattr(ActivityLog, item) for item in CHECKLIST))
            .where(ActivityLog.offering_id.in_(compliance_scope(user, filters, ids_only=True)))
        )
    }  # fmt: skip
    names = facilitator_names({offering.facilitator_id for offering in offerings})
    rows = [
        classify(offering, week, rule, logs.get((offering.id, week)), names)
        for offering in offerings
        for week in range(
            1,
            rule.weeks_due(
                offering.start_date, teaching_weeks(offering.start_date, offering.end_date), now
            )
            + 1,
        )
    ]
    return {
        "trimester": filters["trimester"],
        "year": filters["year"],
        "generated_at": now,
        "overall": totals(rows),
        "facilitators": per_facilitator(rows),
        "rows": rows,
    }


def compliance_scope(user: User, filters: dict, ids_only: bool = False):
    columns = (CourseOffering.id,) if ids_only else (
        CourseOffering.id, CourseOffering.start_date, CourseOffering.end_date,
        CourseOffering.facilitator_id, Module.code.label("module_code"),
    )  # fmt: skip
    statement = select(*columns).where(
        CourseOffering.trimester == filters["trimester"],
        CourseOffering.year == filters["year"],
        CourseOffering.is_active.is_(True),
        *(getattr(CourseOffering, name) == filters[name]
          for name in ("cohort_id", "module_id", "facilitator_id") if name in filters),
        *visible_to(user),
    )  # fmt: skip
    if ids_only:
        return statement
    return statement.join(Module, Module.id == CourseOffering.module_id).order_by(CourseOffering.id)


def facilitator_names(ids: set[int | None]) -> dict[int, str]:
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(ids - {None}))
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in rows}


def classify(offering, week: int, rule: DeadlineRule, log, names: dict) -> dict:
    if log is None:
        outcome = MISSING
    elif any(getattr(log, item) != "Done" for item in CHECKLIST):
        outcome = INCOMPLETE
    else:
        outcome = LATE if log.submitted_at > log.due_at else ON_TIME
    return {
        "allocation_id": offering.id,
        "module_code": offering.module_code,
        "facilitator_id": offering.facilitator_id,
        "facilitator_name": names.get(offering.facilitator_id),
        "week_number": week,
        "due_at": log.due_at if log else rule.due_at(offering.start_date, week),
        "status": outcome,
        "log_id": log.id if log else None,
        "submitted_at": log.submitted_at if log else None,
    }


def totals(rows: list[dict]) -> dict:
    counts = {outcome: 0 for outcome in OUTCOMES}
    for row in rows:
        counts[row["status"]] += 1
    due = len(rows)
    return {
        "due": due,
        **counts,
        "completion_rate": round((counts[ON_TIME] + counts[LATE]) / due, 4) if due else None,
        "on_time_rate": round(counts[ON_TIME] / due, 4) if due else None,
    }


def per_facilitator(rows: list[dict]) -> list[dict]:
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["facilitator_id"], row["facilitator_name"]), []).append(row)
    return [
        {"facilitator_id": facilitator_id, "facilitator_name": name, **totals(group)}
        for (facilitator_id, name), group in sorted(
            groups.items(), key=lambda item: item[0][1] or ""
        )
    ]
