"""Queueing delivery: every pending e-mail no worker holds goes, in batches, to a job whose id
is derived from its rows, once the sweep that found them commits. If Redis cannot be reached
the rows simply stay pending, and the next sweep queues them."""

import hashlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from sqlalchemy import or_, select

from app.config import retry_delays
from app.core.clock import now as clock_now
from app.data.persistence import chunked
from app.data.unit_of_work import after_commit
from app.extensions import db, redis_store
from app.notifications.models import Channel, Notification, Status

if TYPE_CHECKING:
    from app.notifications.sweep import SweepResult

log = logging.getLogger(__name__)

QUEUE = "notifications"
# Every queue a worker listens to: deliveries, and the periodic sweeps (workers/cron.py).
QUEUES = (QUEUE, "default")
# The job function, by the dotted path queued jobs name it by.
DELIVER = "workers.jobs.deliver"
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def queue_pending(result: "SweepResult") -> list[list[int]]:
    """Batch every pending e-mail that no worker holds and no retry job is due to take, and
    queue the batches once the sweep commits (the job ids, or why the queue could not be
    reached, go into `result`). Returns the batches."""
    batches = list(chunked(unclaimed_pending_ids(), current_app.config["REMINDER_BATCH_SIZE"]))
    if batches:
        after_commit(lambda: enqueue_batches(batches, result))
    return batches


def unclaimed_pending_ids() -> list[int]:
    """Pending e-mails never claimed, or claimed so long ago that their worker must have died,
    and not released by a failed attempt within the longest retry delay (their retry job will
    take them; joining a new batch, they would be tried again before their delay)."""
    moment, config = clock_now(), current_app.config
    stale = moment - timedelta(seconds=config["REMINDER_CLAIM_TIMEOUT_SECONDS"])
    retried_by = moment - timedelta(
        seconds=max(retry_delays(config["REMINDER_RETRY_DELAYS"]) or [0])
    )
    return db.session.scalars(
        select(Notification.id)
        .where(
            Notification.status == Status.PENDING,
            Notification.channel == Channel.EMAIL,
            or_(Notification.claimed_at.is_(None), Notification.claimed_at < stale),
            or_(Notification.released_at.is_(None), Notification.released_at < retried_by),
        )
        .order_by(Notification.id)
    ).all()


def enqueue_batches(batches: list[list[int]], result: "SweepResult") -> None:
    """Queue one delivery job per batch. If Redis is unreachable the rows simply stay pending:
    the next sweep queues them."""
    try:
        for ids in batches:
            job_id = enqueue_delivery(ids)
            if job_id:
                result.queued_jobs.append(job_id)
    except RedisError as error:
        result.queue_error = str(error) or error.__class__.__name__
        log.warning("queue unreachable; %d batches stay pending: %s", len(batches), error)


def enqueue_delivery(ids: list[int]) -> str | None:
    """Queue delivery of these notifications under a job id derived from them, unless that
    very job is still waiting to run. Returns the job id, or None when it was waiting."""
    queue = redis_store.queue(QUEUE)
    job_id = delivery_job_id(ids)
    options = delivery_options(ids, job_id, unique=queue.is_async)
    try:
        queue.enqueue(DELIVER, ids, **options)
    except DuplicateJobError:
        existing = Job.fetch(job_id, connection=queue.connection)
        if existing.get_status(refresh=True) in WAITING:
            return None
        # Finished, failed, or started by a worker that died: its rows are free again.
        existing.delete()
        queue.enqueue(DELIVER, ids, **options)
    return job_id


def delivery_job_id(ids: list[int]) -> str:
    return "deliver-" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]


def delivery_options(ids: list[int], job_id: str, unique: bool) -> dict:
    """How a delivery job is queued. `unique` is False for inline (embedded) queues, which run
    the job at once: nothing can be waiting to run."""
    config = current_app.config
    delays = retry_delays(config["REMINDER_RETRY_DELAYS"])
    return {
        "job_id": job_id,
        "unique": unique,
        "retry": Retry(max=len(delays), interval=delays) if delays else None,
        "job_timeout": delivery_timeout(len(ids)),
        "result_ttl": 3600,
        "failure_ttl": config["REMINDER_FAILED_JOB_DAYS"] * 86400,
        "description": f"deliver {len(ids)} notifications ({ids[0]}…{ids[-1]})",
    }


def delivery_timeout(count: int) -> int:
    """Generous for a batch, and shorter than the claim timeout, so a job that hangs is killed
    before its rows are handed to another worker."""
    claim_timeout = current_app.config["REMINDER_CLAIM_TIMEOUT_SECONDS"]
    return max(min(30 + count, claim_timeout - 10), 10)
