"""`/api/v1/admin/…`: people, imports, exports, the delivery log and queues (managers only)."""

from functools import wraps

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.activity.deadlines import deadline_day
from app.activity.schemas import ActivityLogQuerySchema
from app.admin import deliveries, exports, imports, people, queues, staffing, workload
from app.admin.schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    ImportFileSchema,
    ImportQuerySchema,
    ImportReportSchema,
    PersonCreateSchema,
    PersonDetailSchema,
    PersonQuerySchema,
    PersonUpdateSchema,
    QueueHealthSchema,
    RequeueReportSchema,
    UnavailablePeriodSchema,
    UnstaffedQuerySchema,
    WorkloadFilterSchema,
    WorkloadQuerySchema,
    WorkloadRowSchema,
)
from app.api.blueprint import Blueprint
from app.api.fields import public_names
from app.api.rate_limits import limited
from app.auth.models import Role
from app.auth.schemas import UserSchema
from app.courses.schemas import OfferingQuerySchema, OfferingSchema
from app.data.cache import cached

blp = Blueprint(
    "admin", __name__, url_prefix="/api/v1/admin", description="Manager-only administration"
)
MANAGER = Role.MANAGER
WORKLOAD_TABLES = ("users", "facilitator_profiles", "course_offerings", "enrollments",
                   "activity_logs", "attendance_records")  # fmt: skip


