"""What operators see of the app: structured logs and Prometheus metrics."""

from flask import Flask

from app.observability.logs import init_logs, start_timer


def init_observability(app: Flask) -> None:
    """Registered before anything else, so the timer starts first and the access line and the
    metrics (after_request runs in reverse order) see the final response."""
    app.before_request(start_timer)
    init_logs(app)
    if app.config["METRICS_TOKEN"]:
        # Imported only when measured: it reads the web layer's health checks, which a worker
        # or a command never loads.
        from app.observability.metrics import init_metrics

        init_metrics(app)
