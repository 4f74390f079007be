"""Request and response shapes for accounts and tokens."""

from functools import cache

from marshmallow import ValidationError, fields, pre_load, validate

from app.api.fields import ResponseSchema, StrictSchema, Text, refuse_read_only
from app.auth.models import Role
from app.core.i18n import LANGUAGES, _, lazy_gettext

PASSWORD_LENGTH = validate.Length(
    min=8, max=128, error=lazy_gettext("Passwords must be 8 to 128 characters long.")
)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords zxcvbn ships, lower-cased. Loaded on first use: only
    choosing a password needs them."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(password.lower() for password in FREQUENCY_LISTS["passwords"])


def refuse_guessable_password(password: str) -> None:
    """NIST SP 800-63B: a password found in lists of commonly used ones is refused, whatever its
    case ("Password1" is as guessable as "password1"); so is one made only of repeated
    characters or patterns and of sequences ("aaaaaaaa", "abcabcabc", "1234abcd"). One reason
    is given, the first that applies; a password too long is refused for that alone (looking
    for patterns costs time that grows with the length)."""
    if len(password) > PASSWORD_LENGTH.max:
        return
    if password.lower() in common_passwords():
        raise ValidationError(_("This password is too common: choose one that is harder to guess."))
    if only_repeats_and_sequences(password):
        raise ValidationError(
            _(
                "This password is only repetitions or sequences (such as aaaa or 1234): "
                "choose one that is harder to guess."
            )
        )


def only_repeats_and_sequences(password: str) -> bool:
    """Whether every character belongs to a repeat or a sequence (ascending or descending, of
    letters or digits, with a steady step) that zxcvbn finds."""
    from zxcvbn.matching import repeat_match, sequence_match

    covered = {
        position
        for match in (*repeat_match(password), *sequence_match(password))
        for position in range(match["i"], match["j"] + 1)
    }
    return len(covered) == len(password)


# Every password someone chooses: self-registration, a change, a set-password link, an account
# a manager creates, the `flask users` commands.
NEW_PASSWORD = (PASSWORD_LENGTH, refuse_guessable_password)
NAME = validate.Length(max=100)
LANGUAGE = validate.OneOf(LANGUAGES)


class UserSchema(ResponseSchema):
    id = fields.Integer()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    role = fields.String()
    is_active = fields.Boolean()
    preferred_language = fields.String()
    profile = fields.Method("dump_profile")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)

    PROFILE_FIELDS = {
        Role.FACILITATOR: ("employee_id", "specialisation", "max_offerings_per_trimester"),
        Role.STUDENT: ("student_number",),
        Role.MANAGER: ("department",),
    }

    def dump_profile(self, user) -> dict:
        profile = user.profile
        fields_shown = self.PROFILE_FIELDS[Role(user.role)] if profile else ()
        return {name: getattr(profile, name) for name in fields_shown}


class RegisterSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD)
    first_name = Text(required=True, validate=NAME)
    last_name = Text(required=True, validate=NAME)
    preferred_language = fields.String(load_default="en", validate=LANGUAGE)
    # No student_number: the institution assigns those (managers, CLI); one is generated here.
    role = fields.String(
        load_only=True,
        validate=validate.Equal(
            Role.STUDENT.value,
            error=lazy_gettext("Self-registration creates student accounts only."),
        ),
    )


class LoginSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    # The upper bound stops a megabyte "password" from being hashed.
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class TokenSchema(ResponseSchema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Access token lifetime in seconds"})
    user = fields.Nested(UserSchema)


class LogoutSchema(StrictSchema):
    refresh_token = fields.String(validate=validate.Length(max=4096))


class ProfileUpdateSchema(StrictSchema):
    first_name = Text(validate=NAME)
    last_name = Text(validate=NAME)
    preferred_language = fields.String(validate=LANGUAGE)

    @pre_load
    def refuse_protected_fields(self, data, **kwargs):
        refuse_read_only(data, ("email", "role", "is_active", "password"))
        return data


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=1024)
    )
    new_password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD)


class PasswordResetRequestSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))


class PasswordResetConfirmSchema(StrictSchema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD)


class MessageSchema(ResponseSchema):
    message = fields.String(metadata={"description": "In the caller's language"})
