"""The delivery log: every notification with its status, attempts and last error, and a way to
send a failed one again."""

import logging

from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, select

from app.core.exceptions import Conflict, NotFound
from app.core.i18n import _
from app.data.filters import exact_and_window
from app.data.pagination import newest_first, page_of
from app.data.unit_of_work import after_commit
from app.extensions import db
from app.notifications.models import Notification, Status
from app.notifications.queue import enqueue_delivery

log = logging.getLogger(__name__)


def matching(filters: dict) -> list[ColumnElement]:
    exact = ("status", "kind", "channel", "recipient_id", "offering_id")
    window = ("created_from", "created_to")
    return exact_and_window(Notification, filters, exact, Notification.created_at, window)


def list_notifications(filters: dict, pagination) -> list[Notification]:
    """Newest first."""
    statement = (
        select(Notification)
        .where(*matching(filters))
        .order_by(*newest_first(Notification.created_at))
    )
    return page_of(statement, pagination)


def retry(notification_id: int) -> Notification:
    """Give a failed notification a fresh set of attempts and queue it once this commits. If the
    queue cannot be reached the row stays pending: the next sweep queues it."""
    notification = db.session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.status != Status.FAILED:
        raise Conflict(
            _("Only a failed notification can be retried; this one is {status}.").format(
                status=notification.status
            )
        )
    notification.status, notification.attempts = Status.PENDING, 0
    notification.claimed_at = notification.claimed_by = notification.released_at = None
    after_commit(lambda: queue_again(notification_id))
    return notification


def queue_again(notification_id: int) -> None:
    try:
        enqueue_delivery([notification_id])
    except RedisError as error:
        log.warning("notification %s stays pending until the next sweep: %s", notification_id,
                    error)  # fmt: skip
