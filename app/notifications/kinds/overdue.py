"""Overdue: to an offering's facilitator, once a week's log is past due by the overdue window
and still missing or incomplete. Managers read the same weeks in their digest."""

from datetime import datetime, timedelta

from sqlalchemy import Row, select

from app.activity.queries import unfiled_weeks
from app.core.i18n import _
from app.extensions import db
from app.notifications.registry import Moment, hours_setting, lookback, register
from app.notifications.weekly import WeeklyLogKind


def overdue_after() -> timedelta:
    return hours_setting("REMINDER_OVERDUE_HOURS")


@register
class Overdue(WeeklyLogKind):
    name = "overdue"
    incomplete_too = True

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        latest = now - overdue_after()
        return latest - lookback(), latest

    def subject(self, values: dict) -> str:
        return _("Overdue: the week {week} log for {module}").format(
            week=values["week"], module=values["module_code"]
        )


def weeks_overdue(moment: Moment) -> list[Row]:
    """Every week past due by the overdue window, and not yet locked, whose log is missing or
    incomplete: (offering_id, start_date, facilitator_id, week_number, log_id)."""
    rule, latest = moment.rule, moment.now - overdue_after()
    return [
        week
        for weeks in unfiled_weeks(rule, moment.now - rule.lock_after, latest, incomplete_too=True)
        for week in db.session.execute(select(weeks))
    ]
