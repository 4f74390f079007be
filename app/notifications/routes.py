"""`/api/v1/notifications` (the inbox) and `/api/v1/me/…` (preferences, calendar)."""

from flask import Response, current_app, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api.blueprint import Blueprint
from app.core.clock import now
from app.notifications import services
from app.notifications.schemas import (
    CalendarFeedSchema,
    InboxQuerySchema,
    NotificationSchema,
    PreferencesAnswerSchema,
    PreferencesSchema,
    ReadAllSchema,
)

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1",
    template_folder="templates",
    description="Inbox, notification preferences and calendar feeds",
)
ICS = "text/calendar"


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.signed_in()
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Your notifications, newest first (`unread=true` for unread ones only)"""
        return services.list_inbox(current_user, query["unread"], pagination_parameters)


@blp.route("/notifications/<id:notification_id>/read")
class MarkNotificationRead(MethodView):
    @blp.signed_in()
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="Not one of yours")
    def post(self, notification_id):
        """Mark one of your notifications read"""
        return services.mark_read(current_user, notification_id)


@blp.route("/notifications/read-all")
class MarkAllNotificationsRead(MethodView):
    @blp.signed_in()
    @blp.response(200, ReadAllSchema)
    def post(self):
        """Mark all your notifications read"""
        return {"marked_read": services.mark_all_read(current_user)}


@blp.route("/me/notification-preferences")
class NotificationPreferences(MethodView):
    @blp.signed_in()
    @blp.response(200, PreferencesAnswerSchema)
    def get(self):
        """How you receive each kind of notification by e-mail (the inbox always has them)"""
        return services.preferences(current_user)

    @blp.signed_in()
    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesAnswerSchema)
    def put(self, changes):
        """Set `immediate`, `daily_digest` or `off` for the kinds you receive"""
        return services.set_preferences(current_user, changes)


def ics_response(document: bytes) -> Response:
    """A calendar, `no-store` like every API answer (app/api/security.py): a feed is one person's
    schedule behind a secret URL, and a revoked URL must leave no copy behind in a cache.
    Calendar apps poll on a schedule of their own whatever the answer says."""
    return Response(document, mimetype=ICS)


@blp.route("/me/calendar.ics")
class MyCalendar(MethodView):
    @blp.signed_in()
    @blp.response(200, content_type=ICS, description="iCalendar document")
    def get(self):
        """Your weekly log deadlines as an iCalendar feed"""
        return ics_response(services.calendar(current_user))


@blp.route("/me/calendar-feed")
class MyCalendarFeed(MethodView):
    @blp.signed_in()
    @blp.response(201, CalendarFeedSchema)
    def post(self):
        """Create your secret calendar feed URL (replaces any earlier one; shown once)"""
        token = services.create_feed(current_user)
        return {"url": feed_url(token), "created_at": now()}

    @blp.signed_in()
    @blp.response(204)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No feed to revoke")
    def delete(self):
        """Revoke your calendar feed URL: it answers 404 from now on"""
        services.revoke_feed(current_user)


@blp.route("/calendar-feeds/<string:token>.ics")
class SecretFeed(MethodView):
    @blp.doc(security=[])
    @blp.response(200, content_type=ICS, description="iCalendar document")
    @blp.alt_response(404, response="DEFAULT_ERROR", description="Revoked or unknown")
    def get(self, token):
        """A calendar feed by its secret URL, for calendar clients (no token needed)"""
        return ics_response(services.calendar(services.feed_owner(token)))


def feed_url(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("notifications.SecretFeed", token=token)
