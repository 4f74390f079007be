"""Rate limits: who a request is counted against, and how much everyone may ask for.

Every request routed to a view, but CORS preflights and `/health` and `/metrics`, counts towards
one general limit: per user for a request bearing a valid access token, per client address
otherwise. Some routes add limits of their own (`limited`): sign-in and set-password links per
address and per account tried, registration per address, password changes and the expensive
routes per signed-in user. The admission counts them all before the view (`count_request`): a
valid token's general allowance in the round trip to Redis that checks the token's revocation and
reads the caller's identity (`charge`, called by that check), the rest in one round trip of its
own. A request refused for a limit spends the general allowance and the limits it is over, no
other route limit. Each limit is a setting such as `5 per minute` or `100/hour;1000/day` (read
by the `limits` library); each counter is a fixed window in Redis (7.0 or later), shared by every
worker. While Redis is unreachable, counted requests answer 503 rather than run unlimited.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, current_app, request
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from app.api.admission import verified_user
from app.api.routing import routed_handlers
from app.extensions import redis_store

GENERAL = "general"
# Kept with the request itself: `g` outlives a request when a test holds an app context.
CHARGED = "cmp.rate_limits_charged"


def signed_in_user_key() -> str | None:
    """`user:<id>` for a verified token (never a claim nobody checked, so no one can spend
    someone else's allowance), or None: a route that needs a signature refuses the caller
    anyway, who is counted by address in the general limit."""
    user = verified_user()
    return user_key(user.id) if user is not None else None


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def address_key() -> str:
    return f"address:{request.remote_addr or '127.0.0.1'}"


@dataclass(frozen=True)
class RouteLimit:
    """A route's own limit: the setting that holds it, whom a request is counted against, and
    the allowance it spends (routes naming the same setting share one)."""

    setting: str
    key: Callable[[], str | None]

    def counters(self) -> list["Counter"]:
        caller = self.key()
        return counters_for(self.setting, self.setting, caller) if caller is not None else []


def limited(setting: str, key: Callable[[], str | None] = signed_in_user_key):
    """The route (a view function, or a MethodView's method) also counts against the limit in
    `setting`, per `key()` (None: not counted): the signed-in user by default."""

    def decorator(view):
        view.rate_limits = (*getattr(view, "rate_limits", ()), RouteLimit(setting, key))
        return view

    return decorator


def uncounted(blueprint: Blueprint) -> Blueprint:
    """Leave a blueprint's routes out of every limit: monitors poll them, and they must answer
    while Redis is down."""
    blueprint.uncounted = True
    return blueprint


def is_counted() -> bool:
    """Routed to a view, not of an `uncounted` blueprint, and not a browser's CORS preflight,
    sent ahead of each cross-origin call with no token: counting it would spend the address's
    allowance (a classroom behind one NAT) twice per call."""
    if request.endpoint is None or request.method == "OPTIONS":
        return False
    return not getattr(current_app.blueprints.get(request.blueprint or ""), "uncounted", False)


@dataclass
class Counter:
    """One allowance of one caller in its current window, and what Redis counted in it."""

    key: str
    allowance: RateLimitItem
    count: int = 0
    seconds_left: int = 0

    def add_to(self, pipeline) -> None:
        # The window starts with its first request; EXPIRE NX leaves a running window alone.
        pipeline.incr(self.key)
        pipeline.expire(self.key, self.allowance.get_expiry(), nx=True)
        pipeline.ttl(self.key)

    def read(self, results: list) -> None:
        self.count, _window_started, self.seconds_left = results

    def give_back(self, pipeline) -> None:
        pipeline.decr(self.key)
        # Should the window have ended meanwhile, the key left behind ends too.
        pipeline.expire(self.key, self.allowance.get_expiry(), nx=True)

    def wait(self) -> int | None:
        """Seconds until there is room again, or None while the allowance is not spent."""
        if self.count <= self.allowance.amount:
            return None
        return min(max(self.seconds_left, 1), self.allowance.get_expiry())


COMMANDS_PER_COUNTER = 3


@lru_cache(maxsize=64)
def allowances(text: str) -> tuple[RateLimitItem, ...]:
    """The allowances a setting's text names (`100/hour;1000/day`), read once per worker for
    each distinct text rather than on every request it counts."""
    return tuple(parse_many(text))


def counters_for(setting: str, scope: str, caller: str) -> list[Counter]:
    return [
        Counter(allowance.key_for(scope, caller), allowance)
        for allowance in allowances(current_app.config[setting])
    ]


@dataclass
class Charge:
    """The general allowances a request was counted against, where their commands start in the
    pipeline that carries them, and (once Redis answered) their counts."""

    counters: list[Counter]
    start: int
    answered: bool = False


def charge(pipeline, caller: str) -> None:
    """Add to `pipeline` the commands that count this request against `caller`'s general
    allowance, once per request; `received` reads their results."""
    if CHARGED in request.environ or not is_counted():
        return
    setting = "RATE_LIMIT_PER_USER" if caller.startswith("user:") else "RATE_LIMIT_PER_ADDRESS"
    charged = Charge(counters_for(setting, GENERAL, caller), start=len(pipeline))
    for counter in charged.counters:
        counter.add_to(pipeline)
    request.environ[CHARGED] = charged


def received(results: list) -> list:
    """Read this request's general counts in a pipeline's `results` if `charge` added them to
    it; returns the other results."""
    charged = request.environ.get(CHARGED)
    if charged is None or charged.answered:
        return results
    end = charged.start + COMMANDS_PER_COUNTER * len(charged.counters)
    read_counts(charged.counters, results[charged.start : end])
    charged.answered = True
    return results[: charged.start] + results[end:]


def read_counts(counters: list[Counter], results: list) -> None:
    for index, counter in enumerate(counters):
        counter.read(results[index * COMMANDS_PER_COUNTER : (index + 1) * COMMANDS_PER_COUNTER])


def count_request() -> None:
    """Before every view: 429 when the caller has spent an allowance. A valid token's general
    allowance was charged by the token check; the route's own limits, and anyone else's general
    allowance, are charged here in one more round trip. The bearer of a token refused after
    that check charged its user is counted by address, and the user's count is given back."""
    if not is_counted():
        return
    user = verified_user()
    own = [counter for limit in routed_limits() for counter in limit.counters()]
    pipeline = redis_store.client().pipeline(transaction=False)
    for counter in own:
        counter.add_to(pipeline)
    if user is None:
        if (refused := request.environ.pop(CHARGED, None)) is not None:
            for counter in refused.counters:
                counter.give_back(pipeline)
        charge(pipeline, address_key())
    if len(pipeline):
        read_counts(own, received(pipeline.execute()))
    counters = (*request.environ[CHARGED].counters, *own)
    if waits := [wait for counter in counters if (wait := counter.wait()) is not None]:
        give_back([counter for counter in own if counter.wait() is None])
        raise TooManyRequests(retry_after=max(waits))


def give_back(counters: list[Counter]) -> None:
    """A refused request spends no route limit it is not over."""
    if counters:
        pipeline = redis_store.client().pipeline(transaction=False)
        for counter in counters:
            counter.give_back(pipeline)
        pipeline.execute()


def routed_limits() -> tuple[RouteLimit, ...]:
    """The limits of the view this request is routed to and of the method that answers it."""
    return tuple(
        limit for handler in routed_handlers() for limit in getattr(handler, "rate_limits", ())
    )
