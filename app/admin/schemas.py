"""Request and response shapes of the manager-only admin API."""

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.api.fields import (
    ResponseSchema,
    StrictBoolean,
    StrictSchema,
    Text,
    UTCDateTime,
    query_id,
    refuse_read_only,
)
from app.auth.models import Role
from app.auth.schemas import LANGUAGE, NAME, NEW_PASSWORD, UserSchema
from app.core.i18n import _
from app.courses.schemas import OfferingSchema
from app.notifications import kinds
from app.notifications.models import Channel, Status

ROLE = validate.OneOf([role.value for role in Role])
NUMBER = validate.Length(max=32)
LONG_TEXT = validate.Length(max=200)


class PersonQuerySchema(Schema):
    role = fields.String(validate=ROLE)
    is_active = fields.Boolean()
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Search name, email, employee id and student number"},
    )


class UnavailablePeriodSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    starts_on = fields.Date(required=True, metadata={"description": "First day they cannot teach"})
    ends_on = fields.Date(required=True, metadata={"description": "Last day (included)"})
    reason = Text(allow_none=True, validate=LONG_TEXT,
                  metadata={"description": "Shown to managers only"})  # fmt: skip
    created_at = fields.DateTime(dump_only=True)

    @validates_schema
    def days_in_order(self, data, **kwargs):
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError(_("Must not be before starts_on."), "ends_on")
        if (data["ends_on"] - data["starts_on"]).days > 366:
            raise ValidationError(_("A period lasts at most a year."), "ends_on")


class PersonDetailSchema(UserSchema):
    current_offerings = fields.List(
        fields.Nested(OfferingSchema(only=("id", "module", "trimester", "year", "intake",
                                           "start_date", "end_date", "enrolled_count")))
    )  # fmt: skip
    unavailable = fields.List(
        fields.Nested(UnavailablePeriodSchema),
        metadata={"description": "A facilitator's periods when they cannot teach"},
    )


def profile_fields(names=("employee_id", "specialisation", "max_offerings_per_trimester",
                          "student_number", "department")):  # fmt: skip
    """Profile fields; each belongs to one role (UserSchema.PROFILE_FIELDS)."""
    every = {
        "employee_id": Text(validate=NUMBER),
        "specialisation": Text(allow_none=True, validate=LONG_TEXT),
        "max_offerings_per_trimester": fields.Integer(
            strict=True,
            allow_none=True,
            validate=validate.Range(min=0, max=50),
            metadata={"description": "Most offerings a trimester; null: FACILITATOR_MAX_OFFERINGS"},
        ),
        "student_number": Text(validate=NUMBER),
        "department": Text(allow_none=True, validate=LONG_TEXT),
    }
    return {name: every[name] for name in names}


class ProfileFieldsSchema(StrictSchema.from_dict(profile_fields(), name="ProfileFieldsSchema")):
    """Profile fields of any role; the service refuses another role's (422)."""


class AccountCreateSchema(StrictSchema):
    role = fields.String(required=True, validate=ROLE)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(
        load_only=True,
        validate=NEW_PASSWORD,
        metadata={
            "description": "Optional. Left out, the person is e-mailed a single-use link to "
            "choose their own (PASSWORD_RESET_HOURS)"
        },
    )
    first_name = Text(required=True, validate=NAME)
    last_name = Text(required=True, validate=NAME)
    preferred_language = fields.String(load_default="en", validate=LANGUAGE)


def account_of(role: Role) -> type[Schema]:
    """A new account of `role`, with that role's profile fields only."""
    return AccountCreateSchema.from_dict(
        {
            "role": fields.String(required=True, validate=validate.OneOf([role.value])),
            **profile_fields(UserSchema.PROFILE_FIELDS[role]),
        },
        name=f"{role.value.title()}AccountCreateSchema",
    )


class PersonCreateSchema(ProfileFieldsSchema, AccountCreateSchema):
    """Read whole, so a profile field of another role hears which profile it is not part of;
    documented as one shape per role (`one_of`: the field that chooses, and each value's
    schema; see app/api/openapi.py)."""

    one_of = ("role", {role.value: account_of(role) for role in Role})


class PersonUpdateSchema(ProfileFieldsSchema):
    first_name = Text(validate=NAME)
    last_name = Text(validate=NAME)
    preferred_language = fields.String(validate=LANGUAGE)
    role = fields.String(
        validate=ROLE, metadata={"description": "The profile row follows the new role"}
    )
    is_active = StrictBoolean(
        metadata={"description": "false: the person's tokens stop working on their next request"}
    )

    @pre_load
    def refuse_protected_fields(self, data, **kwargs):
        refuse_read_only(data, ("email", "password", "id"))
        return data


