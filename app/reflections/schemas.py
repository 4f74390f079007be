"""Request and response shapes for reflections and their per-offering summary."""

from marshmallow import Schema, fields, validate

from app.api.fields import Prose, ResponseSchema, StrictSchema, query_id, strict_id, visible_text
from app.core.i18n import LANGUAGES
from app.courses.schemas import PersonSchema
from app.reflections.models import ANSWER_MAX_LENGTH, ANSWER_MIN_LENGTH, RATINGS


class TrimmedProse(Prose):
    """Prose without the white space around it (so "   " counts as empty), whose `length`
    holds for the trimmed text: the document's pattern spells that out, and so carries no
    minLength or maxLength, which would count the white space too."""

    def __init__(self, *, length: validate.Length, **kwargs):
        super().__init__(**kwargs)
        self.length = length
        bounds = f"{{{{{length.min - 2},{length.max - 2}}}}}"
        space, edge = r"[^\S{hidden}]*", r"[^\s{hidden}]"
        body = rf"{space}{edge}[^{{hidden}}]{bounds}{edge}{space}"
        self.metadata["pattern"] = visible_text(body, self.ALLOWED)

    def cleaned(self, text: str) -> str:
        return self.length(super().cleaned(text).strip())


def answer(**kwargs) -> TrimmedProse:
    """One answer: trimmed, within the bounds the page also enforces."""
    return TrimmedProse(
        length=validate.Length(min=ANSWER_MIN_LENGTH, max=ANSWER_MAX_LENGTH), **kwargs
    )


class AnswersSchema(StrictSchema):
    went_well = answer(required=True, metadata={"description": "What went well"})
    hardest = answer(required=True, metadata={"description": "What was hardest"})
    would_help = answer(required=True, metadata={"description": "What would help next time"})


class ReflectionCreateSchema(StrictSchema):
    offering_id = strict_id(required=True)
    answers = fields.Nested(AnswersSchema, required=True)
    rating = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=RATINGS.start, max=RATINGS[-1])
    )
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class ReflectionSchema(ResponseSchema):
    id = fields.Integer()
    offering_id = fields.Integer()
    student_id = fields.Integer()
    student = fields.Nested(PersonSchema)
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "went_well, hardest, would_help: plain text, never markup"},
    )
    rating = fields.Integer()
    language = fields.String()
    submitted_at = fields.DateTime()


class ReflectionQuerySchema(Schema):
    offering_id = query_id()
    module_id = query_id()
    cohort_id = query_id()
    trimester = fields.Integer(validate=validate.Range(min=1, max=3))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class ReflectionSummarySchema(ResponseSchema):
    offering_id = fields.Integer()
    module_code = fields.String()
    cohort_name = fields.String()
    trimester = fields.Integer()
    year = fields.Integer()
    enrolled = fields.Integer(metadata={"description": "Active students enrolled now"})
    count = fields.Integer(metadata={"description": "Reflections received"})
    average_rating = fields.Float(allow_none=True, metadata={"description": "1 to 5, 2 decimals"})
    response_rate = fields.Float(
        allow_none=True,
        metadata={"description": "Active enrolled students who reflected / enrolled (0 to 1)"},
    )
    non_respondents = fields.List(
        fields.Nested(PersonSchema), metadata={"description": "Active, enrolled, no reflection yet"}
    )
