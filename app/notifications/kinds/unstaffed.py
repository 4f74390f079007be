"""Unstaffed: to managers, an active offering about to start that nobody runs. Managers who
want it in their daily digest read it there instead of in an alert of its own."""

from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from flask import current_app
from sqlalchemy import Subquery, select

from app.activity.deadlines import DeadlineRule
from app.auth.models import Role
from app.core.i18n import _
from app.courses.queries import is_unstaffed, unstaffed_starting
from app.extensions import db
from app.notifications.content import base_url, offering_facts
from app.notifications.models import EmailPreference, Notification
from app.notifications.registry import Moment, NotificationKind, register
from app.notifications.store import addressed, addressed_row, email_preference


@register
class Unstaffed(NotificationKind):
    name = "unstaffed"
    audience = Role.MANAGER
    default_email = EmailPreference.DAILY_DIGEST
    settled_by_staffing = True

    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        """One alert per manager who wants them immediately, per offering starting soon
        unstaffed (the others read about it in their digest)."""
        offerings = starting_soon(moment)
        columns = select(offerings.c.id, offerings.c.start_date).select_from(offerings)
        return [
            addressed_row(
                self,
                offering,
                offering_id=offering.id,
                week_number=0,
                deadline=starts_at(moment.rule, offering.start_date),
            )
            for offering in db.session.execute(addressed(columns, self, role=Role.MANAGER))
            if (offering.email or self.default_email) == EmailPreference.IMMEDIATE
        ]

    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """Still active, unstaffed, starting when it did and not started yet."""
        offering = notification.offering
        if offering is None or not offering.is_active or not is_unstaffed(offering.id):
            return None
        # Moved dates: the alert for the old start goes; the next sweep raises one for the new.
        if starts_at(moment.rule, offering.start_date) != notification.deadline:
            return None
        if offering.start_date < moment.local_day():
            return None
        return offering_facts(offering) | {
            "starts": format_date(offering.start_date, "full", locale=notification.language)
        }

    def link(self, notification: Notification) -> str:
        """The managers' dashboard, where offerings are allocated."""
        return f"{base_url()}/admin/dashboard/"

    def subject(self, values: dict) -> str:
        return _("No facilitator yet: {module} starts {date}").format(
            module=values["module_code"], date=values["starts"]
        )


def starts_at(rule: DeadlineRule, day: date) -> datetime:
    return datetime.combine(day, rule.local_time, tzinfo=rule.zone).astimezone(UTC)


def starting_soon(moment: Moment) -> Subquery:
    """The unstaffed offerings starting from today to the end of the alert window."""
    window = timedelta(days=current_app.config["REMINDER_UNSTAFFED_DAYS"])
    return unstaffed_starting(moment.local_day(), moment.local_day(moment.now + window))


def offering_ids(moment: Moment) -> list[int]:
    """The unstaffed offerings starting soon, soonest first."""
    soon = starting_soon(moment)
    return db.session.scalars(select(soon.c.id).order_by(soon.c.start_date, soon.c.id)).all()


def wanted_in_digest(user_id: int) -> bool:
    return email_preference(user_id, Unstaffed) == EmailPreference.DAILY_DIGEST
