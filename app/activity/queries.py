"""What other rooms ask about weekly logs, as SQL they can join to their own tables: which
teaching weeks fall due in a window without a (complete) log, and whether given weeks' logs
are complete. Deadlines come from the one rule in deadlines.py."""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, Subquery, and_, literal, or_, select, union_all

from app.activity.deadlines import DeadlineRule
from app.activity.models import ActivityLog
from app.courses.models import CourseOffering, OfferingStatus
from app.data.persistence import chunked
from app.extensions import db

# An offering lasts at most a year (see courses.services.check_calendar).
MAX_WEEKS = 53
# SQLite refuses compound SELECTs of more than 500 terms.
CELLS_PER_STATEMENT = 400


def unfiled_weeks(
    rule: DeadlineRule, start: datetime, end: datetime, incomplete_too: bool = False
) -> Iterator[Subquery]:
    """The teaching weeks of active offerings whose deadline falls in (start, end] and whose
    log is missing (or, with `incomplete_too`, missing or incomplete), as derived tables of
    (offering_id, start_date, facilitator_id, week_number, log_id): one per
    CELLS_PER_STATEMENT weeks, usually one. `log_id` is None where no log was filed."""
    unfiled = ActivityLog.id.is_(None)
    for cells in deadline_cells(rule, start, end):
        yield (
            select(CourseOffering.id.label("offering_id"), CourseOffering.start_date,
                   CourseOffering.facilitator_id, cells.c.week_number,
                   ActivityLog.id.label("log_id"))
            .select_from(CourseOffering)
            .join(cells, week_of_offering(cells))
            .outerjoin(ActivityLog, and_(ActivityLog.offering_id == CourseOffering.id,
                                         ActivityLog.week_number == cells.c.week_number))
            .where(CourseOffering.status == OfferingStatus.ACTIVE,
                   or_(unfiled, ~ActivityLog.is_complete) if incomplete_too else unfiled)
            .subquery("weeks")
        )  # fmt: skip


def completeness(offering_ids: set[int]) -> dict[tuple[int, int], bool]:
    """{(offering, week): complete?} for every log filed for these offerings, in one query."""
    if not offering_ids:
        return {}
    rows = db.session.execute(
        select(ActivityLog.offering_id, ActivityLog.week_number, ActivityLog.is_complete).where(
            ActivityLog.offering_id.in_(offering_ids)
        )
    )
    return {(offering_id, week): bool(complete) for offering_id, week, complete in rows}


def deadline_cells(rule: DeadlineRule, start: datetime, end: datetime) -> Iterator[Subquery]:
    """(start_date, week_number, first_day) for every week, of every calendar active offerings
    use, whose deadline falls in (start, end], as derived tables to join on. The weeks are
    worked out once per distinct calendar (start date) with the one deadline rule."""
    earliest = start.astimezone(rule.zone).date() - timedelta(weeks=MAX_WEEKS, days=1)
    calendars = db.session.scalars(
        select(CourseOffering.start_date)
        .distinct()
        .where(
            CourseOffering.status == OfferingStatus.ACTIVE,
            CourseOffering.start_date.between(earliest, end.astimezone(rule.zone).date()),
        )
    ).all()
    cells = [
        (first, week) for first in calendars for week in weeks_due_between(rule, first, start, end)
    ]
    for chunk in chunked(cells, CELLS_PER_STATEMENT):
        yield union_all(
            *(
                select(
                    literal(first, Date).label("start_date"),
                    literal(week, Integer).label("week_number"),
                    literal(first + timedelta(weeks=week - 1), Date).label("first_day"),
                )
                for first, week in chunk
            )
        ).subquery("cells")


def weeks_due_between(rule: DeadlineRule, first: date, start, end) -> Iterable[int]:
    for week in range(1, MAX_WEEKS + 1):
        due = rule.due_at(first, week)
        if due > end:
            return
        if due > start:
            yield week


def week_of_offering(cells):
    """The cell is one of the offering's teaching weeks: same calendar, and the week starts
    before the offering ends."""
    return and_(
        cells.c.start_date == CourseOffering.start_date,
        cells.c.first_day <= CourseOffering.end_date,
    )
