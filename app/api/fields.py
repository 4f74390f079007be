"""Marshmallow fields and base schemas shared by every feature."""

import unicodedata
from datetime import UTC, datetime
from functools import cache, cached_property

from flask_smorest import error_handler
from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate
from werkzeug.routing import IntegerConverter

from app.core.i18n import lazy_gettext

# INTEGER columns (ids, week numbers) are 32-bit signed on MariaDB/MySQL. A larger value names
# nothing, and is turned away at the edge (a path does not match, a query or body is a 422)
# before a database driver chokes on it (SQLite's overflows past 2^63, MariaDB refuses to store
# past 2^31).
MAX_INTEGER = 2**31 - 1
MAX_ID = MAX_INTEGER
ID_RANGE = validate.Range(min=1, max=MAX_ID)


def strict_id(**kwargs) -> fields.Integer:
    """An id in a JSON body: an integer in the id range, never a string or a float."""
    return fields.Integer(strict=True, validate=ID_RANGE, **kwargs)


def query_id(**kwargs) -> fields.Integer:
    """An id in a query string, where every value arrives as text."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


class IdConverter(IntegerConverter):
    """`<id:offering_id>` in a URL rule: an integer in the id range, or the rule does not match
    (404). flask-smorest documents the range of an IntegerConverter's subclass in the path
    parameter's schema."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


class StrictSchema(Schema):
    """Request bodies reject fields they do not know."""

    class Meta:
        unknown = RAISE


class ResponseSchema(Schema):
    """What an answer carries: every field is always there (null where it allows none), so the
    OpenAPI document lists them all as required (app/api/openapi.py)."""


class ErrorSchema(error_handler.ErrorSchema):
    """The error envelope (app/api/errors.py): `errors` only where there are details."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    status = fields.String(required=True, metadata={"description": "Its name"})
    message = fields.String(required=True, metadata={"description": "In the caller's language"})


HIDDEN = frozenset({"Cc", "Cf"})  # control and format characters


@cache
def hidden_characters(allowed: frozenset[str] = frozenset()) -> str:
    """The control and format characters but `allowed`, as the inside of a character class
    (ranges of literal characters) for the OpenAPI document's patterns. Only those of the Basic
    Multilingual Plane: JSON Schema patterns count in UTF-16 units, where a class cannot hold
    the few beyond it (tag characters, some musical and Egyptian format marks), which the
    fields still refuse."""
    codes = [c for c in range(0x10000) if unicodedata.category(chr(c)) in HIDDEN]
    runs = []
    for code in (c for c in codes if chr(c) not in allowed):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs)


def visible_text(body: str, allowed: frozenset[str] = frozenset()) -> str:
    """`body`, written with {hidden} for the class of hidden characters, as a whole-string
    pattern."""
    return f"^{body.format(hidden=hidden_characters(allowed))}$"


class Prose(fields.String):
    """Free text (descriptions, notes): line breaks and tabs are fine, but not control and
    format characters (NUL, bidirectional overrides) that only hide things. The OpenAPI
    document carries the rule as a `pattern`, unless the field has a stricter one of its own."""

    ALLOWED = frozenset("\n\r\t")
    default_error_messages = {"control": lazy_gettext("May not contain control characters.")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not any(isinstance(rule, validate.Regexp) for rule in self.validators):
            self.metadata = {"pattern": self.pattern(), **self.metadata}

    @classmethod
    def pattern(cls) -> str:
        return visible_text("[^{hidden}]*", cls.ALLOWED)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if isinstance(value, str):
            value = self.cleaned(value)
        return super().deserialize(value, attr, data, **kwargs)

    def cleaned(self, text: str) -> str:
        """The text as sent, checked for hidden characters and, as the document's maxLength
        says, for length; a subclass that trims has the validators run on the trimmed text."""
        if any(unicodedata.category(c) in HIDDEN and c not in self.ALLOWED for c in text):
            raise ValidationError(str(self.error_messages["control"]))
        for rule in self.validators:
            if isinstance(rule, validate.Length):
                rule(text)
        return text


class Text(Prose):
    """A one-line string with surrounding white space removed; a blank one is refused."""

    ALLOWED = frozenset()
    default_error_messages = {"blank": lazy_gettext("May not be blank.")}

    @classmethod
    def pattern(cls) -> str:
        return visible_text(r"[^\S{hidden}]*[^\s{hidden}][^{hidden}]*", cls.ALLOWED)

    def cleaned(self, text: str) -> str:
        if not (text := super().cleaned(text).strip()):
            raise ValidationError(str(self.error_messages["blank"]))
        return text


class UTCDateTime(fields.AwareDateTime):
    """An ISO-8601 instant, read as UTC when it names no offset, handed on in UTC."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        moment = super().deserialize(value, attr, data, **kwargs)
        if not isinstance(moment, datetime):
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
            raise self.make_error("invalid", input=value, obj_type="datetime") from error


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not 1, "yes" or "true"."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value not in (missing, None) and not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super().deserialize(value, attr, data, **kwargs)


class PlainNested(fields.Nested):
    """A nested object, or list of them, whose fields are integers and strings shown as stored
    (ids, codes, names, statuses: int, str or None already, as their columns hold them): each
    read straight off the object. marshmallow's pass through each field gives the same values
    for these, and with it a page of 50 logs (1,586 attendance entries) took twice as long to
    dump. Any other field in the nested schema is refused, and tests/app/test_plain_nested.py
    checks every use in the app. The OpenAPI document is the same as for `Nested`."""

    PLAIN = (fields.Integer, fields.String, Prose, Text)

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        if nested_obj is None:
            return None
        shown = self.shown
        if self.many:
            return [{key: getattr(item, name) for key, name in shown} for item in nested_obj]
        return {key: getattr(nested_obj, name) for key, name in shown}

    @cached_property
    def shown(self) -> tuple[tuple[str, str], ...]:
        """(name in the answer, attribute read) for each field the nested schema dumps."""
        dumped = self.schema.dump_fields.items()
        if not all(self.plain(field) for _, field in dumped):
            raise TypeError(f"{type(self.schema).__name__} has fields that are not plain")
        return tuple((field.data_key or name, field.attribute or name) for name, field in dumped)

    def plain(self, field: fields.Field) -> bool:
        return type(field) in self.PLAIN and not getattr(field, "as_string", False)


def public_names(schema: type[Schema] | Schema) -> dict[str, str]:
    """{name in the code: name in the API} for a schema's fields. They differ where the API keeps
    a name of its own (`data_key`), such as the public name of a log's offering."""
    fields_ = (schema() if isinstance(schema, type) else schema).fields
    return {name: field.data_key or name for name, field in fields_.items()}


def refuse_read_only(data, names: tuple[str, ...]) -> None:
    """Name the fields that exist on a resource but may not be written by this request."""
    present = [name for name in names if isinstance(data, dict) and name in data]
    if present:
        message = str(lazy_gettext("This field cannot be changed here."))
        raise ValidationError({name: [message] for name in present})
