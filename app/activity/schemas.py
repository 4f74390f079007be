"""Request and response shapes for weekly activity logs and the compliance report."""

from marshmallow import Schema, fields, post_load, pre_load, validate

from app.activity.models import CHECKLIST, STATUSES
from app.courses.schemas import query_id, strict_id
from app.fields import (
    Prose,
    ResponseSchema,
    StrictBoolean,
    StrictSchema,
    UTCDateTime,
    refuse_read_only,
)

STATUS = validate.OneOf(STATUSES)
NOTES = validate.Length(max=5000)


def checklist(**options) -> dict:
    """One field per checklist item, named as the model names them."""
    return {item: fields.String(**options) for item in CHECKLIST}


class ActivityLogSchema(ResponseSchema.from_dict(checklist(), name="ChecklistSchema")):
    id = fields.Integer()
    allocation_id = fields.Integer(metadata={"description": "The course offering"})
    facilitator_id = fields.Integer(allow_none=True)
    week_number = fields.Integer()
    attendance = fields.List(fields.Boolean())
    attendance_rate = fields.Float(allow_none=True, metadata={"description": "Share present"})
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
    attendance = fields.List(StrictBoolean(), validate=validate.Length(max=500))
    notes = Prose(allow_none=True, validate=NOTES)


class ActivityLogUpdateSchema(ActivityLogFieldsSchema):
    @pre_load
    def refuse_identity_fields(self, data, **kwargs):
        refuse_read_only(data, ("allocation_id", "week_number"))
        return data


class ActivityLogCreateSchema(ActivityLogFieldsSchema):
    allocation_id = strict_id(required=True)
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
    allocation_id = query_id()
    week_number = fields.Integer(validate=validate.Range(min=1))
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
    id = fields.Integer()
    action = fields.String(metadata={"description": "created, updated or deleted"})
    changed_by_id = fields.Integer()
    changed_at = fields.DateTime()
    changes = fields.Dict(metadata={"description": "field → [old, new]"})


class ComplianceQuerySchema(Schema):
    trimester = fields.Integer(required=True, validate=validate.Range(min=1, max=3))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    cohort_id = query_id()
    module_id = query_id()
    facilitator_id = query_id()
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ComplianceRowSchema(ResponseSchema):
    allocation_id = fields.Integer()
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
