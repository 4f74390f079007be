"""Shapes of the audit trail."""

from marshmallow import Schema, fields, validate

from app.api.fields import ResponseSchema, UTCDateTime, query_id


class AuditEventSchema(ResponseSchema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "None: the system"})
    action = fields.String(
        metadata={"description": "created, updated, deleted, archived, enrolled, unenrolled, "
                  "signed_in, sign_in_failed, password_changed (by its owner), password_set (by "
                  "someone else), password_reset (through an e-mailed link)"}
    )  # fmt: skip
    entity_type = fields.String(metadata={"description": "The table: users, modules, …"})
    entity_id = fields.Integer(allow_none=True)
    changes = fields.Dict(metadata={"description": "field → [old, new]"})
    request_id = fields.String(allow_none=True)
    client_address = fields.String(allow_none=True)


class AuditQuerySchema(Schema):
    actor_id = query_id()
    action = fields.String(validate=validate.Length(min=1, max=40))
    entity_type = fields.String(validate=validate.Length(min=1, max=40))
    entity_id = query_id()
    request_id = fields.String(validate=validate.Length(min=1, max=64))
    occurred_from = UTCDateTime(metadata={"description": "Inclusive; UTC if no offset"})
    occurred_to = UTCDateTime(metadata={"description": "Exclusive; UTC if no offset"})
