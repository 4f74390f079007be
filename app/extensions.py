"""Extension objects, created once at import time and bound to an app in create_app."""

import math
import sqlite3
import threading
import time

import fakeredis
import flask_limiter
import redis
from apispec.ext.marshmallow import resolver
from cachetools import TLRUCache
from flask import Flask, current_app
from flask_babel import Babel
from flask_jwt_extended import JWTManager
from flask_limiter import ApplicationLimit
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from rq import Queue
from sqlalchemy import Engine, MetaData, event

from app.fields import ErrorSchema
from app.openapi import DocumentPlugin, OperationIds
from app.rate_limits import caller_key, counted_early, general_limit, is_preflight

# Named constraints keep Alembic migrations identical on MariaDB and SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


@event.listens_for(Engine, "connect")
def configure_sqlite(connection, _record) -> None:
    """SQLite ignores foreign keys unless asked, per connection (MySQL always enforces them);
    and Python's sqlite3 driver manages transactions itself, committing at a SAVEPOINT release,
    so it is told not to, and SQLAlchemy begins each transaction (see `begin_sqlite`)."""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA foreign_keys = ON")
        connection.isolation_level = None


@event.listens_for(Engine, "begin")
def begin_sqlite(connection) -> None:
    # Not on an AUTOCOMMIT connection (delivery's outcomes): SQLAlchemy never commits that
    # one, so a BEGIN there would hold every write until the pool rolls it back.
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if connection.dialect.name == "sqlite" and not autocommit:
        connection.exec_driver_sql("BEGIN")


migrate = Migrate(compare_type=True, render_as_batch=True)


class VerifyingOnceJWTManager(JWTManager):
    """flask-jwt-extended, verifying each token's signature once per process.

    Parsing and verifying a token (three base64 decodings and an HMAC) was about a tenth of a
    cached answer's CPU. A token's claims cannot change, so a verified one is remembered until it
    expires (a small LRU per app). Only the signature work is saved: revocation, the account's
    state and the role are still checked on every request (see app.auth.services).
    """

    REMEMBERED = 1024

    def init_app(self, app: Flask, add_context_processor: bool = False) -> None:
        super().init_app(app, add_context_processor)
        verified = TLRUCache(self.REMEMBERED, ttu=expires_at, timer=time.time)
        app.extensions["verified_tokens"] = (threading.Lock(), verified)

    def _decode_jwt_from_config(self, encoded_token, csrf_value=None, allow_expired=False):
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        claims = self.remembered_claims(encoded_token)
        if claims is None:
            claims = super()._decode_jwt_from_config(encoded_token)
            lock, verified = current_app.extensions["verified_tokens"]
            with lock:
                verified[encoded_token] = claims
        return dict(claims)

    @staticmethod
    def remembered_claims(encoded_token: str) -> dict | None:
        """The claims of a token this process verified before and that is still valid in time,
        or None (never verified here, expired, or not valid yet)."""
        lock, verified = current_app.extensions["verified_tokens"]
        with lock:
            claims = verified.get(encoded_token)
        return None if claims is None or not_yet_valid(claims) else claims


def expires_at(_token: str, claims: dict, _now: float) -> float:
    """When PyJWT would start refusing the token as expired (never, without `exp`)."""
    return claims["exp"] + current_app.config["JWT_DECODE_LEEWAY"] if "exp" in claims else math.inf


def not_yet_valid(claims: dict) -> bool:
    """PyJWT refuses a token issued in the future; the clock may have moved back since."""
    starts = max(claims.get("nbf", -math.inf), claims.get("iat", -math.inf))
    return starts > time.time() + current_app.config["JWT_DECODE_LEEWAY"]


jwt = VerifyingOnceJWTManager()


def schema_name(schema) -> str | None:
    """OpenAPI component names; partial and trimmed variants of a schema are inlined."""
    if any(getattr(schema, modifier, None) for modifier in ("partial", "only", "exclude")):
        return None
    return resolver(schema)


class DocumentedApi(Api):
    ERROR_SCHEMA = ErrorSchema


api = DocumentedApi(
    spec_kwargs={
        "marshmallow_plugin": DocumentPlugin(schema_name_resolver=schema_name),
        "extra_plugins": [OperationIds()],
    }
)
babel = Babel()


class Limiter(flask_limiter.Limiter):
    """flask-limiter, counting each app's requests in that app's own storage.

    flask-limiter keeps the storage of the last app bound to it. In production that is the one
    app of the process; the tests hold several side by side (another worker, other settings),
    which must not count in each other's Redis.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.extensions["rate_limit_strategy"] = self._limiter

    @property
    def limiter(self):
        return current_app.extensions["rate_limit_strategy"]


GENERAL_LIMIT = ApplicationLimit(limit_provider=general_limit, key_function=caller_key)
limiter = Limiter(
    key_func=get_remote_address, default_limits=[], application_limits=[GENERAL_LIMIT]
)
limiter.request_filter(is_preflight)
limiter.request_filter(counted_early)


class RedisHandle:
    """One Redis connection per app: the real server, or an in-process stand-in.

    With `REDIS_URL` unset (the embedded default) a fakeredis server lives in the process, so
    the token blocklist works and queued jobs run inline; nothing else needs to be installed.
    """

    def init_app(self, app: Flask) -> None:
        url = app.config["REDIS_URL"]
        if url:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        else:
            client = fakeredis.FakeRedis()
        app.extensions["redis"] = client

    @staticmethod
    def client() -> redis.Redis:
        return current_app.extensions["redis"]

    @staticmethod
    def queue(name: str = "default") -> Queue:
        """A queue on this app's Redis; inline (the job runs at once, in this process) in the
        embedded default."""
        is_async = bool(current_app.config["REDIS_URL"])
        return Queue(name, connection=RedisHandle.client(), is_async=is_async)


redis_store = RedisHandle()
