"""Request and response shapes for the inbox, preferences and calendar feeds."""

from marshmallow import Schema, fields, validate

from app.activity.schemas import OFFERING
from app.api.fields import ResponseSchema, StrictSchema, UTCDateTime
from app.auth.models import Role
from app.notifications import kinds
from app.notifications.models import EmailPreference
from app.notifications.registry import NotificationKind, all_kinds


class NotificationSchema(ResponseSchema):
    id = fields.Integer(attribute="notification.id")
    kind = fields.String(
        attribute="notification.kind",
        metadata={"description": kinds.listed()},
    )
    title = fields.String(metadata={"description": "In the caller's language"})
    link = fields.String(
        allow_none=True,
        metadata={
            "description": "Where to act on it: the facilitator's page at its offering and week "
            "(or student), the reflection page, the managers' dashboard; null for none"
        },
    )
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


class ReadAllSchema(ResponseSchema):
    marked_read = fields.Integer()


def kind_fields(choices) -> dict:
    """One field per kind of notification, each taking `choices(kind)`."""
    return {
        kind.name: fields.String(validate=validate.OneOf(choices(kind))) for kind in all_kinds()
    }


def every_preference(kind: NotificationKind) -> list[str]:
    return [email.value for email in EmailPreference]


def offered(kind: NotificationKind) -> list[str]:
    """The e-mail preferences a kind offers: no daily digest where none would hold it."""
    return [email.value for email in EmailPreference
            if kind.can_wait_for_digest or email != EmailPreference.DAILY_DIGEST]  # fmt: skip


def preferences_of(role: Role, base: type[Schema]) -> type[Schema]:
    """The kinds `role` receives, each with the preferences it offers."""
    received = {kind.name for kind in all_kinds() if kind.audience == role}
    shape = {name: field for name, field in kind_fields(offered).items() if name in received}
    suffix = "Answer" if base is ResponseSchema else ""
    return base.from_dict(shape, name=f"{role.value.title()}Preferences{suffix}Schema")


class PreferencesSchema(StrictSchema.from_dict(kind_fields(every_preference))):
    """E-mail per kind: `immediate`, `daily_digest` or `off` (the inbox always has them).

    Read whole, so a kind the caller does not receive hears so; documented per role
    (`by_role`, see app/api/openapi.py)."""

    by_role = {role.value: preferences_of(role, StrictSchema) for role in Role}


class PreferencesAnswerSchema(ResponseSchema.from_dict(kind_fields(every_preference))):
    """Every kind the caller receives, with its e-mail preference."""

    by_role = {role.value: preferences_of(role, ResponseSchema) for role in Role}


class CalendarFeedSchema(ResponseSchema):
    url = fields.String(metadata={"description": "Secret: anyone with it can read the feed"})
    created_at = UTCDateTime()
