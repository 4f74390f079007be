"""Who a request is counted against, and how much everyone may ask for.

Every request but `/health` and `/metrics` counts towards one general limit: per user for a
request bearing a valid access token, per client address otherwise. The admission counts it
(`count_request`, before every view): a token's user in the round trip to Redis that checks the
token's revocation and reads the caller's identity (`charge`, called by that check), anyone else
in a round trip of its own. Expensive routes add a stricter limit of their own through
flask-limiter (`Blueprint.limited`). Every counter is a fixed window in Redis.
"""

from dataclasses import dataclass

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from app.api.admission import verified_user
from app.extensions import limiter, redis_store

SCOPE = "general"
# Kept with the request itself: `g` outlives a request when a test holds an app context.
CHARGED = "cmp.general_limit_charged"


def caller_key() -> str:
    """`user:<id>` for a verified token (never a claim nobody checked, so no one can spend
    someone else's allowance or escape their own), otherwise `address:<client address>`."""
    user = verified_user()
    return user_key(user.id) if user is not None else f"address:{get_remote_address()}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def uncounted(blueprint: Blueprint) -> Blueprint:
    """Leave a blueprint's routes out of the general limit: monitors poll them, and they must
    answer while Redis is down."""
    blueprint.uncounted = True
    return blueprint


def is_counted() -> bool:
    """Not a browser's CORS preflight, sent ahead of each cross-origin call with no token:
    counting it would spend the address's allowance (a classroom behind one NAT) twice per
    call. Not a route of an `uncounted` blueprint."""
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return not is_preflight() and not getattr(blueprint, "uncounted", False)


@limiter.request_filter
def is_preflight() -> bool:
    """Routes' own limits leave preflights alone too."""
    return request.method == "OPTIONS"


def charge(pipeline, caller: str) -> None:
    """Add to `pipeline` the commands that count this request against each of `caller`'s
    general allowances, once per request; `count_request` judges their results."""
    if CHARGED in request.environ or not is_counted():
        return
    setting = "RATE_LIMIT_PER_USER" if caller.startswith("user:") else "RATE_LIMIT_PER_ADDRESS"
    allowances = parse_many(current_app.config[setting])
    keys = [allowance.key_for(SCOPE, caller) for allowance in allowances]
    for key, allowance in zip(keys, allowances, strict=True):
        # The window starts with its first request; EXPIRE NX leaves a running window alone.
        pipeline.incr(key)
        pipeline.expire(key, allowance.get_expiry(), nx=True)
        pipeline.ttl(key)
    request.environ[CHARGED] = Charge(caller, keys, allowances)


@dataclass
class Charge:
    """A request's count against each of its caller's general allowances, once Redis answered."""

    caller: str
    keys: list[str]
    allowances: list
    counts: list[tuple[int, int]] | None = None  # (requests in the window, its seconds left)

    def retry_after(self) -> int | None:
        """Seconds until every spent allowance has room again, or None if none is spent."""
        waits = [
            min(max(seconds_left, 1), allowance.get_expiry())
            for allowance, (count, seconds_left) in zip(self.allowances, self.counts, strict=True)
            if count > allowance.amount
        ]
        return max(waits, default=None)


def received(results: list) -> list:
    """Take this request's counts off the end of a pipeline's `results` when `charge` added
    them there; returns the results before them."""
    charged = request.environ.get(CHARGED)
    if charged is None or charged.counts is not None:
        return results
    mine = len(charged.keys) * 3
    others, counted = results[: len(results) - mine], results[len(results) - mine :]
    charged.counts = [(counted[i], counted[i + 2]) for i in range(0, mine, 3)]
    return others


def count_request() -> None:
    """Before every view: 429 when the caller has spent a general allowance. A valid token's
    user was charged by the token check; anyone else is charged here, by address, including the
    bearer of a token refused after that check charged its user (whose count is given back)."""
    if not is_counted():
        return
    if verified_user() is None:
        pipeline = redis_store.client().pipeline(transaction=False)
        if (refused := request.environ.pop(CHARGED, None)) is not None:
            for key in refused.keys:
                pipeline.decr(key)
        charge(pipeline, f"address:{get_remote_address()}")
        received(pipeline.execute())
    if (seconds := request.environ[CHARGED].retry_after()) is not None:
        raise TooManyRequests(retry_after=seconds)
