"""Each facilitator's load in a trimester: the offerings they run against their maximum, the
students in them, the weekly logs due, missing and late (the compliance report's own totals)
and the students at risk. One row per facilitator for managers; a facilitator reads their own.
"""

from collections.abc import Iterator

from flask import Response
from sqlalchemy import ColumnElement, Select, and_, func, select

from app.activity import services as activity
from app.activity.at_risk import students_at_risk
from app.activity.deadlines import DeadlineRule
from app.api import exports
from app.auth.models import FacilitatorProfile, Role, User
from app.core import clock
from app.core.signals import data_exported
from app.courses.load import CARRIED, maximum_column
from app.courses.models import CourseOffering, Enrollment
from app.data.pagination import page_of
from app.extensions import db

BATCH = 200  # facilitators per round of figures in a download


def in_trimester(filters: dict) -> ColumnElement:
    return and_(
        CourseOffering.trimester == filters["trimester"],
        CourseOffering.year == filters["year"],
        CourseOffering.facilitator_id == User.id,
        CARRIED,
    )


def facilitators(filters: dict) -> Select:
    """Active facilitators (or the one asked for) with their maximum, the offerings they carry
    in the trimester and the students enrolled in those; by name."""
    offerings = (
        select(func.count(CourseOffering.id))
        .where(in_trimester(filters))
        .correlate(User)
        .scalar_subquery()
    )
    students = (
        select(func.count(Enrollment.id))
        .join(CourseOffering, CourseOffering.id == Enrollment.offering_id)
        .where(in_trimester(filters))
        .correlate(User)
        .scalar_subquery()
    )
    most = maximum_column()
    conditions = [User.role == Role.FACILITATOR, User.is_active.is_(True)]
    if "facilitator_id" in filters:
        conditions.append(User.id == filters["facilitator_id"])
    if "has_room" in filters:
        conditions.append(offerings < most if filters["has_room"] else offerings >= most)
    return (
        select(
            User.id.label("facilitator_id"),
            (User.first_name + " " + User.last_name).label("facilitator_name"),
            User.email,
            offerings.label("offerings"),
            students.label("enrolled_students"),
            most.label("max_offerings"),
        )
        .join(FacilitatorProfile, FacilitatorProfile.user_id == User.id)
        .where(*conditions)
        .order_by(User.last_name, User.first_name, User.id)
    )


def with_figures(scope: list[ColumnElement], people: list) -> list[dict]:
    """The rows of these facilitators, completed with the logs and the students at risk of
    their offerings that `scope` selects (activity.in_scope: those the compliance report and
    the at-risk lists count)."""
    scope = [*scope, CourseOffering.facilitator_id.in_([p["facilitator_id"] for p in people])]
    offerings = db.session.execute(
        select(CourseOffering.id, CourseOffering.start_date, CourseOffering.end_date,
               CourseOffering.facilitator_id).where(*scope)
    ).all() if people else []  # fmt: skip
    logs = log_totals(scope, offerings)
    at_risk = at_risk_counts(offerings)
    return [
        dict(person)
        | logs.get(person["facilitator_id"], {"due": 0, "missing": 0, "late": 0, "incomplete": 0})
        | {
            "at_risk_students": at_risk.get(person["facilitator_id"], 0),
            "room_left": max(person["max_offerings"] - person["offerings"], 0),
        }
        for person in people
    ]


def log_totals(scope: list[ColumnElement], offerings: list) -> dict[int, dict]:
    """Per facilitator: the logs due so far in the trimester and how many are missing, late
    or incomplete, exactly as the compliance report counts them."""
    if not offerings:
        return {}
    rule, now = DeadlineRule.from_config(), clock.now()
    due_weeks = activity.weeks_due_by_offering(offerings, rule, now)
    filed = activity.filed_counts(scope, now)
    groups: dict[int, list] = {}
    for offering in offerings:
        groups.setdefault(offering.facilitator_id, []).append(offering)
    totals = {
        facilitator_id: activity.totals(group, due_weeks, filed)
        for facilitator_id, group in groups.items()
    }
    return {
        facilitator_id: {
            "due": total["due"],
            "missing": total[activity.MISSING],
            "late": total[activity.LATE],
            "incomplete": total[activity.INCOMPLETE],
        }
        for facilitator_id, total in totals.items()
    }


def at_risk_counts(offerings: list) -> dict[int, int]:
    """Per facilitator: the students at risk in these offerings."""
    facilitator_of = {offering.id: offering.facilitator_id for offering in offerings}
    counts: dict[int, int] = {}
    for student in students_at_risk(list(facilitator_of)) if offerings else []:
        facilitator_id = facilitator_of[student.offering_id]
        counts[facilitator_id] = counts.get(facilitator_id, 0) + 1
    return counts


def report(manager: User, filters: dict, pagination) -> list[dict]:
    """One page of facilitators, by name."""
    people = page_of(facilitators(filters), pagination, rows=True)
    return with_figures(activity.in_scope(manager, filters), people)


def my_row(facilitator: User, filters: dict) -> dict:
    """The facilitator's own row."""
    mine = filters | {"facilitator_id": facilitator.id}
    people = db.session.execute(facilitators(mine)).mappings().all()
    return with_figures(activity.in_scope(facilitator, mine), people)[0]


def every_row(scope: list[ColumnElement], filters: dict) -> Iterator[dict]:
    """Every row, BATCH facilitators at a time, for a download: written after the request's
    own work has ended, so `scope` is worked out before."""
    statement = facilitators(filters)
    for offset in range(0, db.session.scalar(count(statement)), BATCH):
        people = db.session.execute(statement.limit(BATCH).offset(offset)).mappings().all()
        yield from with_figures(scope, people)


def count(statement: Select) -> Select:
    return select(func.count()).select_from(statement.order_by(None).subquery())


def workload_csv(manager: User, filters: dict, columns: dict[str, str]) -> Response:
    """Every row as CSV, streamed; `columns` maps each row key to its header."""
    data_exported.send(manager, export="workload", filters=filters)
    scope = activity.in_scope(manager, filters)
    rows = ([row[key] for key in columns] for row in every_row(scope, filters))
    name = f"workload-{filters['year']}-T{filters['trimester']}-{clock.now():%Y%m%d-%H%M}.csv"
    return exports.csv_response(name, list(columns.values()), rows)
