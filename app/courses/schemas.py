"""Request and response shapes for the catalogue, offerings and enrolments."""

from marshmallow import Schema, fields, post_load, validate

from app.api.fields import (
    PlainNested,
    Prose,
    ResponseSchema,
    StrictBoolean,
    StrictSchema,
    Text,
    query_id,
    strict_id,
)
from app.core.i18n import lazy_gettext
from app.courses.models import INTAKES, OfferingStatus

DEFAULT_CAPACITY = 50
STATUS = validate.OneOf([status.value for status in OfferingStatus])
STATUS_DESCRIPTION = (
    "planned, active, completed or cancelled. Moves: planned → active or cancelled; active → "
    "completed (once its last week's log has fallen due) or cancelled; completed and cancelled "
    "are final. Only active offerings get reminders and count in compliance."
)
DESCRIPTION = Prose(allow_none=True, validate=validate.Length(max=5000))
CODE_PATTERN = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$", error=lazy_gettext("Use letters, digits, - and _ only.")
)


# --- catalogue -------------------------------------------------------------------------------


class CatalogueSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ModuleSchema(CatalogueSchema):
    code = Text(required=True, validate=[validate.Length(max=20), CODE_PATTERN])
    name = Text(required=True, validate=validate.Length(max=200))
    credits = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60))
    description = DESCRIPTION

    @post_load
    def upper_case_code(self, data, **kwargs):
        if "code" in data:
            data["code"] = data["code"].upper()
        return data


class CohortSchema(CatalogueSchema):
    name = Text(required=True, validate=validate.Length(max=100))
    description = DESCRIPTION


class ClassSchema(CatalogueSchema):
    name = Text(required=True, validate=[validate.Length(max=50), CODE_PATTERN])
    description = DESCRIPTION


class ModeSchema(CatalogueSchema):
    code = Text(
        required=True,
        validate=[
            validate.Length(max=30),
            validate.Regexp(
                r"^[a-z][a-z0-9_]*$",
                error=lazy_gettext("Use lower-case letters, digits and _ only."),
            ),
        ],
    )
    name = Text(required=True, validate=validate.Length(max=100))
    description = DESCRIPTION


class CatalogueQuerySchema(Schema):
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Search code or name (contains, case-insensitive)"},
    )


# --- offerings -------------------------------------------------------------------------------


class PersonSchema(ResponseSchema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()


class OfferingSchema(ResponseSchema):
    id = fields.Integer()
    module_id = fields.Integer()
    class_id = fields.Integer()
    cohort_id = fields.Integer()
    mode_id = fields.Integer()
    facilitator_id = fields.Integer(allow_none=True)
    module = PlainNested(ModuleSchema(only=("id", "code", "name", "credits")))
    course_class = PlainNested(ClassSchema(only=("id", "name")), data_key="class")
    cohort = PlainNested(CohortSchema(only=("id", "name")))
    mode = PlainNested(ModeSchema(only=("id", "code", "name")))
    facilitator = PlainNested(PersonSchema, allow_none=True)
    trimester = fields.Integer()
    year = fields.Integer()
    intake = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    weeks = fields.Integer(metadata={"description": "Teaching weeks, derived from the dates"})
    max_students = fields.Integer()
    enrolled_count = fields.Integer()
    status = fields.String(metadata={"description": STATUS_DESCRIPTION})
    is_active = fields.Boolean(metadata={"description": "Not cancelled (derived from status)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OfferingWriteSchema(StrictSchema):
    module_id = strict_id(required=True)
    class_id = strict_id(required=True)
    cohort_id = strict_id(required=True)
    mode_id = strict_id(required=True)
    facilitator_id = strict_id(allow_none=True)
    trimester = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    intake = fields.String(required=True, validate=validate.OneOf(INTAKES))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    max_students = fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    status = fields.String(
        validate=STATUS, metadata={"description": STATUS_DESCRIPTION + " New: active if left out."}
    )
    is_active = StrictBoolean(
        metadata={"description": "Older form of status: false cancels; true keeps it as it is"}
    )
    override_load = StrictBoolean(
        load_only=True,
        metadata={
            "description": "Allocate even past the facilitator's maximum offerings in the "
            "trimester or into a period they are unavailable (recorded in the audit trail)"
        },
    )

    @post_load
    def creation_defaults(self, data, partial=None, **kwargs):
        """Defaults apply when creating; a partial update changes only what it names."""
        if not partial:
            data.setdefault("max_students", DEFAULT_CAPACITY)
        return data


class OfferingQuerySchema(Schema):
    trimester = fields.Integer(validate=validate.Range(min=1, max=3))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    intake = fields.String(validate=validate.OneOf(INTAKES))
    module_id = query_id()
    class_id = query_id()
    cohort_id = query_id()
    mode_id = query_id()
    facilitator_id = query_id()
    is_active = fields.Boolean()
    status = fields.String(validate=STATUS)
    unassigned = fields.Boolean(metadata={"description": "Only offerings with no facilitator"})
    active_on = fields.Date(metadata={"description": "Offerings running on this date"})
    sort = fields.String(
        load_default="start_date",
        validate=validate.OneOf(["start_date", "-start_date", "module_code", "-module_code"]),
    )


class AssignmentChangeSchema(ResponseSchema):
    id = fields.Integer()
    previous_facilitator_id = fields.Integer(allow_none=True)
    facilitator_id = fields.Integer(allow_none=True)
    changed_by_id = fields.Integer()
    changed_at = fields.DateTime()


# --- enrolments ------------------------------------------------------------------------------


class EnrollRequestSchema(StrictSchema):
    student_ids = fields.List(strict_id(), required=True, validate=validate.Length(min=1, max=500))


class EnrollResultSchema(ResponseSchema):
    student_id = fields.Integer()
    result = fields.String(
        metadata={"description": "enrolled, already_enrolled, not_a_student or offering_full"}
    )


class EnrollmentSchema(ResponseSchema):
    id = fields.Integer()
    offering_id = fields.Integer()
    student_id = fields.Integer()
    student = PlainNested(PersonSchema)
    enrolled_by_id = fields.Integer(allow_none=True)
    enrolled_at = fields.DateTime()


class MyEnrollmentSchema(ResponseSchema):
    id = fields.Integer()
    enrolled_at = fields.DateTime()
    offering = fields.Nested(OfferingSchema)
