"""What the offerings and activity-log downloads contain: the list endpoints' own queries and
filters, written through the shared streamed exporter."""

from flask import Response

from app import clock, exports
from app.activity import services as activity_services
from app.activity.models import CHECKLIST
from app.auth.models import User
from app.courses import services as course_services


def person(user: User | None) -> str | None:
    return f"{user.first_name} {user.last_name}" if user else None


OFFERING_COLUMNS = {
    "id": lambda o: o.id,
    "module_code": lambda o: o.module.code,
    "module_name": lambda o: o.module.name,
    "class": lambda o: o.course_class.name,
    "cohort": lambda o: o.cohort.name,
    "mode": lambda o: o.mode.code,
    "trimester": lambda o: o.trimester,
    "year": lambda o: o.year,
    "intake": lambda o: o.intake,
    "start_date": lambda o: o.start_date,
    "end_date": lambda o: o.end_date,
    "weeks": lambda o: o.weeks,
    "facilitator_id": lambda o: o.facilitator_id,
    "facilitator_name": lambda o: person(o.facilitator),
    "facilitator_email": lambda o: o.facilitator.email if o.facilitator else None,
    "max_students": lambda o: o.max_students,
    "enrolled_count": lambda o: o.enrolled_count,
    "is_active": lambda o: o.is_active,
}
LOG_COLUMNS = {
    "id": lambda log: log.id,
    "allocation_id": lambda log: log.offering_id,
    "module_code": lambda log: log.offering.module.code,
    "facilitator_id": lambda log: log.facilitator_id,
    "week_number": lambda log: log.week_number,
    "due_at": lambda log: log.due_at,
    "submitted_at": lambda log: log.submitted_at,
    "is_late": lambda log: log.is_late,
    "is_complete": lambda log: log.is_complete,
    "attendance_rate": lambda log: log.attendance_rate,
    **{item: (lambda log, item=item: getattr(log, item)) for item in CHECKLIST},
    "notes": lambda log: log.notes,
    "submitted_by_id": lambda log: log.submitted_by_id,
    "filed_on_behalf": lambda log: log.filed_on_behalf,
    "updated_at": lambda log: log.updated_at,
}


def download(name: str, columns: dict, statement) -> Response:
    getters = list(columns.values())
    rows = exports.streamed(statement, lambda entity: [get(entity) for get in getters])
    filename = f"{name}-{clock.now():%Y%m%d-%H%M}.csv"
    return exports.csv_response(filename, list(columns), rows)


def offerings_csv(manager: User, filters: dict) -> Response:
    statement, _count = course_services.offerings_query(manager, filters)
    return download("offerings", OFFERING_COLUMNS, statement)


def activity_logs_csv(manager: User, filters: dict) -> Response:
    statement, _count = activity_services.logs_query(manager, filters)
    return download("activity-logs", LOG_COLUMNS, statement)
