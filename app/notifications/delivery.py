"""The consumer side: deliver a batch of notifications, each exactly once.

1. Claim: one UPDATE takes the batch's rows that are pending and free (never claimed, or
   claimed longer ago than REMINDER_CLAIM_TIMEOUT_SECONDS by a worker that must have died),
   stamping them with this attempt's token. Two workers can never hold the same row.
2. Re-check each claimed row against the data as it is now (its kind's `facts`: see
   registry.py); what is no longer true is cancelled.
3. Send over one SMTP connection; each sent row is committed as sent right after the server
   accepted it, so a worker killed mid-batch leaves only unsent rows for the next claim.
4. A refused message is released for a later attempt, or marked failed with the server's
   answer once it has had REMINDER_RETRY_DELAYS + 1 attempts. The job then raises, so RQ
   retries it after the next delay.
5. Any other error (a template, the outbox's disk, RQ's job timeout) releases the attempt's
   still-pending rows the same way before the job raises: nothing stays claimed by a job that
   is no longer running.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import selectinload

from app.config import retry_delays
from app.core.clock import now
from app.data.unit_of_work import unit_of_work
from app.extensions import db
from app.notifications import mail
from app.notifications.content import Facts, docs_url
from app.notifications.models import Channel, Notification, Status
from app.notifications.registry import Moment, kind_named

log = logging.getLogger(__name__)
TABLE = Notification.__table__


class DeliveryIncomplete(Exception):
    """Some messages of the batch could not be sent yet (RQ retries the job)."""


@dataclass
class Report:
    sent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    retrying: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


def deliver(ids: list[int]) -> Report:
    """Claim, re-check and send these notifications; raise if some must be tried again."""
    token, report = uuid.uuid4().hex, Report()
    with unit_of_work():
        claimed = claim(ids, token)
    if not claimed:
        return report
    try:
        with unit_of_work():
            outgoing = prepare(ids, token, report)
        send_all(outgoing, token, report)
    except Exception as error:  # a template, the outbox's disk, RQ's job timeout…
        # Left claimed, the rows would be skipped by the retry's claim and by every sweep until
        # the claim times out; released, the retry (or the next sweep) tries them again.
        release_claimed(ids, token, mail.describe(error))
        raise
    if report.retrying:
        raise DeliveryIncomplete(
            f"{len(report.retrying)} of {len(ids)} not sent yet: "
            + "; ".join(sorted(set(report.retrying.values())))
        )
    return report


def claim(ids: list[int], token: str) -> int:
    moment = now()
    stale = moment - timedelta(seconds=current_app.config["REMINDER_CLAIM_TIMEOUT_SECONDS"])
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id.in_(ids),
            Notification.status == Status.PENDING,
            Notification.channel == Channel.EMAIL,
            or_(Notification.claimed_at.is_(None), Notification.claimed_at < stale),
        )
        .values(claimed_at=moment, claimed_by=token, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def prepare(ids: list[int], token: str, report: Report) -> list[tuple]:
    """(id, attempts, message, ids it also covers) for each claimed row still true; the rest
    is cancelled."""
    claimed = db.session.scalars(
        select(Notification)
        # The ids reach the rows by primary key; the token alone would scan the table.
        .where(Notification.id.in_(ids), Notification.claimed_by == token)
        .options(selectinload(Notification.recipient), selectinload(Notification.offering))
        .order_by(Notification.id)
    ).all()
    moment, outgoing = Moment.for_batch(claimed, now()), []
    for notification in claimed:
        facts = facts_for(notification, moment)
        if facts is None:
            notification.status, notification.claimed_by = Status.CANCELLED, None
            report.cancelled.append(notification.id)
            continue
        outgoing.append((notification.id, notification.attempts, mail.compose(facts), facts.covers))
    return outgoing


def facts_for(notification: Notification, moment: Moment) -> Facts | None:
    """The facts to send, or None when the message is no longer true: everything is read
    again now, so a log filed meanwhile, an offering whose dates moved or that went to someone
    else, or a deactivated recipient cancels the message instead."""
    if not notification.recipient.is_active:
        return None
    kind = kind_named(notification.kind)
    values = kind.facts(notification, moment)
    if values is None:
        return None
    covers = values.pop("covers", [])
    values |= {
        "recipient_name": notification.recipient.first_name,
        "kind": notification.kind,
        "lang": notification.language,
        "docs_url": docs_url(),
        "page_url": kind.link(notification),
    }
    return Facts(notification, values, covers)


def send_all(outgoing: list, token: str, report: Report) -> None:
    if not outgoing:
        return
    # Outcomes go through one connection of their own in autocommit mode: each message's UPDATE
    # is durable the moment it returns, in a single round trip.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        try:
            with mail.transport() as transport:
                for notification_id, attempts, message, covers in outgoing:
                    try:
                        transport.send(message)
                    except mail.MessageRefused as error:
                        record_failure(connection, notification_id, attempts, token, str(error),
                                       report)  # fmt: skip
                        continue
                    mark_sent(connection, notification_id, token, covers)
                    report.sent.append(notification_id)
        except mail.TransportDown as error:
            release_unsent(connection, outgoing, token, str(error), report)
        except mail.NotConfigured as error:
            release_unsent(connection, outgoing, token, str(error), report, give_up=True)
    log.info(
        "delivered %d, cancelled %d, retrying %d, failed %d",
        len(report.sent), len(report.cancelled), len(report.retrying), len(report.failed),
    )  # fmt: skip


def mark_sent(connection, notification_id: int, token: str, covers: list[int]) -> None:
    """Committed at once: the server has the message, no later attempt may send it again."""
    moment = now()
    connection.execute(
        update(TABLE)
        .where(TABLE.c.id == notification_id, TABLE.c.claimed_by == token)
        .values(status=Status.SENT, sent_at=moment, claimed_by=None)
    )
    if covers:  # the reminders this digest listed
        connection.execute(
            update(TABLE)
            .where(TABLE.c.id.in_(covers), TABLE.c.status == Status.PENDING)
            .values(status=Status.SENT, sent_at=moment)
        )


def last_attempt() -> int:
    """A row's attempts: the first, then one per REMINDER_RETRY_DELAYS entry."""
    return len(retry_delays(current_app.config["REMINDER_RETRY_DELAYS"])) + 1


