"""Reflection due: to a student, once an offering they are enrolled in has ended and they have
not reflected on it. Students get no daily digest: it comes by e-mail at once, or not at all."""

from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date
from sqlalchemy import select

from app.activity.deadlines import DeadlineRule
from app.auth.models import Role
from app.core.i18n import _
from app.extensions import db
from app.notifications.content import base_url, offering_facts
from app.notifications.models import EmailPreference, Notification
from app.notifications.registry import Moment, NotificationKind, lookback, register
from app.notifications.store import addressed, addressed_row
from app.reflections.queries import owes_reflection, unreflected_enrolments


@register
class ReflectionDue(NotificationKind):
    name = "reflection_due"
    audience = Role.STUDENT
    default_email = EmailPreference.IMMEDIATE
    can_wait_for_digest = False
    settled_by_reflection = True

    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        """One reminder per active student enrolled in an active offering that ended within
        the look-back window, who has not reflected on it yet."""
        rule = moment.rule
        owed = unreflected_enrolments(ended_between(rule, moment.now - lookback(), moment.now))
        columns = select(owed.c.offering_id, owed.c.end_date).select_from(owed)
        statement = addressed(columns, self, owed.c.student_id, role=Role.STUDENT)
        return [
            addressed_row(
                self,
                enrolment,
                offering_id=enrolment.offering_id,
                week_number=0,
                deadline=ends_at(rule, enrolment.end_date),
            )
            for enrolment in db.session.execute(statement)
        ]

    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """Still an active offering that ended then, the student still enrolled and still
        without a reflection on it."""
        offering = notification.offering
        if offering is None or not offering.is_active:
            return None
        if ends_at(moment.rule, offering.end_date) != notification.deadline:
            return None
        if not owes_reflection(notification.recipient_id, offering.id):
            return None
        return offering_facts(offering) | {
            "ended": format_date(offering.end_date, "full", locale=notification.language),
        }

    def link(self, notification: Notification) -> str:
        return f"{base_url()}/reflection/"

    def subject(self, values: dict) -> str:
        return _("{module} has ended: how did it go?").format(module=values["module_code"])


def ends_at(rule: DeadlineRule, last_day: date) -> datetime:
    """An offering has ended at local midnight after its last day."""
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=rule.zone).astimezone(UTC)


def ended_between(rule: DeadlineRule, start: datetime, end: datetime) -> list[date]:
    """The last days of offerings that ended in (start, end]."""
    day = start.astimezone(rule.zone).date() - timedelta(days=1)
    found = []
    while day <= end.astimezone(rule.zone).date():
        if start < ends_at(rule, day) <= end:
            found.append(day)
        day += timedelta(days=1)
    return found
