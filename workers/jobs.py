"""RQ job functions. Each is one unit of work (or, for delivery, one small unit per message:
see app/notifications/delivery.py) and raises on failure, so RQ keeps the job as failed and
retries it where a Retry was given."""

import logging
from datetime import datetime

from sqlalchemy.exc import OperationalError

from app.auth import password_links
from app.core.clock import now
from app.data.persistence import is_lock_conflict
from app.data.unit_of_work import unit_of_work
from app.notifications import delivery
from app.notifications.sweep import SweepResult
from app.notifications.sweep import sweep as sweep_at
from workers.context import in_app_context

log = logging.getLogger(__name__)


@in_app_context
def sweep(at: str | None = None) -> dict:
    """Record what is due at `at` (ISO-8601; default now) and queue its delivery.

    A sweep that loses a lock conflict (another sweep inserting at the same moment) runs once
    more at once: RQ 3's cron cannot give its jobs a Retry, and waiting for the next run would
    delay every reminder by a whole interval."""
    moment = datetime.fromisoformat(at) if at else now()
    try:
        result = sweep_once(moment)
    except OperationalError as error:
        if not is_lock_conflict(error):
            raise
        log.warning("sweep at %s lost a lock conflict, running it again: %s", moment, error.orig)
        result = sweep_once(moment)
    return {
        "found": result.found,
        "inserted": result.inserted,
        "jobs": result.queued_jobs,
        "queue_error": result.queue_error,
    }


def sweep_once(moment: datetime) -> SweepResult:
    with unit_of_work():
        return sweep_at(moment)


@in_app_context
def deliver(ids: list[int]) -> dict:
    """Send these notifications (a batch queued by a sweep)."""
    report = delivery.deliver(ids)
    return {"sent": len(report.sent), "cancelled": len(report.cancelled)}


@in_app_context
def send_password_link(address: str, purpose: str) -> bool:
    """E-mail a set-password link to the active account with this address, if there is one."""
    return password_links.send_link(address, purpose)
