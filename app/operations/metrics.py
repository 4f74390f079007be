"""Prometheus metrics at `/metrics`, for a scraper holding METRICS_TOKEN (unset: no endpoint, and
nothing recorded).

Each request adds one observation to one histogram: its `_count` series is the request count,
its buckets the latency, both by route (the URL rule), method and status. Under gunicorn every
worker writes its observations to files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's
multiprocess mode, set up by gunicorn.conf.py) and a scrape, whichever worker answers it, sums
them all. The state of the queues, the notifications and the dependencies is read when scraped.
"""

import hmac
import os
from datetime import datetime

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from app.api.errors import error_response
from app.api.rate_limits import uncounted
from app.extensions import db, redis_store
from app.notifications.models import Notification, Status
from app.notifications.queue import QUEUES
from app.notifications.sweep import LAST_SWEEP_KEY
from app.observability.logs import elapsed_seconds, route
from app.operations.health import cache_state, database_state, redis_state

REQUEST_DURATION = Histogram(
    "cmp_http_request_duration_seconds",
    "Time spent in the app per request (the _count series counts requests), by URL rule",
    ["route", "method", "status"],
)

blp = uncounted(Blueprint("metrics", __name__))


def observe_request(response: Response) -> Response:
    REQUEST_DURATION.labels(route(), request.method, response.status_code).observe(
        elapsed_seconds()
    )
    return response


class StateCollector:
    """Gauges computed at scrape time from MySQL and Redis: the same figures from every web
    process, so aggregate them across instances with max(), not sum()."""

    def collect(self):
        up = GaugeMetricFamily(
            "cmp_dependency_up",
            "1 when the dependency answers, as /health sees it",
            labels=["name"],
        )
        database_up = database_state() == "ok"
        redis_up = redis_state() in ("ok", "embedded")
        cache_up = cache_state() in ("ok", "shared") and redis_up
        up.add_metric(["database"], int(database_up))
        up.add_metric(["redis"], int(redis_up))
        up.add_metric(["cache"], int(cache_up))
        yield up
        if cache_up and current_app.config["REDIS_URL"]:
            yield from cache_evictions()
        if database_up:
            yield notifications_by_status()
        if redis_up and current_app.config["REDIS_URL"]:
            yield from queue_families()


def notifications_by_status() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "cmp_notifications", "Notification rows by status", labels=["status"]
    )
    rows = db.session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)
    ).all()
    counts = dict(rows)
    for status in Status:
        family.add_metric([status.value], counts.get(status.value, 0))
    return family


def queue_families():
    connection = redis_store.client()
    jobs = GaugeMetricFamily(
        "cmp_rq_jobs", "RQ jobs waiting (queued) or kept after failing", labels=["queue", "state"]
    )
    workers = GaugeMetricFamily(
        "cmp_rq_workers", "RQ workers listening to the queue", labels=["queue"]
    )
    try:
        for name in QUEUES:
            queue = Queue(name, connection=connection)
            jobs.add_metric([name, "queued"], queue.count)
            jobs.add_metric([name, "failed"], FailedJobRegistry(queue=queue).count)
            workers.add_metric([name], Worker.count(queue=queue))
        recorded = connection.get(LAST_SWEEP_KEY)  # "<when it ran> at=<the instant it swept>"
    except RedisError:
        return  # Redis went away mid-scrape: cmp_dependency_up says so on the next one
    yield jobs
    yield workers
    if recorded:
        ran = datetime.fromisoformat(recorded.decode().split(" at=")[0])
        yield GaugeMetricFamily(
            "cmp_reminder_last_sweep_timestamp_seconds",
            "When cron's last reminder sweep ran (Unix time)",
            value=ran.timestamp(),
        )


def cache_evictions():
    """Entries the cache's server dropped for room since it started (`allkeys-lru`): each one
    only ever costs a miss."""
    try:
        evicted = redis_store.cache().info("stats")["evicted_keys"]
    except RedisError:
        return
    yield CounterMetricFamily(
        "cmp_cache_evictions", "Keys the response cache's Redis evicted for room", value=evicted
    )


def request_registry():
    """Every worker's request observations (multiprocess mode), or this process's own."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


@blp.get("/metrics")
def metrics():
    """The Prometheus text format, for a bearer of METRICS_TOKEN."""
    if not bearer_is(current_app.config["METRICS_TOKEN"]):
        return error_response(401, headers={"WWW-Authenticate": "Bearer"})
    state = CollectorRegistry()
    state.register(StateCollector())
    body = generate_latest(request_registry()) + generate_latest(state)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def bearer_is(token: str) -> bool:
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    # Constant-time: the comparison's duration tells nothing about how much of a guess matched.
    return scheme.lower() == "bearer" and hmac.compare_digest(offered.encode(), token.encode())


def init_metrics(app: Flask) -> None:
    """Only with METRICS_TOKEN (see app.observability): without one no route serves /metrics
    (404) and requests are not measured at all."""
    app.after_request(observe_request)
    app.register_blueprint(blp)
