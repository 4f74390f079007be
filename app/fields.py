"""Marshmallow fields and base schemas shared by every feature."""

import unicodedata

from marshmallow import RAISE, Schema, ValidationError, fields

from app.i18n import lazy_gettext


class StrictSchema(Schema):
    """Request bodies reject fields they do not know."""

    class Meta:
        unknown = RAISE


class Text(fields.String):
    """A string with surrounding white space removed; a blank one is refused, and so are
    control and format characters (NUL, bidirectional overrides) that only hide things."""

    default_error_messages = {
        "blank": lazy_gettext("May not be blank."),
        "control": lazy_gettext("May not contain control characters."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ValidationError(str(self.error_messages["blank"]))
        if any(unicodedata.category(char) in {"Cc", "Cf"} for char in text):
            raise ValidationError(str(self.error_messages["control"]))
        return text


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