def release_claimed(ids: list[int], token: str, error: str) -> None:
    """After an unexpected error: this attempt's rows still pending go back to the pool, or
    fail with the error once they have had every attempt."""
    held = and_(TABLE.c.id.in_(ids), TABLE.c.claimed_by == token, TABLE.c.status == Status.PENDING)
    exhausted = TABLE.c.attempts >= last_attempt()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            update(TABLE)
            .where(held)
            .values(
                status=case((exhausted, Status.FAILED), else_=Status.PENDING),
                last_error=error[:2000],
                claimed_at=None,
                claimed_by=None,
                released_at=now(),
            )
        )
    log.warning("delivery attempt %s released its rows after: %s", token, error)


def release_unsent(connection, outgoing, token, error: str, report, give_up=False) -> None:
    """Record `error` against every message of the batch not handled yet."""
    handled = set(report.sent) | set(report.failed) | set(report.retrying)
    for notification_id, attempts, _message, _covers in outgoing:
        if notification_id not in handled:
            record_failure(connection, notification_id, attempts, token, error, report, give_up)


def record_failure(connection, notification_id, attempts, token, error: str, report,
                   give_up=False) -> None:  # fmt: skip
    """Release the row for another attempt, or mark it failed once it has had them all (or
    at once with `give_up`, when no attempt can succeed)."""
    final = give_up or attempts >= last_attempt()
    connection.execute(
        update(TABLE)
        .where(TABLE.c.id == notification_id, TABLE.c.claimed_by == token)
        .values(
            status=Status.FAILED if final else Status.PENDING,
            last_error=error[:2000],
            claimed_at=None,
            claimed_by=None,
            released_at=now(),
        )
    )
    (report.failed if final else report.retrying)[notification_id] = error
