"""What the offerings and activity-log downloads contain: the list endpoints' own filters and
visibility rules, as plain columns, written through the shared streamed exporter."""

from flask import Response
from sqlalchemy import Select, select

from app.activity import attendance
from app.activity import services as activity_services
from app.activity.models import CHECKLIST, ActivityLog
from app.activity.schemas import ActivityLogSchema
from app.api import exports
from app.api.fields import public_names
from app.auth.models import User
from app.core import clock
from app.core.signals import data_exported
from app.courses import services as course_services
from app.courses.models import Cohort, CourseClass, CourseOffering, DeliveryMode, Module

# header → column, or (column, how to turn its value into a cell)
OFFERING_COLUMNS = {
    "id": CourseOffering.id,
    "module_code": Module.code,
    "module_name": Module.name,
    "class": CourseClass.name,
    "cohort": Cohort.name,
    "mode": DeliveryMode.code,
    "trimester": CourseOffering.trimester,
    "year": CourseOffering.year,
    "intake": CourseOffering.intake,
    "start_date": CourseOffering.start_date,
    "end_date": CourseOffering.end_date,
    "facilitator_id": CourseOffering.facilitator_id,
    "facilitator_name": User.first_name + " " + User.last_name,
    "facilitator_email": User.email,
    "max_students": CourseOffering.max_students,
    "enrolled_count": CourseOffering.enrolled_count,
    "status": CourseOffering.status,
    "is_active": (CourseOffering.is_active, bool),
}
LOG_COLUMNS = {
    "id": ActivityLog.id,
    "offering_id": ActivityLog.offering_id,
    "module_code": Module.code,
    "facilitator_id": CourseOffering.facilitator_id,
    "week_number": ActivityLog.week_number,
    "due_at": ActivityLog.due_at,
    "submitted_at": ActivityLog.submitted_at,
    "is_late": (activity_services.LATE_LOG, bool),
    "is_complete": (activity_services.COMPLETE, bool),
    "attendance_rate": (attendance.rate_column(), attendance.rounded_rate),
    **{item: getattr(ActivityLog, item) for item in CHECKLIST},
    "notes": ActivityLog.notes,
    "submitted_by_id": ActivityLog.submitted_by_id,
    "filed_on_behalf": (ActivityLog.filed_on_behalf, bool),
    "updated_at": ActivityLog.updated_at,
}


def plain_query(columns: dict, joined, conditions: list, order: list) -> tuple[Select, list]:
    """A select of these columns, and the converter (or None) for each of them."""
    pairs = [column if isinstance(column, tuple) else (column, None) for column in columns.values()]
    statement = (
        select(*(column for column, _convert in pairs))
        .select_from(joined)
        .where(*conditions)
        .order_by(*order)
    )
    return statement, [convert for _column, convert in pairs]


def offerings_query(manager: User, filters: dict) -> tuple[Select, list]:
    joined = (
        CourseOffering.__table__.join(Module.__table__)
        .join(CourseClass.__table__)
        .join(Cohort.__table__)
        .join(DeliveryMode.__table__)
        .outerjoin(User.__table__, User.id == CourseOffering.facilitator_id)
    )
    conditions = course_services.visible_to(manager) + course_services.matching(filters)
    order = course_services.ordering(filters.get("sort", "start_date"))
    return plain_query(OFFERING_COLUMNS, joined, conditions, order)


def activity_logs_query(manager: User, filters: dict) -> tuple[Select, list]:
    joined = ActivityLog.__table__.join(CourseOffering.__table__).join(Module.__table__)
    conditions = activity_services.visible_to(manager) + activity_services.matching(filters)
    order = [ActivityLog.offering_id, ActivityLog.week_number]
    return plain_query(LOG_COLUMNS, joined, conditions, order)


def download(name: str, header: list[str], statement: Select, converters: list) -> Response:
    rows = exports.streamed(statement, converters)
    return exports.csv_response(f"{name}-{clock.now():%Y%m%d-%H%M}.csv", header, rows)


def log_header() -> list[str]:
    """A log's columns are named as `GET /activity-logs` names the same values."""
    names = public_names(ActivityLogSchema)
    return [names.get(column, column) for column in LOG_COLUMNS]


def offerings_csv(manager: User, filters: dict) -> Response:
    data_exported.send(manager, export="offerings", filters=filters)
    return download("offerings", list(OFFERING_COLUMNS), *offerings_query(manager, filters))


def activity_logs_csv(manager: User, filters: dict) -> Response:
    data_exported.send(manager, export="activity-logs", filters=filters)
    return download("activity-logs", log_header(), *activity_logs_query(manager, filters))
