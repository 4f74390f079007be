"""Queue health for managers: what waits, runs, failed or is scheduled on each RQ queue, which
workers are alive, and requeueing failed jobs. A Redis that cannot be reached is a 503 (the
error handler's, for every RedisError)."""

from datetime import timedelta

from flask import current_app
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError

from app.core.clock import now
from app.core.exceptions import Conflict
from app.core.i18n import _
from app.extensions import redis_store
from app.notifications.queue import QUEUES


def embedded() -> bool:
    """REDIS_URL unset: jobs run inline in the web process, no worker exists."""
    return not current_app.config["REDIS_URL"]


def queues() -> list[Queue]:
    return [redis_store.queue(name) for name in QUEUES]


def health() -> dict:
    return {
        "embedded": embedded(),
        "queues": [counts(queue) for queue in queues()],
        "workers": [] if embedded() else workers(),
    }


def counts(queue: Queue) -> dict:
    return {
        "name": queue.name,
        "queued": queue.count,
        "started": queue.started_job_registry.count,
        "failed": queue.failed_job_registry.count,
        "scheduled": queue.scheduled_job_registry.count,
    }


def workers() -> list[dict]:
    """Every registered worker; alive: it beat within WORKER_STALE_SECONDS."""
    stale = now() - timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])
    found = Worker.all(connection=redis_store.client())
    return [
        {
            "name": worker.name,
            "queues": worker.queue_names(),
            "state": worker.get_state(),
            "last_heartbeat": worker.last_heartbeat,
            "alive": worker.last_heartbeat is not None and worker.last_heartbeat > stale,
        }
        for worker in sorted(found, key=lambda worker: worker.name)
    ]


def requeue_failed() -> dict:
    """Put every failed job back on its queue; how many, per queue and in all."""
    if embedded():
        raise Conflict(_("Jobs run inline here (REDIS_URL is unset): none waits to be requeued."))
    requeued = {queue.name: requeue_all(queue) for queue in queues()}
    return {"requeued": sum(requeued.values()), "by_queue": requeued}


def requeue_all(queue: Queue) -> int:
    registry = queue.failed_job_registry
    done = 0
    for job_id in registry.get_job_ids():
        try:
            registry.requeue(job_id)
        except (NoSuchJobError, InvalidJobOperation):  # expired, or requeued by another call
            continue
        done += 1
    return done
