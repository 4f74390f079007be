"""Request and response shapes for weekly activity logs and the compliance report."""

from marshmallow import Schema, ValidationError, fields, missing, post_load, pre_load, validate

from app.activity.attendance import BooleanAttendance
from app.activity.models import ATTENDANCE_STATUSES, CHECKLIST, STATUSES
from app.activity.services import WEEK_STATES
from app.api.fields import (
    MAX_INTEGER,
    PlainNested,
    Prose,
    ResponseSchema,
    StrictSchema,
    UTCDateTime,
    query_id,
    refuse_read_only,
    strict_id,
)
from app.core.i18n import lazy_gettext

# The API's name for the offering a log (or a reminder) is about, kept from the product's first
# description; inside the code it is `offering_id`.
OFFERING = "allocation_id"
STATUS = validate.OneOf(STATUSES)
NOTES = validate.Length(max=5000)


class AttendanceEntrySchema(StrictSchema):
    student_id = strict_id(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))


class LegacyAttendanceSchema(ResponseSchema):
    present = fields.Integer()
    recorded = fields.Integer()


ENTRY_DOC = {
    "type": "object",
    "required": ["student_id", "status"],
    "properties": {
        "student_id": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": list(ATTENDANCE_STATUSES)},
    },
}
MAX_ENTRIES = 500


class AttendanceField(fields.Field):
    """A week's attendance: `[{"student_id", "status"}, …]`, each student at most once; or the
    legacy form, one boolean per student on the week's roster in roster order (checked against
    the roster by the service, which knows it)."""

    default_error_messages = {
        "invalid": lazy_gettext("A list of entries with student_id and status (or of booleans)."),
        "too_long": lazy_gettext("At most {max} entries."),
        "twice": lazy_gettext("Student {id} appears twice."),
    }

    def deserialize(self, value, attr=None, data=None, **kwargs):
        value = super().deserialize(value, attr, data, **kwargs)  # missing, null, as any field
        return value if value is missing or value is None else self.entries(value)

    def entries(self, value) -> list | BooleanAttendance:
        if not isinstance(value, list):
            raise ValidationError(self.error("invalid"))
        if len(value) > MAX_ENTRIES:
            raise ValidationError(self.error("too_long", max=MAX_ENTRIES))
        if value and all(isinstance(item, bool) for item in value):
            return BooleanAttendance(value)
        errors, entries, seen = {}, [], set()
        for index, item in enumerate(value):
            try:
                entry = AttendanceEntrySchema().load(item if isinstance(item, dict) else {})
            except ValidationError as error:
                errors[index] = (
                    error.messages if isinstance(item, dict) else [self.error("invalid")]
                )
                continue
            if entry["student_id"] in seen:
                errors[index] = {"student_id": [self.error("twice", id=entry["student_id"])]}
            seen.add(entry["student_id"])
            entries.append(entry)
        if errors:
            raise ValidationError(errors)
        return entries

    def error(self, key: str, **values) -> str:
        return str(self.error_messages[key]).format(**values)


ATTENDANCE_DOC = {
    "description": "One entry per student taken (others are 'not taken'). Legacy form: one "
    "boolean per student on the week's roster, in roster order (true present, false absent); "
    "its length must equal the roster's.",
    "oneOf": [
        {"type": "array", "items": ENTRY_DOC, "maxItems": MAX_ENTRIES},
        {"type": "array", "items": {"type": "boolean"}, "maxItems": MAX_ENTRIES},
    ],
}


def checklist(**options) -> dict:
    """One field per checklist item, named as the model names them."""
    return {item: fields.String(**options) for item in CHECKLIST}


