"""`/health`: is the app able to serve, and what does it depend on."""

from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import text

from app.api.fields import ResponseSchema
from app.api.rate_limits import uncounted
from app.core.clock import now
from app.extensions import db, redis_store
from app.notifications.mail import delivery_mode
from app.notifications.queue import QUEUES

HEALTH_PROBE = "cmp:health"

# Never rate limited: load balancers and monitors poll it, and it must answer while Redis is down.
blp = uncounted(Blueprint("health", __name__, description="Liveness and dependencies"))


class HealthSchema(ResponseSchema):
    status = fields.String(
        metadata={
            "description": "ok, degraded (Redis or the cache's Redis down, or no way to send "
            "e-mail) or down"
        }
    )
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={
            "description": "database and redis: ok, unavailable (or embedded); cache (the "
            "response cache's Redis): ok, unavailable or shared (on the redis server); queue: its "
            "status (ok, degraded when no worker has beaten lately, embedded, unavailable) with "
            "live workers, queued and failed jobs; mail: smtp, outbox (development: .eml files) or "
            "not_configured (production without SMTP_HOST: reminders fail instead of going out)"
        },
    )
    version = fields.String()


def database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure to reach the database means the same thing here
        db.session.rollback()
        return "unavailable"


def redis_state() -> str:
    if not current_app.config["REDIS_URL"]:
        return "embedded"
    return writable(redis_store.client())


def cache_state() -> str:
    """The response cache's own server; `shared` when it is the durable one."""
    if not current_app.config["CACHE_REDIS_URL"]:
        return "shared"
    return writable(redis_store.cache())


def writable(client) -> str:
    try:
        # A write, not a ping: a Redis out of memory or turned read-only answers pings, but
        # can no longer keep revocations, queue jobs or cache answers.
        client.set(HEALTH_PROBE, 1, ex=60)
        return "ok"
    except Exception:  # refused, timeout, auth, out of memory: all mean "not usable now"
        return "unavailable"


def queue_state() -> dict:
    if not current_app.config["REDIS_URL"]:
        return {"status": "embedded"}
    connection = redis_store.client()
    try:
        workers = Worker.all(connection=connection)
        queues = [Queue(name, connection=connection) for name in QUEUES]
        queued = sum(queue.count for queue in queues)
        failed = sum(FailedJobRegistry(queue=queue).count for queue in queues)
    except RedisError:
        return {"status": "unavailable"}
    stale = now() - timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])
    beating = [worker for worker in workers if (worker.last_heartbeat or stale) > stale]
    return {
        "status": "ok" if beating else "degraded",
        "workers": len(beating),
        "queued": queued,
        "failed": failed,
    }


def app_version() -> str:
    try:
        return version("course-management-platform")
    except PackageNotFoundError:
        return "unknown"


@blp.route("/health")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    def get(self):
        """Report the state of the app and its dependencies"""
        checks = {
            "database": database_state(),
            "redis": redis_state(),
            "cache": cache_state(),
            "queue": queue_state(),
            "mail": delivery_mode(),
        }
        if checks["database"] != "ok":
            return {"status": "down", "checks": checks, "version": app_version()}, 503
        unavailable = "unavailable" in (checks["redis"], checks["cache"])
        degraded = unavailable or checks["mail"] == "not_configured"
        status = "degraded" if degraded else "ok"
        return {"status": status, "checks": checks, "version": app_version()}
