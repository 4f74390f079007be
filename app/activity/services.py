"""Weekly log and compliance use cases. They flush; the unit of work commits."""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, false, func, or_, select
from sqlalchemy.orm import contains_eager, defer, lazyload, selectinload

from app.activity import attendance
from app.activity.deadlines import DeadlineRule
from app.activity.models import CHECKLIST, ActivityLog
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.core import clock
from app.core.exceptions import Conflict, Forbidden, Invalid, NotFound
from app.core.i18n import _
from app.core.signals import log_changed, log_filed
from app.courses.models import CourseOffering, Module, OfferingStatus, teaching_weeks
from app.courses.services import visible_to as offerings_visible_to
from app.data.pagination import page_by_keys
from app.data.persistence import unique_or_conflict
from app.extensions import db

COMPLETE = ActivityLog.is_complete
LATE_LOG = ActivityLog.submitted_at > ActivityLog.due_at


# --- reading ---------------------------------------------------------------------------------


def visible_to(user: User) -> list[ColumnElement]:
    """Logs are seen by whoever sees their offering, students excepted."""
    return [false()] if user.role == Role.STUDENT else offerings_visible_to(user)


def get_log(user: User, log_id: int, for_update: bool = False) -> ActivityLog:
    """The log if this user may see it (404 alike for missing and not yours).

    `for_update` locks the row, so concurrent edits of one log take turns.
    """
    if for_update:
        # The log's row alone: MariaDB ignores `FOR UPDATE OF`, so a locking read of the join
        # below would also lock the offering, its catalogue rows (such as the delivery mode
        # most offerings share) and its facilitator's account, and unrelated edits would wait.
        db.session.execute(select(ActivityLog.id).where(ActivityLog.id == log_id).with_for_update())
    statement = (
        select(ActivityLog)
        .join(ActivityLog.offering)
        .options(contains_eager(ActivityLog.offering))
        .where(ActivityLog.id == log_id, *visible_to(user))
    )
    log = db.session.scalar(statement)
    if log is None:
        raise NotFound(_("No such activity log."))
    return log


def matching(filters: dict) -> list[ColumnElement]:
    on_offering = ("facilitator_id", "module_id", "cohort_id", "trimester", "year")
    conditions = [
        getattr(CourseOffering, name) == filters[name] for name in on_offering if name in filters
    ]
    if "offering_id" in filters:
        conditions.append(ActivityLog.offering_id == filters["offering_id"])
    if "week_number" in filters:
        conditions.append(ActivityLog.week_number == filters["week_number"])
    if "status" in filters:
        conditions.append(
            or_(*(getattr(ActivityLog, item) == filters["status"] for item in CHECKLIST))
        )
    if "is_complete" in filters:
        conditions.append(COMPLETE if filters["is_complete"] else ~COMPLETE)
    if "is_late" in filters:
        conditions.append(LATE_LOG if filters["is_late"] else ~LATE_LOG)
    if "submitted_from" in filters:
        conditions.append(ActivityLog.submitted_at >= filters["submitted_from"])
    if "submitted_to" in filters:
        conditions.append(ActivityLog.submitted_at < filters["submitted_to"])
    return conditions


def list_logs(user: User, filters: dict, pagination) -> list[ActivityLog]:
    """A page of the logs this user may see that match `filters`, by offering and week. The
    page's keys are found in an index (ix_activity_logs_offering_checklist) before any log is
    read, so a filter that few logs match costs no sort of whole rows."""
    keys = (
        select(ActivityLog.id)
        .join(ActivityLog.offering)
        .where(*visible_to(user), *matching(filters))
        .order_by(*LOG_ORDER)
    )
    return page_by_keys(keys, logs_of_page, pagination)


LOG_ORDER = (ActivityLog.offering_id, ActivityLog.week_number)


