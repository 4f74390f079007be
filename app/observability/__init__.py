"""What operators see of the app: structured logs and Prometheus metrics."""

from flask import Flask

from app.observability.logs import init_logs, start_timer


def init_observability(app: Flask) -> None:
    """Registered before anything else, so the timer starts first and the access line (after_request
    runs in reverse order) sees the final response."""
    app.before_request(start_timer)
    init_logs(app)
