"""`/health`: is the app able to serve, and what does it depend on."""

from importlib.metadata import PackageNotFoundError, version

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from app.extensions import db, redis_store

blp = Blueprint("health", __name__, description="Liveness and dependencies")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok, degraded (Redis down) or down"})
    checks = fields.Dict(keys=fields.String(), values=fields.String())
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
    try:
        redis_store.client().ping()
        return "ok"
    except Exception:  # connection refused, timeout, auth: all mean "not usable now"
        return "unavailable"


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
        checks = {"database": database_state(), "redis": redis_state()}
        if checks["database"] != "ok":
            return {"status": "down", "checks": checks, "version": app_version()}, 503
        status = "degraded" if checks["redis"] == "unavailable" else "ok"
        return {"status": status, "checks": checks, "version": app_version()}