@blp.route("/users")
class People(MethodView):
    @blp.signed_in(MANAGER)
    @blp.arguments(PersonQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Find people by role, activity and name, email, employee id or student number"""
        return people.list_people(filters, pagination_parameters)

    @blp.signed_in(MANAGER)
    @blp.arguments(PersonCreateSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Email or number taken")
    def post(self, data):
        """Create a manager, facilitator or student account with its profile"""
        return people.create_person(data, current_user)


@blp.route("/users/<id:user_id>")
class Person(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(200, PersonDetailSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such account")
    def get(self, user_id):
        """One account with its profile and, for a facilitator, their current offerings"""
        return people.person_with_offerings(user_id)

    @blp.signed_in(MANAGER)
    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such account")
    @blp.alt_response(
        409, response="DEFAULT_ERROR", description="Last active manager, number taken, or a "
        "facilitator changing role while running offerings"
    )  # fmt: skip
    def patch(self, changes, user_id):
        """Change names, language, role, profile fields or is_active"""
        return people.update_person(user_id, changes, current_user)


@blp.route("/users/<id:user_id>/unavailability")
class Unavailability(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(200, UnavailablePeriodSchema(many=True))
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such facilitator")
    def get(self, user_id):
        """The periods a facilitator cannot teach, with their reasons (managers only)"""
        return people.unavailable_periods(people.facilitator(user_id).id)

    @blp.signed_in(MANAGER)
    @blp.arguments(UnavailablePeriodSchema)
    @blp.response(201, UnavailablePeriodSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such facilitator")
    def post(self, data, user_id):
        """Record days a facilitator cannot teach: allocations into them are refused (409)"""
        return people.add_unavailable_period(user_id, data, current_user)


@blp.route("/users/<id:user_id>/unavailability/<id:period_id>")
class UnavailablePeriodItem(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(204)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such period")
    def delete(self, user_id, period_id):
        """Remove a period a facilitator could not teach"""
        people.remove_unavailable_period(user_id, period_id, current_user)


def body_up_to(setting: str):
    """Allow this route a larger request body than MAX_CONTENT_LENGTH (read from `setting`)."""

    def decorator(view):
        @wraps(view)
        def allowing(*args, **kwargs):
            request.max_content_length = current_app.config[setting]
            return view(*args, **kwargs)

        return allowing

    return decorator


@blp.route("/users/import")
class ImportStudents(MethodView):
    @blp.signed_in(MANAGER)
    @limited("IMPORT_RATE_LIMIT")
    @body_up_to("IMPORT_MAX_BYTES")
    @blp.arguments(ImportQuerySchema, location="query")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(201, ImportReportSchema)
    @blp.alt_response(200, schema=ImportReportSchema, description="Dry run: nothing written")
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Accounts created meanwhile")
    @blp.alt_response(413, response="DEFAULT_ERROR", description="File too large")
    @blp.alt_response(422, response="DEFAULT_ERROR", description="Bad file or invalid rows")
    def post(self, query, files):
        """Import student accounts from a CSV: every row or none (dry_run reports only)"""
        report = imports.import_students(files["file"].read(), query["dry_run"], current_user)
        return (report, 200) if query["dry_run"] else report


CSV = {"content_type": "text/csv", "description": "CSV, UTF-8 with a BOM, streamed"}


@blp.route("/exports/offerings.csv")
class OfferingsExport(MethodView):
    @blp.signed_in(MANAGER)
    @limited("EXPORT_RATE_LIMIT")
    @blp.arguments(OfferingQuerySchema, location="query")
    @blp.response(200, **CSV)
    def get(self, filters):
        """Download every offering matching the list filters as CSV (streamed)"""
        return exports.offerings_csv(current_user, filters)


@blp.route("/exports/activity-logs.csv")
class ActivityLogsExport(MethodView):
    @blp.signed_in(MANAGER)
    @limited("EXPORT_RATE_LIMIT")
    @blp.arguments(ActivityLogQuerySchema, location="query")
    @blp.response(200, **CSV)
    def get(self, filters):
        """Download every activity log matching the list filters as CSV (streamed)"""
        return exports.activity_logs_csv(current_user, filters)


@blp.route("/exports/workload.csv")
class WorkloadExport(MethodView):
    @blp.signed_in(MANAGER)
    @limited("EXPORT_RATE_LIMIT")
    @blp.arguments(WorkloadFilterSchema, location="query")
    @blp.response(200, **CSV)
    def get(self, filters):
        """Download the workload report with the same filters as CSV (streamed)"""
        columns = public_names(WorkloadRowSchema)
        return workload.workload_csv(current_user, filters, columns)


@blp.route("/workload")
class Workload(MethodView):
    @blp.signed_in(MANAGER)
    # Students at risk are counted over every record of the trimester (about 1.4 s for 2,000
    # offerings): each answer is kept until a write or the next deadline changes it.
    @cached(*WORKLOAD_TABLES, managers_share=True, varies_with=deadline_day)
    @blp.arguments(WorkloadFilterSchema, location="query")
    @blp.response(200, WorkloadRowSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Per active facilitator: offerings against their maximum, students, logs, at risk"""
        return workload.report(current_user, filters, pagination_parameters)


my_blp = Blueprint(
    "my_workload", __name__, url_prefix="/api/v1", description="A facilitator's own workload"
)


@my_blp.route("/me/workload")
class MyWorkload(MethodView):
    @my_blp.signed_in(Role.FACILITATOR)
    @my_blp.arguments(WorkloadQuerySchema, location="query")
    @my_blp.response(200, WorkloadRowSchema)
    def get(self, filters):
        """Your load in a trimester, as managers see it in the workload report (facilitators)"""
        return workload.my_row(current_user, filters)


@blp.route("/unstaffed-offerings")
class UnstaffedOfferings(MethodView):
    @blp.signed_in(MANAGER)
    @blp.arguments(UnstaffedQuerySchema, location="query")
    @blp.response(200, OfferingSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Active offerings with no facilitator, or a deactivated one"""
        return staffing.unstaffed_offerings(filters, pagination_parameters)


@blp.route("/notifications")
class DeliveryLog(MethodView):
    @blp.signed_in(MANAGER)
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Every notification, newest first, with its status, attempts and last error"""
        return deliveries.list_notifications(filters, pagination_parameters)


@blp.route("/notifications/<id:notification_id>/retry")
class RetryDelivery(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(200, DeliverySchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such notification")
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Not failed")
    def post(self, notification_id):
        """Send a failed notification again: pending, fresh attempts, queued after commit"""
        return deliveries.retry(notification_id)


@blp.route("/queues")
class Queues(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(200, QueueHealthSchema)
    @blp.alt_response(503, response="DEFAULT_ERROR", description="Redis unreachable")
    def get(self):
        """Per RQ queue: queued, started, failed and scheduled jobs; workers and heartbeats"""
        return queues.health()


@blp.route("/queues/failed/requeue")
class RequeueFailedJobs(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(200, RequeueReportSchema)
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Embedded queue: jobs run inline")
    @blp.alt_response(503, response="DEFAULT_ERROR", description="Redis unreachable")
    def post(self):
        """Put every failed job back on its queue; how many were"""
        return queues.requeue_failed()
