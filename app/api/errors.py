"""One error envelope for everything: `{"code", "status", "message", "errors"?}`.

flask-smorest's envelope is used for validation, JWT problems, unknown routes, integrity
conflicts, rate limits and crashes alike. `message` is always present and in the caller's
language; 500s are logged with the request id and never show internals.
"""

import logging
import re
import uuid

import redis
from flask import Flask, Response, g, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.core.exceptions import DomainError
from app.core.i18n import _, lazy_gettext
from app.data.persistence import is_lock_conflict
from app.extensions import db, jwt
from app.observability.logs import route

log = logging.getLogger(__name__)

DEFAULT_MESSAGES = {
    400: lazy_gettext("The request is malformed."),
    401: lazy_gettext("Authentication is required."),
    403: lazy_gettext("You are not allowed to do this."),
    404: lazy_gettext("Not found."),
    405: lazy_gettext("This method is not allowed on this resource."),
    409: lazy_gettext("This conflicts with the current state of the resource."),
    412: lazy_gettext("The resource has changed since you last read it."),
    413: lazy_gettext("The request body is too large."),
    422: lazy_gettext("The request contains invalid data."),
    428: lazy_gettext("This request needs an If-Match header."),
    429: lazy_gettext("Too many requests. Try again later."),
    500: lazy_gettext("Something went wrong on our side. Quote request id {request_id}."),
    503: lazy_gettext("A service this request depends on is unavailable. Try again shortly."),
}

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def error_response(
    code: int, message: str | None = None, errors: dict | None = None, headers=None
) -> Response:
    """The envelope as a response; every error path in the app ends here."""
    if message is None:
        default = DEFAULT_MESSAGES.get(code) or HTTP_STATUS_CODES.get(code, "Error")
        message = str(default).format(request_id=g.get("request_id", "-"))
    payload = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "message": message}
    if errors:
        payload["errors"] = translate_leaves(errors)
    response = jsonify(payload)
    response.status_code = code
    response.headers.extend(headers or {})
    return response


def translate_leaves(errors):
    """Translate validation messages where the catalogue knows them (fixed texts only)."""
    if isinstance(errors, dict):
        return {key: translate_leaves(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate_leaves(item) for item in errors]
    return _(errors) if isinstance(errors, str) else errors


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:  # routing redirects are not errors
        return error.get_response()
    if error.code >= 500:
        log_crash(getattr(error, "original_exception", None) or error)
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    # Werkzeug's own headers (such as Allow on a 405), minus its HTML content type.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return error_response(error.code, data.get("message"), errors, headers)


def handle_domain_error(error: DomainError):
    """A use case refused: its own status, message and details, in the envelope."""
    return error_response(error.code, error.message, error.errors)


def handle_integrity_error(error: IntegrityError):
    """Safety net for constraint violations a service did not translate itself."""
    db.session.rollback()
    log.warning("integrity error: %s", error.orig)
    return error_response(409)


def handle_operational_error(error: OperationalError):
    """A lock conflict is the caller's to retry (409); anything else means the database cannot be
    reached (503)."""
    if is_lock_conflict(error):
        db.session.rollback()
        log.warning("lock conflict: %s", error.orig)
        message = _("Another request was changing the same data. Nothing was saved; try again.")
        return error_response(409, message, headers={"Retry-After": "1"})
    return handle_dependency_down(error)


def handle_dependency_down(error: Exception):
    db.session.rollback()
    log.error("dependency unavailable: %s", error)
    return error_response(503, headers={"Retry-After": "5"})


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    db.session.rollback()
    log_crash(error)
    return error_response(500)


def log_crash(error: BaseException) -> None:
    log.error(
        "unhandled error in %s %s [request_id=%s]",
        request.method,
        route(),  # the rule, never the path: a calendar feed's path is its secret
        g.get("request_id", "-"),
        exc_info=(type(error), error, error.__traceback__),
    )


def assign_request_id() -> None:
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if REQUEST_ID_PATTERN.match(offered) else uuid.uuid4().hex


def echo_request_id(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def register_jwt_errors() -> None:
    """flask-jwt-extended's failures, in the envelope and always 401."""

    @jwt.unauthorized_loader
    def missing_token(reason: str):
        return error_response(401, _("Authentication is required: send a bearer token."))

    @jwt.invalid_token_loader
    def invalid_token(reason: str):
        return error_response(401, _("The token is invalid."))

    @jwt.expired_token_loader
    def expired_token(header: dict, payload: dict):
        return error_response(401, _("The token has expired."))

    @jwt.revoked_token_loader
    def revoked_token(header: dict, payload: dict):
        return error_response(401, _("The token has been revoked."))

    @jwt.user_lookup_error_loader
    def unknown_user(header: dict, payload: dict):
        return error_response(401, _("The account behind this token is no longer active."))


def init_request_ids(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(echo_request_id)


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    # Unreachable, timed out, out of memory, a read-only replica: Redis cannot do its part.
    app.register_error_handler(redis.exceptions.RedisError, handle_dependency_down)
    app.register_error_handler(Exception, handle_unexpected)
    register_jwt_errors()
