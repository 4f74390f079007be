"""Marshmallow fields and base schemas shared by every feature."""

import unicodedata
from datetime import UTC

from marshmallow import RAISE, Schema, ValidationError, fields

from app.i18n import lazy_gettext


class StrictSchema(Schema):
    """Request bodies reject fields they do not know."""

    class Meta:
        unknown = RAISE


class Prose(fields.String):
    """Free text (descriptions, notes): line breaks and tabs are fine, but not control and
    format characters (NUL, bidirectional overrides) that only hide things."""

    ALLOWED = frozenset("\n\r\t")
    default_error_messages = {"control": lazy_gettext("May not contain control characters.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(unicodedata.category(c) in {"Cc", "Cf"} and c not in self.ALLOWED for c in text):
            raise ValidationError(str(self.error_messages["control"]))
        return text


class Text(Prose):
    """A one-line string with surrounding white space removed; a blank one is refused."""

    ALLOWED = frozenset()
    default_error_messages = {"blank": lazy_gettext("May not be blank.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ValidationError(str(self.error_messages["blank"]))
        return text


class UTCDateTime(fields.AwareDateTime):
    """An ISO-8601 instant, read as UTC when it names no offset, handed on in UTC."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
            raise self.make_error("invalid", input=value, obj_type="datetime") from error


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not 1, "yes" or "true"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def refuse_read_only(data, names: tuple[str, ...]) -> None:
    """Name the fields that exist on a resource but may not be written by this request."""
    present = [name for name in names if isinstance(data, dict) and name in data]
    if present:
        message = str(lazy_gettext("This field cannot be changed here."))
        raise ValidationError({name: [message] for name in present})
