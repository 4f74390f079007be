"""Request and response shapes for the inbox, preferences and calendar feeds."""

from marshmallow import fields, validate

from app.fields import ResponseSchema, StrictSchema, UTCDateTime
from app.notifications.models import EmailPreference, Kind

EMAIL = validate.OneOf([preference.value for preference in EmailPreference])


class NotificationSchema(ResponseSchema):
    id = fields.Integer(attribute="notification.id")
    kind = fields.String(
        attribute="notification.kind",
        metadata={"description": "due_soon, overdue, unstaffed, digest or reflection_due"},
    )
    title = fields.String(metadata={"description": "In the caller's language"})
    allocation_id = fields.Integer(
        attribute="notification.offering_id", allow_none=True, metadata={"description": "Offering"}
    )
    week_number = fields.Integer(attribute="notification.week_number", allow_none=True)
    deadline = fields.DateTime(attribute="notification.deadline")
    channel = fields.String(
        attribute="notification.channel", metadata={"description": "email, digest or in_app"}
    )
    status = fields.String(
        attribute="notification.status", metadata={"description": "pending, sent or failed"}
    )
    created_at = fields.DateTime(attribute="notification.created_at")
    sent_at = fields.DateTime(attribute="notification.sent_at", allow_none=True)
    read_at = fields.DateTime(attribute="notification.read_at", allow_none=True)


class InboxQuerySchema(StrictSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread ones"})


class ReadAllSchema(ResponseSchema):
    marked_read = fields.Integer()


class PreferencesSchema(StrictSchema):
    """E-mail per kind: `immediate`, `daily_digest` or `off` (the inbox always has them)."""

    due_soon = fields.String(validate=EMAIL)
    overdue = fields.String(validate=EMAIL)
    unstaffed = fields.String(validate=EMAIL)
    digest = fields.String(validate=EMAIL)
    reflection_due = fields.String(validate=EMAIL)


assert set(PreferencesSchema().fields) == {kind.value for kind in Kind}


class CalendarFeedSchema(ResponseSchema):
    url = fields.String(metadata={"description": "Secret: anyone with it can read the feed"})
    created_at = UTCDateTime()
