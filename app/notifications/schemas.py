"""Request and response shapes for the inbox, preferences and calendar feeds."""

from marshmallow import Schema, fields, validate

from app.activity.schemas import OFFERING
from app.api.fields import StrictSchema, UTCDateTime
from app.notifications import kinds
from app.notifications.models import EmailPreference

EMAIL = validate.OneOf([preference.value for preference in EmailPreference])


class NotificationSchema(Schema):
    id = fields.Integer(attribute="notification.id")
    kind = fields.String(
        attribute="notification.kind",
        metadata={"description": kinds.listed()},
    )
    title = fields.String(metadata={"description": "In the caller's language"})
    offering_id = fields.Integer(
        attribute="notification.offering_id",
        data_key=OFFERING,
        allow_none=True,
        metadata={"description": "Offering"},
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


class ReadAllSchema(Schema):
    marked_read = fields.Integer()


# E-mail per kind: `immediate`, `daily_digest` or `off` (the inbox always has them).
PreferencesSchema = StrictSchema.from_dict(
    {name: fields.String(validate=EMAIL) for name in kinds.NAMES}, name="PreferencesSchema"
)


class CalendarFeedSchema(Schema):
    url = fields.String(metadata={"description": "Secret: anyone with it can read the feed"})
    created_at = UTCDateTime()
