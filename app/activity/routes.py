"""`/api/v1/activity-logs`: weekly logs, their history, and the compliance report."""

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import current_user

from app import clock
from app.activity import services
from app.activity.deadlines import DeadlineRule
from app.activity.schemas import (
    ActivityLogChangeSchema,
    ActivityLogCreateSchema,
    ActivityLogQuerySchema,
    ActivityLogSchema,
    ActivityLogUpdateSchema,
    ComplianceQuerySchema,
    ComplianceReportSchema,
    ComplianceRowSchema,
)
from app.auth.models import Role
from app.blueprint import Blueprint
from app.cache import cached
from app.exports import csv_response
from app.fields import public_names

blp = Blueprint(
    "activity_logs", __name__, url_prefix="/api/v1/activity-logs", description="Weekly logs"
)
STAFF = (Role.MANAGER, Role.FACILITATOR)
LOG_TABLES = ("activity_logs", "course_offerings")


@blp.route("")
class ActivityLogs(MethodView):
    @blp.signed_in(*STAFF)
    @cached(*LOG_TABLES, managers_share=True)
    @blp.arguments(ActivityLogQuerySchema, location="query")
    @blp.response(200, ActivityLogSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """List logs (facilitators: those of their offerings)"""
        return services.list_logs(current_user, filters, pagination_parameters)

    @blp.signed_in(*STAFF)
    @blp.arguments(ActivityLogCreateSchema)
    @blp.response(201, ActivityLogSchema)
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Log exists, or archived")
    def post(self, data):
        """File the log for one week of an offering (its facilitator, or a manager for them)"""
        return services.file_log(current_user, data)


@blp.route("/<id:log_id>")
class ActivityLogItem(MethodView):
    @blp.signed_in(*STAFF)
    @blp.etag
    @blp.response(200, ActivityLogSchema)
    def get(self, log_id):
        """Read a log; its ETag goes in If-Match when you change it"""
        return services.get_log(current_user, log_id)

    @blp.signed_in(*STAFF)
    @blp.etag
    @blp.arguments(ActivityLogUpdateSchema)
    @blp.response(200, ActivityLogSchema)
    @blp.alt_response(412, response="DEFAULT_ERROR", description="Changed since you read it")
    @blp.alt_response(428, response="DEFAULT_ERROR", description="If-Match missing")
    def patch(self, changes, log_id):
        """Change a log (If-Match required; read-only for facilitators after the lock date)"""
        log = services.get_log(current_user, log_id, for_update=True)
        blp.check_etag(log, ActivityLogSchema)
        return services.update_log(current_user, log, changes)

    @blp.signed_in(Role.MANAGER)
    @blp.response(204)
    def delete(self, log_id):
        """Delete a log; its history is kept (managers)"""
        services.delete_log(current_user, services.get_log(current_user, log_id))


@blp.route("/<id:log_id>/history")
class ActivityLogHistory(MethodView):
    @blp.signed_in(*STAFF)
    @blp.response(200, ActivityLogChangeSchema(many=True))
    def get(self, log_id):
        """Every change to a log: who, when, which fields, old → new (kept after deletion)"""
        return services.history(current_user, log_id)


def deadline_day():
    """What is due changes with time, not only with writes: once a day, at the deadline hour."""
    return DeadlineRule.from_config().last_deadline_day(clock.now())


@blp.route("/compliance")
class Compliance(MethodView):
    @blp.signed_in(*STAFF)
    @blp.limited("COMPLIANCE_RATE_LIMIT")
    @cached(*LOG_TABLES, "modules", "users", managers_share=True, varies_with=deadline_day)
    @blp.arguments(ComplianceQuerySchema, location="query")
    @blp.response(200, ComplianceReportSchema)
    @blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    @blp.paginate(page_size=100, max_page_size=1000)
    def get(self, query, pagination_parameters):
        """Who filed on time, late, incomplete or not at all, per offering and week due.

        Totals cover the whole trimester; `rows` is one page of the (offering, week) rows
        (X-Pagination). `format=csv` downloads every row as a spreadsheet instead.
        """
        as_file = query["format"] == "csv"
        report = services.compliance_report(
            current_user, query, pagination_parameters, all_rows=as_file
        )
        return as_csv(report) if as_file else report


def as_csv(report: dict) -> Response:
    """The rows as CSV, same columns and values as the JSON rows (empty cells for nulls). The
    rows are computed already, so the file is sent whole (and the response cache may keep it)."""
    columns = public_names(ComplianceRowSchema)
    rows = ([row[column] for column in columns] for row in report["rows"])
    filename = f"compliance-{report['year']}-T{report['trimester']}.csv"
    return csv_response(filename, list(columns.values()), rows, stream=False)
