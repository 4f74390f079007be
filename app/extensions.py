"""Extension objects, created once at import time and bound to an app in create_app."""

import sqlite3

import fakeredis
import redis
from apispec.ext.marshmallow import resolver
from flask import Flask, current_app
from flask_babel import Babel
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from rq import Queue
from sqlalchemy import Engine, MetaData, event

from app.api.fields import ErrorSchema
from app.api.openapi import DocumentPlugin, OperationIds

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
    """Each unit of work takes SQLite's write lock as it begins (IMMEDIATE), so units run one
    after another, each waiting its turn (the driver's busy timeout). With a plain (deferred)
    BEGIN, two units that both read and then write deadlock: each holds a read lock the other's
    write waits for, and SQLite refuses one of them at once ("database is locked"). SQLite
    writes one transaction at a time anyway; MariaDB has row locks instead."""
    # Not on an AUTOCOMMIT connection (delivery's outcomes): SQLAlchemy never commits that
    # one, so a BEGIN there would hold every write until the pool rolls it back.
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if connection.dialect.name == "sqlite" and not autocommit:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


migrate = Migrate(compare_type=True, render_as_batch=True)


jwt = JWTManager()


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


class RedisHandle:
    """Redis for one app: the durable server (queue, rate limits, revocations, the cache's
    generations), and the response cache's server, which may evict and may be down.

    With `REDIS_URL` unset (the embedded default) a fakeredis server lives in the process, so
    the token blocklist works and queued jobs run inline; nothing else needs to be installed.
    With `CACHE_REDIS_URL` unset the cache shares the durable server.
    """

    def init_app(self, app: Flask) -> None:
        url, cache_url = app.config["REDIS_URL"], app.config["CACHE_REDIS_URL"]
        client = connect(url) if url else fakeredis.FakeRedis()
        app.extensions["redis"] = client
        app.extensions["cache_redis"] = connect(cache_url) if cache_url else client

    @staticmethod
    def client() -> redis.Redis:
        return current_app.extensions["redis"]

    @staticmethod
    def cache() -> redis.Redis:
        """The response cache's server: the durable one unless CACHE_REDIS_URL names another."""
        return current_app.extensions["cache_redis"]

    @staticmethod
    def queue(name: str = "default") -> Queue:
        """A queue on this app's Redis; inline (the job runs at once, in this process) in the
        embedded default."""
        is_async = bool(current_app.config["REDIS_URL"])
        return Queue(name, connection=RedisHandle.client(), is_async=is_async)


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


redis_store = RedisHandle()