# --- CSV import ------------------------------------------------------------------------------


class ImportFileSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary",
                  "description": "UTF-8 CSV (comma, semicolon or tab) with the columns email, "
                  "first_name, last_name and optionally student_number, preferred_language"},
    )  # fmt: skip


class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "Report what would happen; write nothing"}
    )


class ImportRowSchema(ResponseSchema):
    line = fields.Integer(metadata={"description": "Line in the file (the header is line 1)"})
    email = fields.String()
    result = fields.String(metadata={"description": "created, skipped or invalid"})
    reasons = fields.Dict(metadata={"description": "column → messages"})
    user_id = fields.Integer(allow_none=True)


class ImportReportSchema(ResponseSchema):
    dry_run = fields.Boolean()
    created = fields.Integer(metadata={"description": "Created (or, in a dry run, would be)"})
    skipped = fields.Integer(metadata={"description": "Email has an account already"})
    invalid = fields.Integer()
    rows = fields.List(fields.Nested(ImportRowSchema))


class WorkloadQuerySchema(Schema):
    trimester = fields.Integer(required=True, validate=validate.Range(min=1, max=3))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class WorkloadFilterSchema(WorkloadQuerySchema):
    facilitator_id = query_id()
    has_room = fields.Boolean(
        metadata={"description": "true: only those below their maximum; false: only those at it"}
    )


class WorkloadRowSchema(ResponseSchema):
    facilitator_id = fields.Integer()
    facilitator_name = fields.String()
    email = fields.String()
    offerings = fields.Integer(metadata={"description": "Not cancelled, in the trimester"})
    max_offerings = fields.Integer(metadata={"description": "Their maximum per trimester"})
    room_left = fields.Integer(metadata={"description": "Offerings they may still take"})
    enrolled_students = fields.Integer(metadata={"description": "In those offerings"})
    due = fields.Integer(metadata={"description": "Weekly logs due so far (active offerings, "
                                   "and completed ones)"})  # fmt: skip
    missing = fields.Integer()
    late = fields.Integer(metadata={"description": "Complete, but filed after the deadline"})
    incomplete = fields.Integer()
    at_risk_students = fields.Integer(metadata={"description": "In the same offerings as due"})


class UnstaffedQuerySchema(Schema):
    trimester = fields.Integer(validate=validate.Range(min=1, max=3))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


# --- delivery log and queues -----------------------------------------------------------------


class DeliveryQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([status.value for status in Status]))
    kind = fields.String(validate=validate.OneOf(kinds.NAMES))
    channel = fields.String(validate=validate.OneOf([channel.value for channel in Channel]))
    recipient_id = query_id()
    offering_id = query_id()
    created_from = UTCDateTime(metadata={"description": "Inclusive; UTC if no offset"})
    created_to = UTCDateTime(metadata={"description": "Exclusive; UTC if no offset"})


class DeliverySchema(ResponseSchema):
    id = fields.Integer()
    recipient_id = fields.Integer()
    kind = fields.String(metadata={"description": kinds.listed()})
    channel = fields.String(metadata={"description": "email, digest or in_app"})
    offering_id = fields.Integer(allow_none=True)
    week_number = fields.Integer()
    deadline = fields.DateTime()
    language = fields.String()
    status = fields.String(metadata={"description": "pending, sent, failed or cancelled"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True, metadata={"description": "The server's answer"})
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)


class QueueCountsSchema(ResponseSchema):
    name = fields.String()
    queued = fields.Integer()
    started = fields.Integer()
    failed = fields.Integer()
    scheduled = fields.Integer()


class WorkerSchema(ResponseSchema):
    name = fields.String()
    queues = fields.List(fields.String())
    state = fields.String()
    last_heartbeat = fields.DateTime(allow_none=True)
    alive = fields.Boolean(metadata={"description": "Beat within WORKER_STALE_SECONDS"})


class QueueHealthSchema(ResponseSchema):
    embedded = fields.Boolean(
        metadata={"description": "REDIS_URL unset: jobs run inline in the web process"}
    )
    queues = fields.List(fields.Nested(QueueCountsSchema))
    workers = fields.List(fields.Nested(WorkerSchema))


class RequeueReportSchema(ResponseSchema):
    requeued = fields.Integer()
    by_queue = fields.Dict(keys=fields.String(), values=fields.Integer())
