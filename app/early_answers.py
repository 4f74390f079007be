"""Cached answers served before the framework's request handling.

Served through the whole stack (flask-limiter's check, flask-jwt-extended, the guard,
flask-smorest's wrappers), a cached answer cost about ten times a bare Flask answer in CPU,
nearly all of it in that machinery. `serve_cached_answer` is a `before_request` hook that runs
ahead of the rate limiter's: when the routed view caches, the bearer token is one this process
has already verified and its role may call the view, one Lua script in Redis checks what the
full path would check, against the same data:

- neither the token nor its session is revoked;
- the caller's cached identity is current, active, of the token's role and password generation;
- the answer's entry is current (app.cache);

- every one of flask-limiter's counters the request counts in (the general per-user limit and
  the route's own) has room left;

then counts the request in them and returns the entry (one over INLINE_LIMIT is read right
after, with a plain GET). All or nothing: when a check fails it changes nothing, and the
request takes the full path, which answers as it always did (401, 403, 429, or a fresh
computation) and counts it as flask-limiter does. The after_request hooks (security headers,
CORS, request id, metrics, the access line) run for both.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, request
from limits import parse_many
from redis import Redis
from redis.exceptions import NoScriptError

from app.auth.services import IDENTITY_TABLES, REVOKED_SESSION, REVOKED_TOKEN, identity_name
from app.cache import ResponsePolicy, entry_key, generation_keys, replay
from app.extensions import GENERAL_LIMIT, jwt, limiter, redis_store
from app.observability.logs import SIGNED_IN_USER
from app.rate_limits import COUNTED_EARLY, user_key

# KEYS: revoked token, revoked session, identity entry, answer entry, then the identity's
# generations, the answer's generations and the rate-limit counters.
# ARGV: the token's password generation and role, how many generations each entry has, then
# each counter's allowance and window in seconds.
# Returns the answer's stamp, and the entry itself unless it is larger than INLINE_LIMIT:
# loading an entry into the script cost about 3 µs of Redis's time per KB (1.3 ms for a 400 KB
# report), a second exchange about 100 µs.
INLINE_LIMIT = 32 * 1024
ANSWER_KEY = 3  # its index in KEYS, from 0
ANSWER_SCRIPT = f"""
local session_version, role = tonumber(ARGV[1]), ARGV[2]
local identity_count, answer_count = tonumber(ARGV[3]), tonumber(ARGV[4])

-- The line an entry computed now would start with (app.cache.stamp).
local function stamp(first, count)
  local generations = redis.call('MGET', unpack(KEYS, first, first + count - 1))
  for i = 1, count do generations[i] = tonumber(generations[i]) or 0 end
  return '[' .. table.concat(generations, ', ') .. ']\\n'
end

if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return false end

