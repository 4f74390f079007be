"""How notifications react to what happens elsewhere: messages that are no longer true are
cancelled at once, so the inbox does not show them. (Every message is also re-checked when it
is about to be sent; these handlers only make that visible sooner.) Which kinds an event
settles, each kind says itself (see registry.NotificationKind)."""

from sqlalchemy import update

from app.core.signals import (
    log_changed,
    log_filed,
    offering_changed,
    reflection_submitted,
    user_changed,
)
from app.extensions import db
from app.notifications.models import Notification, Status
from app.notifications.registry import names_where


def cancel(*conditions) -> None:
    db.session.execute(
        update(Notification)
        .where(
            Notification.status == Status.PENDING, Notification.claimed_by.is_(None), *conditions
        )
        .values(status=Status.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def of_kinds(test):
    """Notifications of the kinds for which `test(kind)` holds."""
    return Notification.kind.in_(names_where(test))


@log_filed.connect
@log_changed.connect
def forget_reminders_for_filed_week(log, action="filed", **_details) -> None:
    """Filed or edited: the week's reminders that its log settles go."""
    if action == "deleted":
        return
    cancel(
        Notification.offering_id == log.offering_id,
        Notification.week_number == log.week_number,
        of_kinds(lambda kind: kind.settled_by_log(log)),
    )


@offering_changed.connect
def follow_offering(offering, what=frozenset(), **_details) -> None:
    """Reassigned or archived: what the old facilitator would have heard goes (the next sweep
    finds the new facilitator's). Moved dates need nothing here: a reminder whose deadline no
    longer matches is cancelled when it is about to be sent, and the new deadlines are new."""
    if "archived" in what or "deleted" in what or not offering.is_active:
        cancel(Notification.offering_id == offering.id)
    elif "facilitator" in what:
        following = (
            Notification.offering_id == offering.id,
            of_kinds(lambda kind: kind.follows_facilitator),
        )
        if offering.facilitator_id is None:
            cancel(*following)
        else:
            cancel(*following, Notification.recipient_id != offering.facilitator_id)
            cancel(
                Notification.offering_id == offering.id,
                of_kinds(lambda kind: kind.settled_by_staffing),
            )


@user_changed.connect
def forget_deactivated_user(user, changes=None, **_details) -> None:
    if "is_active" in (changes or {}) and not user.is_active:
        cancel(Notification.recipient_id == user.id)


@reflection_submitted.connect
def forget_reflection_reminder(reflection, **_details) -> None:
    """Reflected: the reminder to reflect goes from the inbox at once."""
    cancel(
        Notification.recipient_id == reflection.student_id,
        Notification.offering_id == reflection.offering_id,
        of_kinds(lambda kind: kind.settled_by_reflection),
    )