def logs_of_page(page: Subquery) -> Select:
    return (
        select(ActivityLog)
        .join(page, page.c.id == ActivityLog.id)
        .join(ActivityLog.offering)
        # A listed log names its offering's facilitator, nothing else of it: not the offering's
        # catalogue entries, facilitator account and enrolment count, a row's other 50 columns.
        .options(
            contains_eager(ActivityLog.offering)
            .load_only(CourseOffering.facilitator_id)
            .lazyload("*"),
            selectinload(ActivityLog.attendance),
        )
        .order_by(*LOG_ORDER)
    )


def history(user: User, log_id: int) -> list[AuditEvent]:
    """Every change to a log, oldest first, also once it is deleted, for whoever may see its
    offering: the log's events in the audit trail, which is where its history is kept."""
    events = audit.events_about(ActivityLog.__tablename__, log_id)
    offering_id = events and (named_offering(events) or live_offering(log_id))
    visible = offering_id and db.session.scalar(
        select(CourseOffering.id).where(CourseOffering.id == offering_id, *visible_to(user))
    )
    if not visible:
        raise NotFound(_("No such activity log."))
    return events


def named_offering(events: list[AuditEvent]) -> int | None:
    """The offering a log's creation (or deletion) names: every column of the log is in it."""
    named = (value for event in events for value in event.changes.get("offering_id", ()))
    return next((value for value in named if value is not None), None)


def live_offering(log_id: int) -> int | None:
    """The offering of a log that is still there (one filed in bulk has no creation event)."""
    return db.session.scalar(select(ActivityLog.offering_id).where(ActivityLog.id == log_id))


# --- writing ---------------------------------------------------------------------------------


def file_log(user: User, data: dict) -> ActivityLog:
    """File the log for one week; the unique (offering, week) key settles duplicates."""
    offering = offering_to_file_for(user, data.pop("offering_id"))
    check_week(offering, data["week_number"])
    statuses = attendance.taken(offering, data["week_number"], data.pop("attendance"))
    rule = DeadlineRule.from_config()
    due_at = rule.due_at(offering.start_date, data["week_number"])
    log = ActivityLog(
        offering_id=offering.id,  # read by the duplicate check before the flush
        offering=offering,  # already loaded: the response needs no query for it
        submitted_by_id=user.id,
        filed_on_behalf=user.id != offering.facilitator_id,
        due_at=due_at,
        # Added with the log, in one multi-row INSERT whatever the roster's size.
        attendance=attendance.records(statuses),
        **data,
    )
    with unique_or_conflict(
        _("The log for this week exists already (log {id})."),
        existing_as="existing_log_id",
        savepoint=False,
    ):
        db.session.add(log)
    taken = attendance.as_history({student: (None, new) for student, new in statuses.items()})
    log_filed.send(log, actor=user, changes=taken)
    return log


# Filing reads the offering's own columns only: its module, class, cohort, mode and facilitator
# (five joins) and its enrolment count (a subquery) are not needed to file or answer.
FILING_LOAD = (lazyload("*"), defer(CourseOffering.enrolled_count))


def offering_to_file_for(user: User, offering_id: int) -> CourseOffering:
    """The offering a log is filed for. Facilitators hear the same 403 for an offering that is
    not theirs and one that does not exist; managers are told the id is unknown."""
    offering = db.session.get(CourseOffering, offering_id, options=FILING_LOAD)
    if user.role != Role.MANAGER and (offering is None or offering.facilitator_id != user.id):
        raise Forbidden(_("Only the facilitator allocated to this offering can file its logs."))
    if offering is None:
        raise Invalid(
            {"offering_id": [_("No course offering with id {id}.").format(id=offering_id)]}
        )
    if not offering.is_active:
        raise Conflict(_("This offering is archived; it takes no new logs."))
    return offering


