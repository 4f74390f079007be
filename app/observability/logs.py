"""Log lines, one per event, as JSON (production) or text (development), each carrying the
request it belongs to; and one access line per request, written by the app itself.

The app writes the access line, not gunicorn: only the app knows the route (the URL rule, never
the raw path, which can hold a calendar feed's secret) and who is signed in. gunicorn's own
lines (workers booting, timeouts) go through the same handler, so every line has one format.
"""

import logging
import logging.config
import re
import time

from flask import Flask, Response, g, has_request_context, request
from flask_jwt_extended import get_jwt
from pythonjsonlogger.json import JsonFormatter

from app.config import env

access_log = logging.getLogger("app.access")

# Fields of every line; RequestContext adds the request's to lines logged while serving one.
JSON_FIELDS = ["levelname", "name", "process", "message"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def log_format() -> str:
    """LOG_FORMAT (`json` or `text`); JSON in production, where a collector reads the lines."""
    default = "json" if env("APP_ENV") == "production" else "text"
    chosen = env("LOG_FORMAT", default).lower()
    if chosen not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {chosen!r}")
    return chosen


def formatter() -> logging.Formatter:
    """The formatter LOG_FORMAT names (referenced by LOGGING, and so by gunicorn.conf.py)."""
    if log_format() == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO-8601, UTC
        )
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


class RequestContext(logging.Filter):
    """Adds the request's id, signed-in user, method and route to lines logged while serving it
    (a worker's or a command's lines have none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.user_id = signed_in_user_id()
            record.method = request.method
            record.route = route()
        return True


# Terminal colour and style codes (ESC [ … m), which werkzeug's development server puts in its
# banner and request lines.
TERMINAL_STYLE = re.compile(r"\x1b\[[0-9;]*m")


class WithoutTerminalStyle(logging.Filter):
    """Lines are read in files and by collectors, not only on a terminal: a colour code there is
    raw escape bytes in the middle of the text (or of a JSON string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "\x1b" in message:
            record.msg, record.args = TERMINAL_STYLE.sub("", message), ()
        return True


def signed_in_user_id() -> int | None:
    try:
        subject = get_jwt().get("sub")
    except RuntimeError:  # no token was verified for this request: anonymous
        return None
    return int(subject) if isinstance(subject, str) and subject.isdigit() else None


def route() -> str:
    """The URL rule that matched (`/api/v1/course-offerings/<id:offering_id>`), so lines and
    metrics group by endpoint; `unmatched` for a URL no rule serves."""
    return request.url_rule.rule if request.url_rule else "unmatched"


# One handler on the root logger, for the app, its libraries and gunicorn alike.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": RequestContext}, "plain": {"()": WithoutTerminalStyle}},
    "formatters": {"chosen": {"()": formatter}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "chosen",
            "filters": ["request", "plain"],
        }
    },
    "root": {"level": env("LOG_LEVEL", "INFO").upper(), "handlers": ["stderr"]},
    # gunicorn's own lines go to the root handler (its access log is off: see gunicorn.conf.py).
    "loggers": {"gunicorn.error": {"handlers": [], "propagate": True}},
}


def configure_logging() -> None:
    """Install LOGGING unless something already handles the root logger (gunicorn installed it
    from gunicorn.conf.py, or pytest captures)."""
    if not logging.getLogger().handlers:
        logging.config.dictConfig(LOGGING)


def start_timer() -> None:
    g.request_started = time.perf_counter()


def elapsed_seconds() -> float:
    return time.perf_counter() - g.get("request_started", time.perf_counter())


def log_access(response: Response) -> Response:
    """One line per request: status and time spent in the app (streamed bodies excluded)."""
    duration_ms = round(elapsed_seconds() * 1000, 2)
    access_log.info(
        "%s %s %s %.2fms",
        request.method,
        route(),
        response.status_code,
        duration_ms,
        extra={
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_logs(app: Flask) -> None:
    configure_logging()
    if app.config["ACCESS_LOG"]:
        app.after_request(log_access)