class ActivityLogSchema(ResponseSchema.from_dict(checklist(), name="ChecklistSchema")):
    id = fields.Integer()
    offering_id = fields.Integer(data_key=OFFERING, metadata={"description": "The course offering"})
    facilitator_id = fields.Integer(allow_none=True)
    week_number = fields.Integer()
    attendance = PlainNested(
        AttendanceEntrySchema,
        many=True,
        metadata={"description": "Each student taken that week; others were not taken"},
    )
    attendance_rate = fields.Float(
        allow_none=True,
        metadata={"description": "Present ÷ recorded (or the legacy counts'); null: none taken"},
    )
    legacy_attendance = fields.Nested(
        LegacyAttendanceSchema,
        allow_none=True,
        metadata={"description": "Counts of an old boolean list no roster matched; re-enter"},
    )
    notes = fields.String(allow_none=True)
    submitted_by_id = fields.Integer()
    filed_on_behalf = fields.Boolean()
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()
    due_at = fields.DateTime()
    is_late = fields.Boolean()
    is_complete = fields.Boolean(metadata={"description": "All six checklist items Done"})


class ActivityLogFieldsSchema(
    StrictSchema.from_dict(checklist(validate=STATUS), name="ChecklistFieldsSchema")
):
    attendance = AttendanceField(metadata=ATTENDANCE_DOC)
    notes = Prose(allow_none=True, validate=NOTES)


class ActivityLogUpdateSchema(ActivityLogFieldsSchema):
    @pre_load
    def refuse_identity_fields(self, data, **kwargs):
        refuse_read_only(data, (OFFERING, "week_number"))
        return data


class ActivityLogCreateSchema(ActivityLogFieldsSchema):
    offering_id = strict_id(required=True, data_key=OFFERING)
    # The range (1 … the offering's teaching weeks) is checked by the service, which knows
    # the offering, so every out-of-range week hears the same message naming both ends.
    week_number = fields.Integer(required=True, strict=True)

    @post_load
    def defaults(self, data, **kwargs):
        for item in CHECKLIST:
            data.setdefault(item, "Not Started")
        data.setdefault("attendance", [])
        return data


class ActivityLogQuerySchema(Schema):
    offering_id = query_id(data_key=OFFERING)
    week_number = fields.Integer(validate=validate.Range(min=1, max=MAX_INTEGER))
    facilitator_id = query_id()
    module_id = query_id()
    cohort_id = query_id()
    trimester = fields.Integer(validate=validate.Range(min=1, max=3))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(
        validate=STATUS, metadata={"description": "Logs with any checklist item in this state"}
    )
    is_late = fields.Boolean()
    is_complete = fields.Boolean()
    submitted_from = UTCDateTime(metadata={"description": "Inclusive; UTC if no offset"})
    submitted_to = UTCDateTime(metadata={"description": "Exclusive; UTC if no offset"})


class ActivityLogChangeSchema(ResponseSchema):
    """One of the log's events in the audit trail."""

    id = fields.Integer()
    action = fields.String(metadata={"description": "created, updated or deleted"})
    changed_by_id = fields.Integer(attribute="actor_id")
    changed_at = fields.DateTime(attribute="occurred_at")
    changes = fields.Dict(metadata={"description": "field → [old, new]"})


class ComplianceQuerySchema(Schema):
    trimester = fields.Integer(required=True, validate=validate.Range(min=1, max=3))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    cohort_id = query_id()
    module_id = query_id()
    facilitator_id = query_id()
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ComplianceRowSchema(ResponseSchema):
    offering_id = fields.Integer(data_key=OFFERING)
    module_code = fields.String()
    facilitator_id = fields.Integer(allow_none=True)
    facilitator_name = fields.String(allow_none=True)
    week_number = fields.Integer()
    due_at = fields.DateTime()
    status = fields.String(
        metadata={"description": "submitted_on_time, submitted_late, incomplete or missing"}
    )
    log_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)


class ComplianceTotalsSchema(ResponseSchema):
    facilitator_id = fields.Integer(allow_none=True)
    facilitator_name = fields.String(allow_none=True)
    due = fields.Integer()
    submitted_on_time = fields.Integer()
    submitted_late = fields.Integer()
    incomplete = fields.Integer()
    missing = fields.Integer()
    completion_rate = fields.Float(
        allow_none=True, metadata={"description": "Complete logs / logs due; null: none due"}
    )
    on_time_rate = fields.Float(
        allow_none=True,
        metadata={"description": "Complete on-time logs / logs due; null: none due"},
    )


