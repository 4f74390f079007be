"""Exact caching in Redis: nothing cached is ever served after the data behind it changed.

Every table has a generation number in Redis. Each commit bumps the generation of every table it
wrote (the session records them as it flushes), and a cached value is stored under a key that
carries the generations of the tables it was read from. A write therefore makes every dependent
key unreachable at once, in every worker, with no time-to-live guessing. The generations are read
*before* the database, and bumped *after* the commit, so a value read from the old data can only
ever be stored under the old generations.

The generations live on the durable Redis (`REDIS_URL`, never evicting), the entries on the
cache's own (`CACHE_REDIS_URL`, which may evict, fill up or go down): whatever that server loses
is a miss, never a stale answer, and a cache server that fails is left alone for
CACHE_RETRY_SECONDS while reads go uncached.

Used for whole GET responses (`cached`) and for the signed-in user's identity (see auth).
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import redis
from flask import Response, current_app, request
from flask_jwt_extended import current_user
from prometheus_client import Counter
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import TextClause
from werkzeug.http import unquote_etag

from app.api.routing import routed_handlers
from app.extensions import redis_store

log = logging.getLogger(__name__)

GENERATION = "cmp:gen:{}"
ENTRY = "cmp:cache:{}"
# A raw SQL write names no table: it moves every generation at once.
ANY_TABLE = "*"
# Bounds memory, and heals the one case exactness cannot cover: Redis unreachable for the bump
# right after a commit (logged as an error when it happens).
LONGEST_KEPT = 3600
WRITTEN = "cache_written_tables"
# Any failure of Redis (unreachable, out of memory, read-only replica) means "no cache".
REDIS_DOWN = (redis.RedisError,)
LOOKUPS = Counter("cmp_cache_lookups", "Response cache and identity lookups, by result", ["result"])
RESTS_UNTIL = "cache_rests_until"
# Kept with the request itself: `g` outlives a request when a test holds an app context.
PREFETCHED = "cmp.prefetched_answer"


# --- which tables a transaction wrote ---------------------------------------------------------


@event.listens_for(Session, "after_flush")
def note_flushed_tables(session: Session, _context) -> None:
    for entity in (*session.new, *session.deleted):
        written(session).add(type(entity).__table__.name)
    for entity in session.dirty:
        written(session).update(generations_moved_by(entity))


def generations_moved_by(entity) -> set[str]:
    """The table's generation; or, when every changed column is one the model counts apart
    (`CACHE_GENERATIONS`, such as a user's last sign-in), only those columns' generations."""
    table = type(entity).__table__.name
    apart = getattr(type(entity), "CACHE_GENERATIONS", {})
    changed = [attr.key for attr in inspect(entity).attrs if attr.history.has_changes()]
    if changed and all(key in apart for key in changed):
        return {apart[key] for key in changed}
    return {table}


@event.listens_for(Session, "do_orm_execute")
def note_statement_tables(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, TextClause):
        if not str(statement).lstrip().upper().startswith("SELECT"):
            written(state.session).add(ANY_TABLE)
    elif state.is_insert or state.is_update or state.is_delete:
        written(state.session).add(statement.table.name)


@event.listens_for(Session, "after_commit")
def bump_written_tables(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is visible to others until the real commit
    tables = session.info.pop(WRITTEN, None)
    if tables:
        try:
            bump(tables)
        except REDIS_DOWN:
            log.error("could not invalidate cached data for %s: Redis unreachable", tables)


@event.listens_for(Session, "after_rollback")
def forget_written_tables(session: Session) -> None:
    # A savepoint rolled back: what the transaction wrote before it still stands.
    if not session.in_nested_transaction():
        session.info.pop(WRITTEN, None)


def written(session: Session) -> set[str]:
    return session.info.setdefault(WRITTEN, set())


def bump(tables) -> None:
    pipeline = redis_store.client().pipeline(transaction=False)
    for table in tables:
        pipeline.incr(GENERATION.format(table))
    pipeline.execute()


def entry_key(*parts) -> str:
    return ENTRY.format(hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest())


def generation_keys(tables: tuple[str, ...]) -> tuple[str, ...]:
    """The generations an entry computed from `tables` is stamped with, in stamp order."""
    return tuple(GENERATION.format(table) for table in (*tables, ANY_TABLE))


def lookup(key: str, tables: tuple[str, ...], also: Callable | None = None) -> tuple:
    """The entry under `key` if it was stored at the tables' current generations (else None),
    those generations, and the results of the commands `also` adds to the durable server's
    round trip (which carries the entry too when the cache shares that server)."""
    durable = redis_store.client()
    shares_server = redis_store.cache() is durable
    pipeline = durable.pipeline(transaction=False)
    if also:
        also(pipeline)
    pipeline.mget(generation_keys(tables))
    if shares_server:
        pipeline.get(key)
    results = pipeline.execute()
    entry = results.pop() if shares_server else entry_from_cache_server(key)
    *other_results, counters = results
    value, current = read_lookup(counters, entry)
    LOOKUPS.labels("miss" if value is None else "hit").inc()
    return value, current, other_results


def entry_from_cache_server(key: str) -> bytes | None:
    """The entry, or None when the cache's own server is resting or fails now."""
    if cache_rests():
        return None
    try:
        return redis_store.cache().get(key)
    except REDIS_DOWN:
        rest_cache()
        return None


def cache_rests() -> bool:
    return time.monotonic() < current_app.extensions.get(RESTS_UNTIL, 0)


def rest_cache() -> None:
    """Leave the failing cache server alone for a while: a host that vanished would otherwise
    cost each request a connection timeout."""
    log.warning("the response cache's Redis failed: reads go uncached for a while")
    pause = current_app.config["CACHE_RETRY_SECONDS"]
    current_app.extensions[RESTS_UNTIL] = time.monotonic() + pause


def read_lookup(counters: list, entry: bytes | None) -> tuple[bytes | None, list]:
    current = [int(counter or 0) for counter in counters]
    expected = stamp(current)
    fresh = entry is not None and entry.startswith(expected)
    return (entry[len(expected) :] if fresh else None), current


def stamp(generations: list[int]) -> bytes:
    """The line an entry starts with: the generations it was computed at, `[3, 0]`."""
    return json.dumps(generations).encode() + b"\n"


def store(key: str, generations: list, value: bytes) -> None:
    """Keep `value`, stamped with the generations read *before* it was computed. Refused (out of
    memory, a read-only replica, the server down), the value serves all the same."""
    if cache_rests():
        return
    try:
        redis_store.cache().set(key, stamp(generations) + value, ex=LONGEST_KEPT)
    except REDIS_DOWN:
        rest_cache()


# --- cached values ------------------------------------------------------------------------------


def remembered(
    name: str, tables: tuple[str, ...], compute: Callable[[], bytes], also: Callable | None = None
) -> tuple[bytes, list]:
    """The bytes `compute` returns, kept until one of `tables` is written, and the results of
    the commands `also` adds to the same round trip."""
    key = entry_key(name)
    value, generations, other_results = lookup(key, tables, also)
    if value is None:
        value = compute()
        store(key, generations, value)
    return value, other_results


# --- cached responses ---------------------------------------------------------------------------

KEPT_HEADERS = ("Content-Type", "Content-Disposition", "X-Pagination", "ETag")


@dataclass(frozen=True)
class ResponsePolicy:
    """What a cached view's answers depend on: see `cached`."""

    tables: tuple[str, ...]
    managers_share: bool
    varies_with: Callable[[], object]

    def key(self, user_id: int | None, role: str | None, varies: object) -> str:
        """This request's entry for this caller; `varies` is what `varies_with` gave for it."""
        shared = self.managers_share and role == "manager"
        audience = "managers" if shared else f"{role}:{user_id}"
        query = sorted(request.args.items(multi=True))
        return entry_key(request.path, query, audience, varies)


def routed_policy() -> ResponsePolicy | None:
    """The policy of the cached view this request is routed to, if it is routed to one."""
    policies = (getattr(handler, "response_policy", None) for handler in routed_handlers())
    return next(filter(None, policies), None)


def prefetch_answer(pipeline, user_id: int | None, role: str | None) -> Callable[[list], None]:
    """Add to `pipeline` (the token check's round trip) the reads the cached view this request
    is routed to would make for this caller, and return what takes their results. Only data
    travels early: the view still decides, with the caller as the guard found them, whether the
    entry is theirs and current. Nothing is added when the cache has a server of its own."""
    policy = routed_policy() if redis_store.cache() is redis_store.client() else None
    if policy is None or request.method != "GET":
        return lambda results: None
    caller = (user_id, role, policy.varies_with())
    key = policy.key(*caller)
    pipeline.mget(generation_keys(policy.tables))
    pipeline.get(key)

    def receive(results: list) -> None:
        counters, entry = results
        request.environ[PREFETCHED] = (policy, caller, key, counters, entry)

    return receive


def looked_up(policy: ResponsePolicy, caller: tuple) -> tuple[str, bytes | None, list]:
    """The entry's key for this caller (user id, role, what the answer varies with), the entry
    if current, and the generations: from the token check's round trip when it fetched the
    entry for this very policy and caller, else from a lookup of its own."""
    prefetched = request.environ.pop(PREFETCHED, None)
    if prefetched and prefetched[:2] == (policy, caller):
        key, counters, entry = prefetched[2:]
        value, current = read_lookup(counters, entry)
        LOOKUPS.labels("miss" if value is None else "hit").inc()
        return key, value, current
    key = policy.key(*caller)
    value, current, _ = lookup(key, policy.tables)
    return key, value, current


def cached(
    *tables: str, managers_share: bool = False, varies_with: Callable[[], object] = lambda: None
):
    """Serve a GET from Redis while none of `tables` changed since it was stored.

    Goes under `signed_in` (the caller is known) and above the smorest decorators, so a hit
    skips argument parsing, the database and serialisation. Entries are each caller's own,
    unless `managers_share` says every manager gets the same answer (managers see everything);
    facilitators' and students' stay their own, since what they see depends on who they are.
    An answer that changes with time as well names what it depends on in `varies_with`. Only
    whole 200s are kept (not streamed ones), and cached views return no translated text.
    `If-None-Match` with the stored ETag → 304. A hit is admitted exactly as a miss is (the
    token, the caller's account and role, the rate limits): only the computation is skipped.
    """
    policy = ResponsePolicy(tables, managers_share, varies_with)

    def decorator(view):
        @wraps(view)
        def serve(*args, **kwargs):
            caller = (current_user.id, current_user.role, policy.varies_with())
            try:
                key, stored, generations = looked_up(policy, caller)
            except REDIS_DOWN:
                return view(*args, **kwargs)
            if stored is not None:
                return replay(stored)
            response = view(*args, **kwargs)
            if response.status_code == 200 and not response.is_streamed:
                keep(key, generations, response)
            return response

        serve.response_policy = policy
        return serve

    return decorator


def keep(key: str, generations: list, response: Response) -> None:
    body = response.get_data()
    if "ETag" not in response.headers:
        response.set_etag(hashlib.sha1(body).hexdigest())
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    store(key, generations, json.dumps(headers).encode() + b"\n" + body)


def replay(stored: bytes) -> Response:
    """The response `keep` stored."""
    head_end = stored.index(b"\n")
    headers = json.loads(stored[:head_end])
    etag, _weak = unquote_etag(headers["ETag"])
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": headers["ETag"]})
    return Response(stored[head_end + 1 :], status=200, headers=headers)
