"""Exact caching in Redis: nothing cached is ever served after the data behind it changed.

Every table has a generation number in Redis. Each commit bumps the generation of every table it
wrote (the session records them as it flushes), and a cached value is stored under a key that
carries the generations of the tables it was read from. A write therefore makes every dependent
key unreachable at once, in every worker, with no time-to-live guessing. The generations are read
*before* the database, and bumped *after* the commit, so a value read from the old data can only
ever be stored under the old generations.

Used for whole GET responses (`cached`) and for the signed-in user's identity (see auth).
"""

import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import wraps

import redis
from flask import Response, current_app, g, request
from flask_jwt_extended import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import TextClause
from werkzeug.http import unquote_etag

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


def lookup(key: str, tables: tuple[str, ...], also: Callable | None = None) -> tuple:
    """The entry under `key` if it was stored at the tables' current generations (else None),
    those generations, and the results of the commands `also` adds: one round trip. The
    lookups the request announced (`prefetch`) ride along."""
    pipeline = redis_store.client().pipeline(transaction=False)
    if also:
        also(pipeline)
    lookups = [(key, tables), *g.pop("cache_announced", ())]
    for each_key, each_tables in lookups:
        queue_lookup(pipeline, each_key, each_tables)
    results = pipeline.execute()
    split = len(results) - 2 * len(lookups)
    other_results, found = results[:split], results[split:]
    answers = [read_lookup(*pair) for pair in zip(found[::2], found[1::2], strict=True)]
    announced_keys = [each_key for each_key, _ in lookups[1:]]
    g.setdefault("cache_prefetched", {}).update(zip(announced_keys, answers[1:], strict=True))
    value, current = answers[0]
    return value, current, other_results


def queue_lookup(pipeline, key: str, tables: tuple[str, ...]) -> None:
    pipeline.mget([GENERATION.format(table) for table in (*tables, ANY_TABLE)])
    pipeline.get(key)


def read_lookup(counters: list, entry: bytes | None) -> tuple[bytes | None, list]:
    current = [int(counter or 0) for counter in counters]
    stamp = json.dumps(current).encode() + b"\n"
    fresh = entry is not None and entry.startswith(stamp)
    return (entry[len(stamp) :] if fresh else None), current


def store(key: str, generations: list, value: bytes) -> None:
    """Keep `value`, stamped with the generations read *before* it was computed."""
    stamp = json.dumps(generations).encode() + b"\n"
    redis_store.client().set(key, stamp + value, ex=LONGEST_KEPT)


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
        # Refused (out of memory, a read-only replica), the value serves all the same.
        with suppress(*REDIS_DOWN):
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

    def key(self, user_id: int | None, role: str | None) -> str:
        shared = self.managers_share and role == "manager"
        audience = "managers" if shared else f"user:{user_id}"
        query = sorted(request.args.items(multi=True))
        return entry_key(request.path, query, audience, self.varies_with())


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
    `If-None-Match` with the stored ETag → 304. The entry is usually fetched in the round trip
    that checked the caller's token (see `prefetch`).
    """
    policy = ResponsePolicy(tables, managers_share, varies_with)

    def decorator(view):
        @wraps(view)
        def serve(*args, **kwargs):
            key = policy.key(current_user.id, current_user.role)
            try:
                stored, generations = prefetched(key) or lookup(key, tables)[:2]
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


# --- one round trip per request ------------------------------------------------------------------
#
# A signed-in request reads the caller's revocation state and identity from Redis before its
# view runs. A cached view's lookup joins that round trip: the token check, knowing the caller
# from the token's claims, announces the lookup of the answer the request's view would serve
# (`prefetch`), the next `lookup` runs it, and the view finds its result (`prefetched`). The
# role in the claims may be stale: the view then misses the prefetched entry and looks up its
# own, so the claims only ever decide what is fetched, never what is served.


def routed_policy() -> ResponsePolicy | None:
    """The response policy of the view this request is routed to, if that view caches (the
    policy travels outwards through every `functools.wraps` decorator above `cached`)."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return getattr(view, "response_policy", None)


def prefetch(user_id: int | None, role: str | None) -> None:
    """Have the next lookup also fetch the answer the request's view would serve this caller."""
    policy = routed_policy()
    if policy is not None:
        g.setdefault("cache_announced", []).append((policy.key(user_id, role), policy.tables))


def prefetched(key: str) -> tuple | None:
    return g.get("cache_prefetched", {}).pop(key, None)


def keep(key: str, generations: list, response: Response) -> None:
    body = response.get_data()
    if "ETag" not in response.headers:
        response.set_etag(hashlib.sha1(body).hexdigest())
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    # Unreachable, the answer is served all the same; the next request computes it again.
    with suppress(*REDIS_DOWN):
        store(key, generations, json.dumps(headers).encode() + b"\n" + body)


def replay(stored: bytes) -> Response:
    head, body = stored.split(b"\n", 1)
    headers = json.loads(head)
    etag, _weak = unquote_etag(headers["ETag"])
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": headers["ETag"]})
    return Response(body, status=200, headers=headers)
