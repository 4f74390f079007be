"""What the reminders about one week's log share, before its deadline or after it: they go to
the offering's facilitator, are found among the weeks the activity room says are unfiled, and
stop being true once the log is filed (or, for some, complete), the offering goes to someone
else, or the week's deadline moves."""

from abc import abstractmethod
from datetime import datetime

from sqlalchemy import select

from app.activity.queries import unfiled_weeks
from app.auth.models import Role
from app.courses.models import OfferingStatus
from app.extensions import db
from app.notifications.content import format_deadline, offering_facts
from app.notifications.models import EmailPreference, Notification
from app.notifications.registry import Moment, NotificationKind
from app.notifications.store import addressed, addressed_row


class WeeklyLogKind(NotificationKind):
    audience = Role.FACILITATOR
    default_email = EmailPreference.IMMEDIATE
    follows_facilitator = True
    # Whether a filed but incomplete log leaves the reminder true.
    incomplete_too: bool

    @abstractmethod
    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The deadlines this kind reminds of at `now`: those in (start, end]."""

    def settled(self, complete: bool | None) -> bool:
        """Whether the week's log settles the reminder; `complete` is None when not filed."""
        return complete is not None and (complete or not self.incomplete_too)

    def settled_by_log(self, log) -> bool:
        return self.settled(log.is_complete)

    def find(self, moment: Moment, found: list[dict]) -> list[dict]:
        rows = []
        for weeks in unfiled_weeks(moment.rule, *self.window(moment.now), self.incomplete_too):
            columns = select(weeks.c.offering_id, weeks.c.start_date, weeks.c.week_number)
            statement = addressed(columns.select_from(weeks), self, weeks.c.facilitator_id)
            rows += [
                addressed_row(
                    self,
                    week,
                    offering_id=week.offering_id,
                    week_number=week.week_number,
                    deadline=moment.rule.due_at(week.start_date, week.week_number),
                )
                for week in db.session.execute(statement)
            ]
        return rows

    def facts(self, notification: Notification, moment: Moment) -> dict | None:
        """Still this facilitator's active offering, the same deadline, and the log still not
        settling it."""
        offering, week = notification.offering, notification.week_number
        if (
            offering is None
            or offering.status != OfferingStatus.ACTIVE
            or offering.facilitator_id != notification.recipient_id
            or week > offering.weeks
            or moment.rule.due_at(offering.start_date, week) != notification.deadline
        ):
            return None
        complete = moment.logs.get((offering.id, week))
        if self.settled(complete):
            return None
        return offering_facts(offering) | {
            "week": week,
            "deadline": format_deadline(notification.deadline, notification.language, moment.rule),
            "log_filed": complete is not None,
        }