def check_open(user: User, rule: DeadlineRule, due_at: datetime) -> None:
    """A log closes to its facilitator LOG_LOCK_DAYS after its deadline; managers may still
    correct it. (Filing a missing log stays open to everyone: it is recorded as late.)"""
    if user.role != Role.MANAGER and rule.is_locked(due_at, clock.now()):
        raise Forbidden(
            _("This log has been read-only since {date}; ask a manager to correct it.").format(
                date=rule.locks_at(due_at).date().isoformat()
            )
        )


def check_week(offering: CourseOffering, week_number: int, location: str = "json") -> None:
    if not 1 <= week_number <= offering.weeks:
        raise Invalid(errors={location: {
            "week_number": [_("Must be between 1 and {weeks}, the offering's teaching weeks.")
                            .format(weeks=offering.weeks)]}}
        )  # fmt: skip


def update_log(user: User, log: ActivityLog, changes: dict) -> ActivityLog:
    """Change a log (locked for its facilitator once the lock date passes; managers always)."""
    check_open(user, DeadlineRule.from_config(), log.due_at)
    given = changes.pop("attendance", None)
    statuses = None if given is None else attendance.taken(log.offering, log.week_number, given)
    diff = {
        field: [getattr(log, field), value]
        for field, value in changes.items()
        if getattr(log, field) != value
    }
    for field, (_old, new) in diff.items():
        setattr(log, field, new)
    if statuses is not None:
        diff |= attendance.save(log, statuses, before=attendance.recorded(log))
        diff |= attendance.clear_legacy_counts(log)
    if diff:
        log_changed.send(log, actor=user, action="updated", changes=diff)
        db.session.flush()  # the response shows the new updated_at
    return log


def check_logged_weeks_fit(offering: CourseOffering) -> None:
    """An offering may not end before the last week that has a log."""
    last_logged = db.session.scalar(
        select(func.coalesce(func.max(ActivityLog.week_number), 0)).where(
            ActivityLog.offering_id == offering.id
        )
    )
    if last_logged > offering.weeks:
        raise Invalid(
            {"end_date": [_("Logs exist up to week {week}; keep at least that many weeks.")
                          .format(week=last_logged)]}
        )  # fmt: skip


def reschedule_logs(offering: CourseOffering) -> None:
    """An offering's dates moved: its logs' deadlines move with them."""
    rule = DeadlineRule.from_config()
    for log in db.session.scalars(
        select(ActivityLog).where(ActivityLog.offering_id == offering.id)
    ):
        log.due_at = rule.due_at(offering.start_date, log.week_number)


def delete_log(manager: User, log: ActivityLog) -> None:
    """Delete a log; its history stays, with a last entry holding what was deleted."""
    recorded = {student: (status, None) for student, status in attendance.recorded(log).items()}
    log_changed.send(
        log, actor=manager, action="deleted", per_student=attendance.as_history(recorded)
    )
    db.session.delete(log)


# --- compliance ------------------------------------------------------------------------------
#
# Totals come from one GROUP BY over the logs (counted in SQL) and the offerings' due weeks
# (computed with the same deadline rule as the API). The per-week rows are a page of the
# (offering, week) pairs already due, so only that page's logs are read; the CSV has them all.

ON_TIME, LATE, INCOMPLETE, MISSING = "submitted_on_time", "submitted_late", "incomplete", "missing"
OUTCOMES = (ON_TIME, LATE, INCOMPLETE, MISSING)


