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

then counts the request in flask-limiter's own counters (the general per-user limit and the
route's own) and returns the entry. All or nothing: when a check fails it changes nothing, and
the request takes the full path, which answers as it always did (401, 403, 429, or a fresh
computation). The after_request hooks (security headers, CORS, request id, metrics, the access
line) run for both.
"""

from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, g, request
from limits import parse_many

from app.auth.services import IDENTITY_TABLES, REVOKED_SESSION, REVOKED_TOKEN, identity_name
from app.cache import ANY_TABLE, GENERATION, ResponsePolicy, entry_key, replay, routed_view
from app.extensions import GENERAL_LIMIT, jwt, limiter
from app.rate_limits import user_key

# KEYS: revoked token, revoked session, identity entry, answer entry, then the identity's
# generations, the answer's generations and the rate-limit counters.
# ARGV: the token's password generation and role, how many generations each entry has, then
# each counter's allowance and window in seconds.
ANSWER_SCRIPT = """
local session_version, role = tonumber(ARGV[1]), ARGV[2]
local identity_count, answer_count = tonumber(ARGV[3]), tonumber(ARGV[4])

if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return false end

-- The entry without its stamp, if stamped with the current generations (app.cache.stamp).
local function current(key, first, count)
  local entry = redis.call('GET', key)
  if not entry then return nil end
  local generations = redis.call('MGET', unpack(KEYS, first, first + count - 1))
  for i = 1, count do generations[i] = tonumber(generations[i]) or 0 end
  local stamp = '[' .. table.concat(generations, ', ') .. ']\\n'
  if string.sub(entry, 1, #stamp) ~= stamp then return nil end
  return string.sub(entry, #stamp + 1)
end

local identity = current(KEYS[3], 5, identity_count)
if not identity then return false end
identity = cjson.decode(identity)
if type(identity) ~= 'table' or identity.is_active ~= true or identity.role ~= role
    or identity.session_version ~= session_version then
  return false
end
local answer = current(KEYS[4], 5 + identity_count, answer_count)
if not answer then return false end

-- flask-limiter's fixed window (limits' incr_expire). Over the allowance, the full path counts
-- the request once more and refuses it: one more count for a caller who is over already.
local counters = 5 + identity_count + answer_count
local within = true
for i = counters, #KEYS do
  local allowance = 5 + 2 * (i - counters)
  local used = redis.call('INCRBY', KEYS[i], 1)
  if used == 1 then redis.call('EXPIRE', KEYS[i], ARGV[allowance + 1]) end
  if used > tonumber(ARGV[allowance]) then within = false end
end
if not within then return false end
return answer
"""


@dataclass(frozen=True, eq=False)  # one per view: compared and hashed as itself
class EarlyRoute:
    """What serving a view's cached answer early needs, worked out once per view."""

    policy: ResponsePolicy
    roles: tuple
    generations: tuple[str, ...]  # the identity's, then the answer's
    identity_count: int
    limit_settings: tuple[tuple[str, str], ...]  # (setting, flask-limiter's scope)


@dataclass(frozen=True)
class Exchange:
    """What the script is sent for one token and one request, and whom it serves."""

    keys: list
    arguments: list
    user_id: int


def serve_cached_answer():
    """The cached answer, when the checks above all pass; None lets the request go on."""
    route = early_route(routed_view()) if request.method == "GET" else None
    kind, _, token = request.environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    # Verified by this process before, and still valid in time: asked on every request.
    if route is None or kind != "Bearer" or jwt.remembered_claims(token) is None:
        return None
    exchange = exchange_for(
        route,
        token,
        request.path,
        request.query_string,
        route.policy.varies_with(),
        limiter.limiter.storage.key_prefix,
        tuple(current_app.config[setting] for setting, _ in route.limit_settings),
    )
    if exchange is None:
        return None
    answer = current_app.extensions["answer_script"](keys=exchange.keys, args=exchange.arguments)
    if answer is None:
        return None
    g.user_id = exchange.user_id  # for the access line: no token was decoded by the framework
    return replay(answer)


@lru_cache(maxsize=256)
def early_route(view) -> EarlyRoute | None:
    """None for a view that does not cache, or that no guard protects."""
    policy = getattr(view, "response_policy", None)
    roles = getattr(view, "allowed_roles", None)
    if policy is None or roles is None:
        return None
    identity = (*IDENTITY_TABLES, ANY_TABLE)
    tables = (*identity, *policy.tables, ANY_TABLE)
    settings = getattr(view, "rate_limit_settings", ())
    limit_settings = (
        ("RATE_LIMIT_PER_USER", GENERAL_LIMIT.scope),
        *((name, name) for name in settings),
    )
    return EarlyRoute(policy, roles, tuple(GENERATION.format(table) for table in tables),
                      len(identity), limit_settings)  # fmt: skip


# Working the keys out took a tenth of an early answer's CPU, and a client repeats the same
# request with the same token. The arguments are everything the result depends on: the claims
# follow from the token, and `policy.key` reads the request's path, query and `varies_with`.
@lru_cache(maxsize=2048)
def exchange_for(
    route: EarlyRoute, token: str, _path, _query, _varies, prefix: str, limit_texts: tuple
) -> Exchange | None:
    """The script's keys and arguments, or None when this token never gets an early answer
    here: not an access token, claims not as issued, or a role the route does not admit."""
    claims = jwt.remembered_claims(token)
    subject, version, role = claims.get("sub"), claims.get("sv"), claims.get("role")
    if claims.get("type") != "access" or not (
        isinstance(subject, str) and subject.isdigit() and isinstance(version, int)
    ):
        return None
    if route.roles and role not in route.roles:
        return None
    user_id = int(subject)
    limit_keys, allowances = counters(
        prefix, user_id, zip(limit_texts, route.limit_settings, strict=True)
    )
    keys = [
        REVOKED_TOKEN.format(claims["jti"]),
        REVOKED_SESSION.format(claims.get("sid")),
        entry_key(identity_name(user_id)),
        route.policy.key(user_id, role),
        *route.generations,
        *limit_keys,
    ]
    answer_count = len(route.generations) - route.identity_count
    arguments = [version, role, route.identity_count, answer_count, *allowances]
    return Exchange(keys, arguments, user_id)


def counters(prefix: str, user_id: int, limits) -> tuple[list, list]:
    """The counters flask-limiter counts this caller's request in, keyed as it keys them, and
    each one's allowance and window: the general limit, then each `Blueprint.limited` one."""
    items = [(item, scope) for text, (_, scope) in limits for item in parse_many(text)]
    keys = [f"{prefix}:{item.key_for(user_key(user_id), scope)}" for item, scope in items]
    return keys, [number for item, _ in items for number in (item.amount, item.get_expiry())]


def init_early_answers(app: Flask) -> None:
    """Only with a real Redis: the in-process stand-in of the embedded default runs no Lua."""
    if app.config["REDIS_URL"]:
        app.extensions["answer_script"] = app.extensions["redis"].register_script(ANSWER_SCRIPT)
        app.before_request(serve_cached_answer)
