"""`/api/v1/auth`: registration, sign-in, tokens and the caller's own account."""

import hashlib

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt, jwt_required

from app.api.blueprint import Blueprint
from app.api.rate_limits import address_key, limited
from app.auth import password_links, services
from app.auth.schemas import (
    LoginSchema,
    LogoutSchema,
    MessageSchema,
    PasswordChangeSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    TokenSchema,
    UserSchema,
)
from app.core.i18n import _
from app.data.cache import cached

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")
PUBLIC = {"security": []}


def login_account_key() -> str:
    """The account being tried, whatever its spelling; hashed so no raw input reaches Redis.
    Whatever the body, this answers: the route itself refuses a body it cannot read."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested too deep to decode (`silent` covers other malformed JSON)
        body = None
    email = body.get("email") if isinstance(body, dict) else None
    email = services.normalise_email(email) if isinstance(email, str) else ""
    return "account:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


def per_address_and_account(address_setting: str, account_setting: str) -> list:
    """Two limits, each named by a setting: per client address, and per account tried (counted
    before the password or the address is looked at, so parallel guesses cannot slip through)."""
    return [limited(address_setting, address_key), limited(account_setting, login_account_key)]


@blp.route("/register")
class Register(MethodView):
    decorators = [limited("REGISTER_RATE_LIMIT", address_key)]

    @blp.doc(**PUBLIC)
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Email or number taken")
    def post(self, data):
        """Create a student account (self-registration creates students only)"""
        return services.register_student(data)


@blp.route("/login")
class Login(MethodView):
    decorators = per_address_and_account("LOGIN_RATE_LIMIT_PER_IP", "LOGIN_RATE_LIMIT_PER_ACCOUNT")

    @blp.doc(**PUBLIC)
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, response="DEFAULT_ERROR", description="Wrong credentials")
    @blp.alt_response(429, response="DEFAULT_ERROR", description="Too many attempts")
    def post(self, credentials):
        """Sign in and receive an access and a refresh token"""
        user = services.authenticate(credentials["email"], credentials["password"])
        return services.issue_tokens(user)


@blp.route("/refresh")
class Refresh(MethodView):
    @jwt_required(refresh=True)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, response="DEFAULT_ERROR", description="Refresh token used already")
    def post(self):
        """Trade the refresh token (sent as the bearer token) for a new pair; it works once"""
        return services.rotate_refresh_token(get_jwt(), current_user)


@blp.route("/logout")
class Logout(MethodView):
    @blp.signed_in()
    @blp.arguments(LogoutSchema)
    @blp.response(204)
    def post(self, data):
        """Sign out: this session's access and refresh tokens stop working"""
        services.logout(get_jwt(), current_user, data.get("refresh_token"))


@blp.route("/me")
class Me(MethodView):
    @blp.signed_in()
    @cached(
        "users", "user_sign_ins", "manager_profiles", "facilitator_profiles", "student_profiles"
    )
    @blp.response(200, UserSchema)
    def get(self):
        """The signed-in account"""
        return current_user

    @blp.signed_in()
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes):
        """Change names or preferred language"""
        return services.update_profile(current_user, changes)


@blp.route("/password")
class ChangePassword(MethodView):
    @blp.signed_in()
    @limited("PASSWORD_CHANGE_RATE_LIMIT")
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenSchema)
    def post(self, data):
        """Change the password; every other session ends and a new token pair is returned"""
        return services.change_password(
            current_user, data["current_password"], data["new_password"]
        )


@blp.route("/password-reset")
class RequestPasswordReset(MethodView):
    decorators = per_address_and_account(
        "PASSWORD_RESET_RATE_LIMIT_PER_IP", "PASSWORD_RESET_RATE_LIMIT_PER_ACCOUNT"
    )

    @blp.doc(**PUBLIC)
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, MessageSchema)
    @blp.alt_response(429, response="DEFAULT_ERROR", description="Too many requests")
    def post(self, data):
        """Ask for a set-password link by e-mail; the same answer whether or not the address
        has an account"""
        password_links.request_link(data["email"])
        return {
            "message": _(
                "If an account has this address, a link to choose a password is on its way."
            )
        }


@blp.route("/password-reset/confirm")
class ConfirmPasswordReset(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @blp.alt_response(
        422, response="DEFAULT_ERROR", description="Link wrong, used or expired (errors.token)"
    )
    def post(self, data):
        """Choose a password through an e-mailed link: it works once; every session ends"""
        password_links.confirm(data["token"], data["new_password"])