def compliance_report(user: User, filters: dict, pagination, all_rows: bool = False) -> dict:
    """A trimester's compliance: totals overall and per facilitator, and the per-week rows
    (one page of them, or `all_rows` for a download)."""
    rule, now = DeadlineRule.from_config(), clock.now()
    scope = in_scope(user, filters)
    offerings = db.session.execute(
        select(CourseOffering.id, CourseOffering.start_date, CourseOffering.end_date,
               CourseOffering.facilitator_id, Module.code.label("module_code"))
        .join(Module, Module.id == CourseOffering.module_id)
        .where(*scope)
        .order_by(CourseOffering.id)
    ).all()  # fmt: skip
    due_weeks = weeks_due_by_offering(offerings, rule, now)
    filed = filed_counts(scope, now)
    names = facilitator_names({offering.facilitator_id for offering in offerings})
    cells = [
        (offering, week) for offering in offerings for week in range(1, due_weeks[offering.id] + 1)
    ]
    pagination.item_count = len(cells)
    if not all_rows:
        cells = cells[pagination.first_item : pagination.first_item + pagination.page_size]
    logs = logs_for(cells)
    return {
        "trimester": filters["trimester"],
        "year": filters["year"],
        "generated_at": now,
        "overall": totals(offerings, due_weeks, filed),
        "facilitators": [
            {"facilitator_id": facilitator_id, "facilitator_name": names.get(facilitator_id),
             **totals(group, due_weeks, filed)}
            for facilitator_id, group in by_facilitator(offerings, names)
        ],
        "rows": [row(offering, week, rule, logs.get((offering.id, week)), names)
                 for offering, week in cells],
    }  # fmt: skip


def in_scope(user: User, filters: dict) -> list[ColumnElement]:
    """The active offerings of the trimester (and those completed since: their record stands)
    that this user may see, with the filters. Planned and cancelled ones owe no logs."""
    optional = ("cohort_id", "module_id", "facilitator_id")
    return [
        CourseOffering.trimester == filters["trimester"],
        CourseOffering.year == filters["year"],
        CourseOffering.status.in_([OfferingStatus.ACTIVE, OfferingStatus.COMPLETED]),
        *(getattr(CourseOffering, name) == filters[name] for name in optional if name in filters),
        *visible_to(user),
    ]


def weeks_due_by_offering(offerings, rule: DeadlineRule, now: datetime) -> dict[int, int]:
    """Due weeks per offering; offerings share a handful of calendars, each computed once."""
    calendars: dict = {}

    def due(offering) -> int:
        calendar = (offering.start_date, teaching_weeks(offering.start_date, offering.end_date))
        if calendar not in calendars:
            calendars[calendar] = rule.weeks_due(*calendar, now)
        return calendars[calendar]

    return {offering.id: due(offering) for offering in offerings}


def filed_counts(scope: list[ColumnElement], now: datetime) -> dict[int, tuple[int, int, int]]:
    """Per offering: logs due by now that are complete on time, complete but late, incomplete."""
    statement = (
        select(
            ActivityLog.offering_id,
            func.sum(case((and_(COMPLETE, ~LATE_LOG), 1), else_=0)),
            func.sum(case((and_(COMPLETE, LATE_LOG), 1), else_=0)),
            func.sum(case((COMPLETE, 0), else_=1)),
        )
        .where(
            ActivityLog.offering_id.in_(select(CourseOffering.id).where(*scope)),
            ActivityLog.due_at <= now,
        )
        .group_by(ActivityLog.offering_id)
    )
    return {
        offering_id: tuple(map(int, counts))
        for offering_id, *counts in db.session.execute(statement)
    }


def logs_for(cells: list) -> dict:
    """The logs behind these (offering, week) pairs, keyed by the pair."""
    offering_ids = {offering.id for offering, _ in cells}
    if not offering_ids:
        return {}
    wanted = {(offering.id, week) for offering, week in cells}
    return {
        (log.offering_id, log.week_number): log
        for log in log_outlines(offering_ids)
        if (log.offering_id, log.week_number) in wanted
    }


def log_outlines(offering_ids) -> list:
    """The logs of these offerings, as much of each as says how its week stands."""
    return db.session.execute(
        select(ActivityLog.id, ActivityLog.offering_id, ActivityLog.week_number,
               ActivityLog.due_at, ActivityLog.submitted_at, COMPLETE.label("complete"))
        .where(ActivityLog.offering_id.in_(offering_ids))
    ).all()  # fmt: skip