class ComplianceReportSchema(ResponseSchema):
    trimester = fields.Integer()
    year = fields.Integer()
    generated_at = fields.DateTime()
    overall = fields.Nested(ComplianceTotalsSchema(exclude=("facilitator_id", "facilitator_name")))
    facilitators = fields.List(fields.Nested(ComplianceTotalsSchema))
    rows = fields.List(fields.Nested(ComplianceRowSchema))


# --- an offering's weeks ----------------------------------------------------------------------


class WeekSchema(ResponseSchema):
    week_number = fields.Integer()
    begins_at = fields.DateTime(metadata={"description": "Local midnight the week begins"})
    ends_at = fields.DateTime(metadata={"description": "Local midnight seven days later"})
    due_at = fields.DateTime(metadata={"description": "When its log is due (grace included)"})
    locks_at = fields.DateTime(
        metadata={"description": "When a log filed for it becomes read-only to its facilitator"}
    )
    state = fields.String(
        metadata={
            "enum": list(WEEK_STATES),
            "description": "No log: not_yet_due, due_soon (within the due-soon reminder's lead "
            "time) or overdue (it can still be filed, late). A log: filed, filed_late or "
            "incomplete; locked once its facilitator can no longer change it.",
        }
    )
    log_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    editable = fields.Boolean(
        metadata={"description": "Whether you may file (no log) or change (a log) it now"}
    )


class OfferingWeeksSchema(ResponseSchema):
    offering_id = fields.Integer(data_key=OFFERING)
    timezone = fields.String(
        metadata={"description": "The institution's time zone, in which deadlines are set"}
    )
    weeks = fields.List(fields.Nested(WeekSchema))


# --- rosters, students at risk, a student's own attendance -----------------------------------


class RosterQuerySchema(Schema):
    week_number = fields.Integer(
        validate=validate.Range(min=1),
        metadata={
            "description": "A teaching week of the offering (1 … its weeks); "
            "without it, the students enrolled now"
        },
    )


class RosterStudentSchema(ResponseSchema):
    id = fields.Integer(metadata={"description": "The student's user id"})
    first_name = fields.String()
    last_name = fields.String()
    name = fields.Function(lambda student: f"{student.first_name} {student.last_name}")
    student_number = fields.String(allow_none=True)


class AtRiskQuerySchema(ComplianceQuerySchema):
    """The compliance report's filters: a trimester, optionally one module, cohort or
    facilitator."""

    class Meta:
        exclude = ("format",)


REASONS_DOC = (
    "low_attendance: rate below AT_RISK_ATTENDANCE after AT_RISK_MIN_WEEKS recorded weeks; "
    "consecutive_absences: the latest AT_RISK_CONSECUTIVE_ABSENCES recorded weeks all absent"
)


class StudentAtRiskSchema(ResponseSchema):
    offering_id = fields.Integer(data_key=OFFERING, metadata={"description": "The course offering"})
    module_code = fields.String()
    facilitator_id = fields.Integer(allow_none=True)
    student_id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    student_number = fields.String(allow_none=True)
    reasons = fields.List(fields.String(), metadata={"description": REASONS_DOC})
    attendance_rate = fields.Float(metadata={"description": "Present ÷ recorded weeks"})
    recorded_weeks = fields.Integer(metadata={"description": "Weeks the student was taken"})
    present = fields.Integer()
    absent = fields.Integer()
    excused = fields.Integer()
    consecutive_absences = fields.Integer(
        metadata={"description": "Absences in a row up to the latest recorded week"}
    )


class WeekAttendanceSchema(ResponseSchema):
    week_number = fields.Integer()
    status = fields.String(metadata={"description": "present, absent or excused"})


class MyAttendanceSchema(ResponseSchema):
    offering_id = fields.Integer(data_key=OFFERING, metadata={"description": "The course offering"})
    module_code = fields.String()
    module_name = fields.String()
    weeks = fields.List(
        fields.Nested(WeekAttendanceSchema),
        metadata={"description": "Recorded weeks only; a week missing was not taken"},
    )
    present = fields.Integer()
    absent = fields.Integer()
    excused = fields.Integer()
    recorded = fields.Integer()
    attendance_rate = fields.Float(
        allow_none=True, metadata={"description": "Present ÷ recorded; null: none recorded"}
    )
