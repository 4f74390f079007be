"""`/api/v1/admin/…`: people, imports, exports, the delivery log and queues (managers only)."""

from functools import wraps

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.activity.schemas import ActivityLogQuerySchema
from app.admin import deliveries, exports, imports, people, queues, staffing
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
    UnstaffedQuerySchema,
)
from app.api.blueprint import Blueprint
from app.auth.models import Role
from app.auth.schemas import UserSchema
from app.courses.schemas import OfferingQuerySchema, OfferingSchema

blp = Blueprint(
    "admin", __name__, url_prefix="/api/v1/admin", description="Manager-only administration"
)
MANAGER = Role.MANAGER


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
    @blp.limited("IMPORT_RATE_LIMIT")
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
    @blp.limited("EXPORT_RATE_LIMIT")
    @blp.arguments(OfferingQuerySchema, location="query")
    @blp.response(200, **CSV)
    def get(self, filters):
        """Download every offering matching the list filters as CSV (streamed)"""
        return exports.offerings_csv(current_user, filters)


@blp.route("/exports/activity-logs.csv")
class ActivityLogsExport(MethodView):
    @blp.signed_in(MANAGER)
    @blp.limited("EXPORT_RATE_LIMIT")
    @blp.arguments(ActivityLogQuerySchema, location="query")
    @blp.response(200, **CSV)
    def get(self, filters):
        """Download every activity log matching the list filters as CSV (streamed)"""
        return exports.activity_logs_csv(current_user, filters)


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