def facilitator_names(ids: set[int | None]) -> dict[int, str]:
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(ids - {None}))
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in rows}


def by_facilitator(offerings, names: dict):
    groups: dict = {}
    for offering in offerings:
        groups.setdefault(offering.facilitator_id, []).append(offering)
    return sorted(groups.items(), key=lambda item: (names.get(item[0]) or "", item[0] or 0))


def totals(offerings, due_weeks: dict, filed: dict) -> dict:
    due = sum(due_weeks[offering.id] for offering in offerings)
    on_time, late, incomplete = (
        sum(filed.get(offering.id, (0, 0, 0))[index] for offering in offerings)
        for index in range(3)
    )
    complete = on_time + late
    return {
        "due": due,
        ON_TIME: on_time,
        LATE: late,
        INCOMPLETE: incomplete,
        MISSING: max(due - complete - incomplete, 0),
        "completion_rate": round(complete / due, 4) if due else None,
        "on_time_rate": round(on_time / due, 4) if due else None,
    }


def outcome(log: ActivityLog | None) -> str:
    """How a week stands in the compliance report: its log missing, incomplete, or complete on
    time or late."""
    if log is None:
        return MISSING
    if not log.complete:
        return INCOMPLETE
    return LATE if log.submitted_at > log.due_at else ON_TIME


def row(offering, week: int, rule: DeadlineRule, log, names: dict) -> dict:
    return {
        "offering_id": offering.id,
        "module_code": offering.module_code,
        "facilitator_id": offering.facilitator_id,
        "facilitator_name": names.get(offering.facilitator_id),
        "week_number": week,
        "due_at": log.due_at if log else rule.due_at(offering.start_date, week),
        "status": outcome(log),
        "log_id": log.id if log else None,
        "submitted_at": log.submitted_at if log else None,
    }


# --- an offering's weeks, as its facilitator's page shows them ---------------------------------

FILED = {ON_TIME: "filed", LATE: "filed_late", INCOMPLETE: "incomplete"}
WEEK_STATES = ("not_yet_due", "due_soon", "overdue", *FILED.values(), "locked")


def offering_weeks(user: User, offering: CourseOffering) -> dict:
    """Every teaching week of an offering with its deadlines and where its log stands, for this
    user (who may change what)."""
    rule, now = DeadlineRule.from_config(), clock.now()
    by_week = {log.week_number: log for log in log_outlines([offering.id])}
    return {
        "offering_id": offering.id,
        "timezone": rule.zone.key,
        "weeks": [week_state(user, offering, week, by_week.get(week), rule, now)
                  for week in range(1, offering.weeks + 1)],
    }  # fmt: skip


def week_state(user: User, offering, week: int, log, rule: DeadlineRule, now: datetime) -> dict:
    due_at = log.due_at if log else rule.due_at(offering.start_date, week)
    begins_at, ends_at = rule.week_bounds(offering.start_date, week)
    locked = log is not None and rule.is_locked(due_at, now)
    return {
        "week_number": week,
        "begins_at": begins_at,
        "ends_at": ends_at,
        "due_at": due_at,
        "locks_at": rule.locks_at(due_at),
        "state": "locked" if locked else FILED.get(outcome(log)) or unfiled(rule, due_at, now),
        "log_id": log.id if log else None,
        "submitted_at": log.submitted_at if log else None,
        "editable": may_write(user, offering, log, locked),
    }


def unfiled(rule: DeadlineRule, due_at: datetime, now: datetime) -> str:
    if due_at <= now:
        return "overdue"
    return "due_soon" if due_at - rule.due_soon <= now else "not_yet_due"


def may_write(user: User, offering, log, locked: bool) -> bool:
    """What file_log and update_log would allow now, to a caller who sees the offering (its
    facilitator, or a manager): filing unless it is archived; changing until the log locks,
    managers always."""
    if log is None:
        return offering.is_active
    return user.role == Role.MANAGER or not locked
