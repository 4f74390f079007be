"""Access checks every blueprint uses: 401 without a valid token, 403 for the wrong role."""

from functools import wraps

from flask_jwt_extended import current_user, verify_jwt_in_request

from app.auth.models import Role
from app.exceptions import Forbidden
from app.i18n import _, remember_user_language
from app.rate_limits import verified_user


def signed_in(*roles: Role):
    """Require a valid access token and, when roles are given, one of those roles.

    Put it outermost (above `@blp.arguments`): an anonymous caller hears 401 before any
    validation of what they sent.
    """

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if verified_user() is None:
                verify_jwt_in_request()  # raises the 401 that says what is wrong with the token
            remember_user_language(current_user.preferred_language)
            if roles and current_user.role not in roles:
                allowed = ", ".join(role.value for role in roles)
                raise Forbidden(_("This action is reserved for: {roles}.").format(roles=allowed))
            return view(*args, **kwargs)

        return guarded

    return decorator
