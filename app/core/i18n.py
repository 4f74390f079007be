"""Language choice and translation helpers.

The caller's language is the best match of `Accept-Language` among the supported languages,
then the signed-in user's saved preference, then English. Messages use named placeholders that
are filled *after* translation: `_("Offering {code} created").format(code=code)`.
"""

from flask import current_app, g, has_request_context, request
from flask_babel import gettext, lazy_gettext, refresh
from marshmallow import validate

_ = gettext
LANGUAGES = ("en", "fr")
__all__ = [
    "LANGUAGES", "N_", "_", "lazy_gettext", "page_text", "remember_user_language", "select_locale"
]  # fmt: skip


def select_locale() -> str:
    if not has_request_context():
        return g.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"]
    from_header = request.accept_languages.best_match(LANGUAGES)
    return from_header or g.get("user_language") or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_user_language(language: str) -> None:
    """Use a signed-in user's saved language when the request does not name one."""
    g.user_language = language
    refresh()


def N_(message: str) -> str:
    """Mark a text for extraction without translating it here."""
    return message


def page_text(key: str, text: str) -> tuple[str, str]:
    """Mark a static page's text for extraction (`page_text:1c,2`: the key is the context)."""
    return key, text


# Fixed texts that webargs and marshmallow put in validation errors; listing them here puts them
# in the catalogue, and the error handler translates them on the way out.
LIBRARY_MESSAGES = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid JSON body."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid email address."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
)


def localise_validator_messages() -> None:
    """Translate marshmallow's templated messages ("Longer than maximum length {max}.").

    They are class attributes formatted when validation fails, so lazy strings put there are
    translated in the language of the request that fails. Runs at import, before any schema.
    """
    validate.Length.message_min = lazy_gettext("Shorter than minimum length {min}.")
    validate.Length.message_max = lazy_gettext("Longer than maximum length {max}.")
    validate.Length.message_all = lazy_gettext("Length must be between {min} and {max}.")
    validate.Length.message_equal = lazy_gettext("Length must be {equal}.")
    validate.OneOf.default_message = lazy_gettext("Must be one of: {choices}.")
    validate.Range.message_min = RangeMessage(validate.Range.message_min, "min")
    validate.Range.message_max = RangeMessage(validate.Range.message_max, "max")
    validate.Range.message_all = RangeMessage(validate.Range.message_all, "all")


RANGE_MESSAGES = {
    "all": lazy_gettext("Must be between {min} and {max}."),
    "min": lazy_gettext("Must be at least {min}."),
    "max": lazy_gettext("Must be at most {max}."),
}
INCLUSIVE = {validate.Range.message_gte, validate.Range.message_lte}


class RangeMessage:
    """One of Range's message templates. Range fills in the bound operators when a schema is
    defined (at import, in no language); for inclusive bounds this gives back a lazy string,
    formatted when validation fails, in the caller's language. Exclusive bounds, which no schema
    here uses, keep marshmallow's English."""

    def __init__(self, english: str, bounds: str):
        self.english = english
        self.bounds = bounds

    def format(self, **operators: str):
        if set(operators.values()) <= INCLUSIVE:
            return RANGE_MESSAGES[self.bounds]
        return self.english.format(**operators)


localise_validator_messages()
