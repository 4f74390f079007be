"""How every request is admitted, whatever answers it (a view, or the response cache): the
token verified once (signature, expiry, revocation, the account still active, its identity),
then, on a route that asks, the role. The rate limits count the caller this finds
(app/api/rate_limits.py).

401 without a valid token, 403 for the wrong role."""

from enum import Enum
from functools import wraps

from flask import request
from flask_jwt_extended import current_user, get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from app.core.exceptions import Forbidden
from app.core.i18n import _, remember_user_language

# Kept with the request itself: `g` outlives a request when a test holds an app context.
VERIFIED_USER = "cmp.verified_user"


def verified_user():
    """The user behind the request's access token once it has passed every check (signature,
    expiry, revocation, account still active), or None. Worked out once per request: the
    rate limits ask first, and `signed_in` reuses the answer rather than decode the token again."""
    if VERIFIED_USER not in request.environ:
        try:
            user = get_current_user() if verify_jwt_in_request() else None
        except (JWTExtendedException, PyJWTError):
            user = None  # a route that needs a token says why it is refused
        if user is not None:  # every answer from here on speaks their language, a 429 too
            remember_user_language(user.preferred_language)
        request.environ[VERIFIED_USER] = user
    return request.environ[VERIFIED_USER]


def signed_in(*roles: Enum):
    """Require a valid access token and, when roles are given, one of those roles.

    Put it outermost (above `@blp.arguments`): an anonymous caller hears 401 before any
    validation of what they sent.
    """

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if verified_user() is None:
                verify_jwt_in_request()  # raises the 401 that says what is wrong with the token
            if roles and current_user.role not in roles:
                allowed = ", ".join(role.value for role in roles)
                raise Forbidden(_("This action is reserved for: {roles}.").format(roles=allowed))
            return view(*args, **kwargs)

        return guarded

    return decorator
