"""Kinds of notification are a registry, the way redash registers its alert destinations.

A kind is one module under app/notifications/kinds/, named after the kind, whose
NotificationKind subclass is decorated with @register. It says who receives the kind, how by
default, which rows are due at an instant (its finder), whether a message is still true when it
is about to be sent (its re-check, which also gathers what the message shows) and its subject;
its e-mail bodies are templates/email/<kind>.txt and .html. The sweep, delivery, the inbox,
preferences, the signal handlers, the admin's filters and the API schemas iterate the registry:
none of them names a kind.
"""

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import current_app

from app.activity.deadlines import DeadlineRule
from app.activity.queries import completeness
from app.auth.models import Role
from app.notifications import kinds
from app.notifications.content import facilitator_page, format_deadline, offering_facts
from app.notifications.models import EmailPreference, Notification


@dataclass(frozen=True)
class Moment:
    """What finders and re-checks read besides the database: the instant and the deadline
    rule; at send time also `logs`, {(offering, week): complete?} for the batch's weeks, read
    once for the whole batch."""

    now: datetime
    rule: DeadlineRule
    logs: dict = field(default_factory=dict)

    @classmethod
    def at(cls, now: datetime) -> "Moment":
        return cls(now, DeadlineRule.from_config())

    @classmethod
    def for_batch(cls, notifications: list[Notification], now: datetime) -> "Moment":
        offering_ids = {n.offering_id for n in notifications if n.offering_id is not None}
        return cls(now, DeadlineRule.from_config(), completeness(offering_ids))

    def local_day(self, instant: datetime | None = None) -> date:
        """The institution's calendar day at `instant` (default: now)."""
        return (instant or self.now).astimezone(self.rule.zone).date()


def hours_setting(name: str) -> timedelta:
    return timedelta(hours=current_app.config[name])


def lookback() -> timedelta:
    """How far back a sweep looks for what an earlier sweep may have missed (cron down)."""
    return hours_setting("REMINDER_LOOKBACK_HOURS")


class NotificationKind(ABC):
    """One kind of notification. Subclasses set the attributes and implement find, facts and
    subject; the other hooks say which events make a pending message untrue at once, so the
    signal handlers cancel it before the send-time re-check would."""

    name: str  # the module's name: stored in rows, shown by the API, names the templates
    audience: Role  # whose preferences offer it
    default_email: EmailPreference
    # False when its recipients get no daily digest to hold it: e-mail now, or not at all.
    can_wait_for_digest: bool = True
    # Found after every other kind, from the rows they found (the digest gathers reminders).
    gathers: bool = False
    # Goes to the offering's facilitator: it leaves with the offering when that is reassigned.
    follows_facilitator: bool = False
    settled_by_staffing: bool = False  # the offering getting a facilitator makes it untrue
    settled_by_reflection: bool = False  # the recipient reflecting on the offering does

    def settled_by_log(self, log) -> bool:
        """Whether this week's log, filed or edited as it is now, makes the message untrue."""
        return False

    @abstractmethod
    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        """The rows due at `moment` (see store.notification_row). `found` holds what the kinds
        that do not gather found before."""

    @abstractmethod
    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """What the message shows, read again now; None when it is no longer true. A "covers"
        entry lists other notifications the message delivers too."""

    @abstractmethod
    def subject(self, values: dict) -> str:
        """The subject line, also the inbox title; called inside the recipient's locale."""

    def link(self, notification: Notification) -> str | None:
        """Where its reader acts on it: by default its offering's week on the facilitator's
        page (the e-mail's link, and the inbox entry's)."""
        if notification.offering_id is None:
            return None
        return facilitator_page(notification.offering_id, week=notification.week_number)

    def title(self, notification: Notification, rule: DeadlineRule, language: str) -> str:
        """The inbox title, from the row alone: the inbox keeps history as it was."""
        offering = notification.offering
        return self.subject(
            offering_facts(offering)
            | {
                "week": notification.week_number,
                "deadline": format_deadline(notification.deadline, language, rule),
                "starts": format_date(offering.start_date, "full", locale=language),
            }
        )


REGISTRY: dict[str, NotificationKind] = {}
KIND_COLUMN_LENGTH = Notification.__table__.c.kind.type.length


def register(kind_class: type[NotificationKind]) -> type[NotificationKind]:
    """Class decorator: the kind's module registers it under its own name."""
    module = kind_class.__module__.rpartition(".")[2]
    if kind_class.name != module or len(module) > KIND_COLUMN_LENGTH:
        raise TypeError(f"{kind_class.__name__}: a kind is named after its module, in at most "
                        f"{KIND_COLUMN_LENGTH} characters")  # fmt: skip
    REGISTRY[kind_class.name] = kind_class()
    return kind_class


def load() -> None:
    if len(REGISTRY) < len(kinds.NAMES):
        for name in kinds.NAMES:
            importlib.import_module(f"{kinds.__name__}.{name}")


def all_kinds() -> list[NotificationKind]:
    """Every kind, in name order."""
    load()
    return [REGISTRY[name] for name in kinds.NAMES]


def kind_named(name: str) -> NotificationKind:
    load()
    return REGISTRY[name]


def names_where(test) -> list[str]:
    """The names of the kinds for which `test(kind)` holds."""
    return [kind.name for kind in all_kinds() if test(kind)]
