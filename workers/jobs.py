"""RQ job functions. Each is one unit of work (or, for delivery, one small unit per message:
see app/notifications/delivery.py) and raises on failure, so RQ keeps the job as failed and
retries it where a Retry was given."""

from datetime import datetime

from app.auth import password_links
from app.clock import now
from app.notifications import delivery, reminders
from app.unit_of_work import unit_of_work
from workers.context import in_app_context


@in_app_context
def sweep(at: str | None = None) -> dict:
    """Record what is due at `at` (ISO-8601; default now) and queue its delivery."""
    moment = datetime.fromisoformat(at) if at else now()
    with unit_of_work():
        result = reminders.sweep(moment)
    return {
        "found": result.found,
        "inserted": result.inserted,
        "jobs": result.queued_jobs,
        "queue_error": result.queue_error,
    }


@in_app_context
def deliver(ids: list[int]) -> dict:
    """Send these notifications (a batch queued by a sweep)."""
    report = delivery.deliver(ids)
    return {"sent": len(report.sent), "cancelled": len(report.cancelled)}


@in_app_context
def send_password_link(address: str, purpose: str) -> bool:
    """E-mail a set-password link to the active account with this address, if there is one."""
    return password_links.send_link(address, purpose)
