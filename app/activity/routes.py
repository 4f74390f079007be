"""`/api/v1/activity-logs`: weekly logs, their history, and the compliance report; rosters,
students at risk and a student's own attendance."""

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.activity import at_risk, attendance, services
from app.activity.deadlines import deadline_day
from app.activity.schemas import (
    ActivityLogChangeSchema,
    ActivityLogCreateSchema,
    ActivityLogQuerySchema,
    ActivityLogSchema,
    ActivityLogUpdateSchema,
    AtRiskQuerySchema,
    ComplianceQuerySchema,
    ComplianceReportSchema,
    ComplianceRowSchema,
    MyAttendanceSchema,
    OfferingWeeksSchema,
    RosterQuerySchema,
    RosterStudentSchema,
    StudentAtRiskSchema,
)
from app.api.blueprint import Blueprint
from app.api.exports import csv_response
from app.api.fields import public_names
from app.api.rate_limits import limited
from app.auth.models import Role
from app.core.signals import data_exported
from app.courses.services import get_offering
from app.data.cache import cached

blp = Blueprint(
    "activity_logs", __name__, url_prefix="/api/v1/activity-logs", description="Weekly logs"
)
STAFF = (Role.MANAGER, Role.FACILITATOR)
LOG_TABLES = ("activity_logs", "course_offerings", "attendance_records")
AT_RISK_TABLES = (*LOG_TABLES, "enrollments", "users", "student_profiles", "modules")


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


@blp.route("/compliance")
class Compliance(MethodView):
    @blp.signed_in(*STAFF)
    @limited("COMPLIANCE_RATE_LIMIT")
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


attendance_blp = Blueprint(
    "attendance",
    __name__,
    url_prefix="/api/v1",
    description="An offering's weeks, attendance and students at risk",
)


@attendance_blp.route("/course-offerings/<id:offering_id>/roster")
class Roster(MethodView):
    @attendance_blp.signed_in(*STAFF)
    @attendance_blp.arguments(RosterQuerySchema, location="query")
    @attendance_blp.response(200, RosterStudentSchema(many=True))
    @attendance_blp.alt_response(422, response="DEFAULT_ERROR", description="No such week")
    def get(self, query, offering_id):
        """The students enrolled during one teaching week, whole (its facilitator, managers).

        Enrolled before the week ended and not unenrolled before it began (without
        `week_number`: enrolled now); by last name, first name, id: the order a legacy boolean
        attendance list is read in.
        """
        offering = get_offering(current_user, offering_id)
        week_number = query.get("week_number")
        if week_number is not None:
            services.check_week(offering, week_number, location="query")
        return attendance.roster(offering, week_number)


@attendance_blp.route("/course-offerings/<id:offering_id>/weeks")
class OfferingWeeks(MethodView):
    @attendance_blp.signed_in(*STAFF)
    @attendance_blp.response(200, OfferingWeeksSchema)
    def get(self, offering_id):
        """Its teaching weeks: dates, deadlines, where each week's log stands and whether you
        may file or change it (its facilitator, managers)"""
        return services.offering_weeks(current_user, get_offering(current_user, offering_id))


@attendance_blp.route("/course-offerings/<id:offering_id>/at-risk")
class OfferingAtRisk(MethodView):
    @attendance_blp.signed_in(*STAFF)
    @attendance_blp.response(200, StudentAtRiskSchema(many=True))
    @attendance_blp.paginate()
    def get(self, offering_id, pagination_parameters):
        """Its enrolled students at risk through absence, why, and the figures (its
        facilitator, managers)"""
        offering = get_offering(current_user, offering_id)
        return at_risk.page(at_risk.in_offering(offering.id), pagination_parameters)


@attendance_blp.route("/admin/at-risk")
class AtRisk(MethodView):
    @attendance_blp.signed_in(Role.MANAGER)
    # Every record of the trimester is counted (about 1.4 s for 2,000 offerings): each answer
    # is kept until a write changes it.
    @cached(*AT_RISK_TABLES, managers_share=True)
    @attendance_blp.arguments(AtRiskQuerySchema, location="query")
    @attendance_blp.response(200, StudentAtRiskSchema(many=True))
    @attendance_blp.paginate()
    def get(self, query, pagination_parameters):
        """Students at risk in a trimester's active offerings, by module (managers).

        Filter by module, cohort or facilitator; /admin/exports/at-risk.csv downloads them all.
        """
        return at_risk.page(services.in_scope(current_user, query), pagination_parameters)


@attendance_blp.route("/admin/exports/at-risk.csv")
class AtRiskExport(MethodView):
    @attendance_blp.signed_in(Role.MANAGER)
    @limited("EXPORT_RATE_LIMIT")
    @attendance_blp.arguments(AtRiskQuerySchema, location="query")
    @attendance_blp.response(
        200, content_type="text/csv", description="CSV, UTF-8 with a BOM, streamed"
    )
    def get(self, query):
        """Download the students at risk of a trimester as CSV: the list's columns, reasons
        separated by spaces (streamed; managers)"""
        data_exported.send(current_user, export="at-risk", filters=query)
        columns = public_names(StudentAtRiskSchema)  # the headers are the API's names
        rows = (
            [" ".join(row[c]) if c == "reasons" else row[c] for c in columns]
            for row in at_risk.every_row(services.in_scope(current_user, query))
        )
        filename = f"at-risk-{query['year']}-T{query['trimester']}.csv"
        return csv_response(filename, list(columns.values()), rows)


@attendance_blp.route("/me/attendance")
class MyAttendance(MethodView):
    @attendance_blp.signed_in(Role.STUDENT)
    @attendance_blp.response(200, MyAttendanceSchema(many=True))
    def get(self):
        """Your attendance: per offering, your recorded weeks and your rate (students)"""
        return attendance.of_student(current_user)
