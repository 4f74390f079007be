"""Who a request is counted against, and how much everyone may ask for.

Every request but `/health` counts towards one general limit: per user for a request bearing a
valid access token, per client address otherwise. Expensive routes add a stricter limit of their
own (`Blueprint.limited`). Counters live in Redis as fixed windows: one round trip per limit.
"""

from flask import current_app, request
from flask_limiter.util import get_remote_address

from app.api.admission import verified_user


def caller_key() -> str:
    """`user:<id>` for a verified token (never a claim nobody checked, so no one can spend
    someone else's allowance or escape their own), otherwise `address:<client address>`."""
    user = verified_user()
    return user_key(user.id) if user is not None else f"address:{get_remote_address()}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def general_limit() -> str:
    """RATE_LIMIT_PER_USER for a signed-in caller, RATE_LIMIT_PER_ADDRESS for anyone else."""
    setting = "RATE_LIMIT_PER_USER" if verified_user() is not None else "RATE_LIMIT_PER_ADDRESS"
    return current_app.config[setting]


def is_preflight() -> bool:
    """A browser's CORS preflight, sent ahead of each cross-origin call with no token: counting
    it would spend the address's allowance (a classroom behind one NAT) twice per call."""
    return request.method == "OPTIONS"
