"""Inbox, e-mail preferences and calendar feeds: the use cases behind the routes."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, get_locale
from icalendar import Alarm, Calendar, Event
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import selectinload

from app.activity.deadlines import DeadlineRule
from app.auth.models import User
from app.core.clock import now
from app.core.exceptions import Invalid, NotFound
from app.core.i18n import _
from app.courses.queries import facilitated_by
from app.data.pagination import newest_first, page_of
from app.extensions import db
from app.notifications.models import (
    CalendarFeed,
    EmailPreference,
    Notification,
    NotificationPreference,
    Status,
)
from app.notifications.registry import NotificationKind, all_kinds, kind_named
from app.notifications.store import email_preference

# --- inbox -----------------------------------------------------------------------------------


def inbox_conditions(user: User, unread_only: bool) -> list[ColumnElement]:
    conditions = [Notification.recipient_id == user.id, Notification.status != Status.CANCELLED]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    return conditions


def list_inbox(user: User, unread_only: bool, pagination) -> list[dict]:
    """The user's own notifications, newest first, each with its title in their language."""
    conditions = inbox_conditions(user, unread_only)
    statement = (
        select(Notification)
        .where(*conditions)
        # One query for the page's offerings (with their module, cohort and class), not one per row.
        .options(selectinload(Notification.offering))
        .order_by(*newest_first(Notification.created_at))
    )
    page = page_of(statement, pagination, count_from=select(Notification.id).where(*conditions))
    rule = DeadlineRule.from_config()
    return [inbox_entry(notification, rule) for notification in page]


def inbox_entry(notification: Notification, rule: DeadlineRule | None = None) -> dict:
    rule = rule or DeadlineRule.from_config()
    return {
        "notification": notification,
        "title": title(notification, rule),
        "link": kind_named(notification.kind).link(notification),
    }


def title(notification: Notification, rule: DeadlineRule) -> str:
    return kind_named(notification.kind).title(notification, rule, current_language())


def current_language() -> str:
    return str(get_locale() or "en")


def mark_read(user: User, notification_id: int) -> dict:
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, *inbox_conditions(user, unread_only=False)
        )
    )
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = now()
    return inbox_entry(notification)


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(*inbox_conditions(user, unread_only=True))
        .values(read_at=now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- preferences -----------------------------------------------------------------------------


def received_kinds(user: User) -> dict[str, NotificationKind]:
    """The kinds this user's role receives, so preferences only offer what applies."""
    return {kind.name: kind for kind in all_kinds() if kind.audience == user.role}


def preferences(user: User) -> dict:
    """{kind: immediate | daily_digest | off} for every kind this user's role receives."""
    return {name: email_preference(user.id, kind) for name, kind in received_kinds(user).items()}


def set_preferences(user: User, changes: dict) -> dict:
    received = received_kinds(user)
    unknown = sorted(set(changes) - set(received))
    if unknown:
        raise Invalid({kind: [_("Not a kind of notification you receive.")] for kind in unknown})
    waiting_for_nothing = sorted(
        name for name, email in changes.items()
        if not received[name].can_wait_for_digest and email == EmailPreference.DAILY_DIGEST
    )  # fmt: skip
    if waiting_for_nothing:
        message = _("There is no daily digest for this kind: choose immediate or off.")
        raise Invalid({kind: [message] for kind in waiting_for_nothing})
    for kind, email in changes.items():
        db.session.merge(NotificationPreference(user_id=user.id, kind=kind, email=email))
    db.session.flush()
    return preferences(user)


# --- calendar --------------------------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(user: User) -> str:
    """A new secret feed token for this user (replacing any earlier one); shown once."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.add(CalendarFeed(user_id=user.id, token_hash=feed_token_hash(token)))
    db.session.flush()
    return token


def revoke_feed(user: User) -> None:
    result = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if not result.rowcount:
        raise NotFound(_("You have no calendar feed."))


def feed_owner(token: str) -> User:
    """The active user whose feed this token opens; 404 for a revoked or unknown one."""
    user = db.session.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == feed_token_hash(token), User.is_active.is_(True))
    )
    if user is None:
        raise NotFound(_("No such calendar feed."))
    return user


def calendar(user: User) -> bytes:
    """An iCalendar document: one event per weekly log deadline of the user's active offerings,
    past and upcoming, in the institution's zone, with an alarm when reminders would come."""
    rule = DeadlineRule.from_config()
    alarm_before = rule.due_soon
    host = current_app.config["PUBLIC_BASE_URL"].split("://")[-1].split("/")[0] or "localhost"
    document = Calendar()
    document.add("prodid", "-//Course Management Platform//Weekly log deadlines//EN")
    document.add("version", "2.0")
    document.add("x-wr-timezone", rule.zone.key)
    with force_locale(user.preferred_language):
        document.add("x-wr-calname", _("Weekly log deadlines"))
        for offering in facilitated_by(user.id):
            for week in range(1, offering.weeks + 1):
                document.add_component(deadline_event(offering, week, rule, alarm_before, host))
    document.add_missing_timezones()
    return document.to_ical()


def deadline_event(offering, week: int, rule, alarm_before: timedelta, host: str) -> Event:
    due = rule.due_at(offering.start_date, week).astimezone(rule.zone)
    event = Event()
    event.add("uid", f"offering-{offering.id}-week-{week}@{host}")
    event.add("dtstamp", now())
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(minutes=30))
    event.add(
        "summary",
        _("Week {week} log due: {code} {name}").format(
            week=week, code=offering.module.code, name=offering.module.name
        ),
    )
    event.add(
        "description",
        _("{code} {name} (cohort {cohort}, class {class_name})").format(
            code=offering.module.code,
            name=offering.module.name,
            cohort=offering.cohort.name,
            class_name=offering.course_class.name,
        ),
    )
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Weekly log due soon"))
    alarm.add("trigger", -alarm_before)
    event.add_component(alarm)
    return event
