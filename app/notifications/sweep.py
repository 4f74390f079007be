"""The producer side of reminders: a sweep finds what is due, records it, queues its delivery.

A sweep takes `now` (the cron passes the clock, `flask reminders sweep --at` any instant) and
asks every kind in the registry what is due then: set-based SQL, one statement per kind as a
rule. The kinds that gather others (the digest) go last, with what the others found. The rows
are recorded (store.py) and delivery is queued after the commit, in batches, for every pending
e-mail no live worker holds, also rows an earlier sweep could not queue (Redis down: queue.py).
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from redis.exceptions import RedisError

from app.core.clock import now as clock_now
from app.data.unit_of_work import after_commit
from app.extensions import redis_store
from app.notifications.queue import queue_pending
from app.notifications.registry import Moment, all_kinds
from app.notifications.store import insert_new

log = logging.getLogger(__name__)

LAST_SWEEP_KEY = "reminders:last-sweep"


@dataclass
class SweepResult:
    found: dict[str, int] = field(default_factory=dict)  # kind → rows due
    inserted: int = 0
    batches: list[list[int]] = field(default_factory=list)
    # Filled after the commit: job ids queued, and whether the queue could be reached.
    queued_jobs: list[str] = field(default_factory=list)
    queue_error: str | None = None


def sweep(now: datetime, dry_run: bool = False) -> SweepResult:
    """Record every reminder, alert and digest due at `now`; queue delivery after commit.

    With `dry_run` nothing is written or queued: `found` says what would be.
    """
    rows = due_rows(Moment.at(now))
    result = SweepResult(found=dict(Counter(row["kind"] for row in rows)))
    if dry_run:
        return result
    result.inserted = insert_new(rows)
    result.batches = queue_pending(result)
    after_commit(lambda: remember_sweep(now))
    return result


def due_rows(moment: Moment) -> list[dict]:
    """What every kind finds due at this moment, the gathering kinds last."""
    rows: list[dict] = []
    for kind in sorted(all_kinds(), key=lambda kind: kind.gathers):
        rows += kind.find(moment, rows)
    return rows


def remember_sweep(now: datetime) -> None:
    try:
        redis_store.client().set(LAST_SWEEP_KEY, clock_now().isoformat() + " at=" + now.isoformat())
    except RedisError:
        log.warning("could not record the sweep time in Redis")