local identity_stamp = stamp(5, identity_count)
local identity = redis.call('GET', KEYS[3])
if not identity or string.sub(identity, 1, #identity_stamp) ~= identity_stamp then
  return false
end
identity = cjson.decode(string.sub(identity, #identity_stamp + 1))
if type(identity) ~= 'table' or identity.is_active ~= true or identity.role ~= role
    or identity.session_version ~= session_version then
  return false
end

local answer_stamp = stamp(5 + identity_count, answer_count)
if redis.call('GETRANGE', KEYS[4], 0, #answer_stamp - 1) ~= answer_stamp then return false end

-- flask-limiter's fixed windows (limits' incr_expire), counted only if every one has room left:
-- a caller over a limit is refused, and counted, by the full path exactly as flask-limiter does.
local counters = 5 + identity_count + answer_count
local used = redis.call('MGET', unpack(KEYS, counters, #KEYS))
for i = 1, #used do
  if (tonumber(used[i]) or 0) >= tonumber(ARGV[3 + 2 * i]) then return false end
end
for i = counters, #KEYS do
  if redis.call('INCRBY', KEYS[i], 1) == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[4 + 2 * (i - counters + 1)])
  end
end
if redis.call('STRLEN', KEYS[4]) > {INLINE_LIMIT} then return {{answer_stamp}} end
return {{answer_stamp, redis.call('GET', KEYS[4])}}
"""


@dataclass(frozen=True, eq=False)  # one per view: compared and hashed as itself
class EarlyRoute:
    """What serving a view's cached answer early needs, worked out once per view."""

    policy: ResponsePolicy
    roles: tuple
    generations: tuple[str, ...]  # the answer's
    limit_settings: tuple[tuple[str, str], ...]  # (setting, flask-limiter's scope)


@dataclass(frozen=True, eq=False)
class Exchange:
    """What the script is sent for one token and one request, and whom it serves."""

    keys: tuple
    user_id: int
    command: list[bytes]  # EVALSHA with the keys and arguments, in the protocol's bytes


class AnswerScript:
    """ANSWER_SCRIPT on one app's Redis, sent as a command packed once per exchange: packing its
    twenty-odd arguments again on every request cost about a tenth of an early answer's CPU."""

    def __init__(self, client: Redis):
        self.client = client
        self.sha = client.register_script(ANSWER_SCRIPT).sha
        self.pool = client.connection_pool
        # Never connected: it only turns commands into the protocol's bytes.
        self.packer = self.pool.connection_class(**self.pool.connection_kwargs)

    def packed(self, keys: list, arguments: tuple) -> list[bytes]:
        return self.packer.pack_command("EVALSHA", self.sha, len(keys), *keys, *arguments)

    def __call__(self, exchange: Exchange):
        try:
            return self.send(exchange.command)
        except NoScriptError:  # Redis restarted, or its scripts were flushed
            self.client.script_load(ANSWER_SCRIPT)
            return self.send(exchange.command)

    def send(self, command: list[bytes]):
        """What the client does with any command, minus the packing: on a pooled connection,
        retried and reconnected as its retry policy says."""
        connection = self.pool.get_connection()
        try:
            return connection.retry.call_with_retry(
                lambda: self.exchange_on(connection, command),
                lambda _error: connection.disconnect(),
            )
        finally:
            self.pool.release(connection)

    @staticmethod
    def exchange_on(connection, command: list[bytes]):
        connection.send_packed_command(command)
        return connection.read_response()


# The claims an exchange is built from.
CLAIMS = ("type", "sub", "sv", "role", "jti", "sid")


def serve_cached_answer():
    """The cached answer, when the checks above all pass; None lets the request go on."""
    route = early_route(routed_view()) if request.method == "GET" and limiter.enabled else None
    kind, _, token = request.environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    # Verified by this process before, and still valid in time: asked on every request.
    claims = jwt.remembered_claims(token) if route is not None and kind == "Bearer" else None
    if claims is None:
        return None
    exchange = exchange_for(
        route,
        tuple(claims.get(name) for name in CLAIMS),
        request.path,
        request.query_string,
        route.policy.varies_with(),
        limiter.limiter.storage.key_prefix,
        tuple(current_app.config[setting] for setting, _ in route.limit_settings),
    )
    entry, stamp_length = checked_entry(exchange) if exchange else (None, 0)
    if entry is None:
        return None
    request.environ[SIGNED_IN_USER] = exchange.user_id  # no token was decoded by the framework
    return replay(entry, stamp_length)


def checked_entry(exchange: Exchange) -> tuple[bytes | None, int]:
    """The stored entry and the length of its stamp, if the script's checks pass."""
    found = current_app.extensions["answer_script"](exchange)
    if found is None:
        return None, 0
    stamp, *inline = found
    entry = inline[0] if inline else redis_store.client().get(exchange.keys[ANSWER_KEY])
    if entry is None or not entry.startswith(stamp):
        # Read apart, and replaced in between: the full path answers, without counting the
        # request a second time.
        request.environ[COUNTED_EARLY] = True
        return None, 0
    return entry, len(stamp)


def routed_view() -> Callable | None:
    """The function serving this request: the routed view, or its method's on a class view.
    What the decorators below it record (`response_policy`, the guard's roles) travels outwards
    to it through every `functools.wraps`."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, request.method.lower(), None) if view_class else view


@lru_cache(maxsize=256)
def early_route(view) -> EarlyRoute | None:
    """None for a view that does not cache, or that no guard protects."""
    policy = getattr(view, "response_policy", None)
    roles = getattr(view, "allowed_roles", None)
    if policy is None or roles is None:
        return None
    settings = getattr(view, "rate_limit_settings", ())
    limit_settings = (
        ("RATE_LIMIT_PER_USER", GENERAL_LIMIT.scope),
        *((name, name) for name in settings),
    )
    return EarlyRoute(policy, roles, generation_keys(policy.tables), limit_settings)


# Every caller's identity is cached from the same tables, whatever the route.
IDENTITY_GENERATIONS = generation_keys(IDENTITY_TABLES)


# Working the keys out cost about 5 % of an early answer's CPU, and a client repeats the same
# request with the same token. The arguments are everything the result depends on (`policy.key`
# reads the request's path and query besides the value of `varies_with` it is given; the packed
# command names the script by its SHA-1, the same in every app).
@lru_cache(maxsize=2048)
def exchange_for(
    route: EarlyRoute, claims: tuple, _path, _query, varies, prefix: str, limit_texts: tuple
) -> Exchange | None:
    """The script's keys, and the command that sends them with its arguments, or None when this
    token never gets an early answer here: not an access token, claims not as issued, or a role
    the route does not admit."""
    kind, subject, version, role, token_id, session_id = claims
    if kind != "access" or not (
        isinstance(subject, str) and subject.isdigit() and isinstance(version, int)
    ):
        return None
    if route.roles and role not in route.roles:
        return None
    user_id = int(subject)
    limit_keys, allowances = counters(
        prefix, user_id, zip(limit_texts, route.limit_settings, strict=True)
    )
    keys = [  # the order ANSWER_SCRIPT reads them in
        REVOKED_TOKEN.format(token_id),
        REVOKED_SESSION.format(session_id),
        entry_key(identity_name(user_id)),
        route.policy.key(user_id, role, varies),
        *IDENTITY_GENERATIONS,
        *route.generations,
        *limit_keys,
    ]
    generation_counts = (len(IDENTITY_GENERATIONS), len(route.generations))
    arguments = (version, role, *generation_counts, *allowances)
    command = current_app.extensions["answer_script"].packed(keys, arguments)
    return Exchange(tuple(keys), user_id, command)


def counters(prefix: str, user_id: int, limits) -> tuple[list, list]:
    """The counters flask-limiter counts this caller's request in, keyed as it keys them, and
    each one's allowance and window: the general limit, then each `Blueprint.limited` one."""
    items = [(item, scope) for text, (_, scope) in limits for item in parse_many(text)]
    keys = [f"{prefix}:{item.key_for(user_key(user_id), scope)}" for item, scope in items]
    return keys, [number for item, _ in items for number in (item.amount, item.get_expiry())]


def init_early_answers(app: Flask) -> None:
    """Only with a real Redis: the in-process stand-in of the embedded default runs no Lua."""
    if app.config["REDIS_URL"]:
        app.extensions["answer_script"] = AnswerScript(app.extensions["redis"])
        app.before_request(serve_cached_answer)
