"""Due soon: to an offering's facilitator, shortly before a week's log is due, while no log has
been filed for that week."""

from datetime import datetime, timedelta

from app.core.i18n import _
from app.notifications.registry import hours_setting, register
from app.notifications.weekly import WeeklyLogKind


def lead_time() -> timedelta:
    """How long before a deadline the reminder comes (calendar alarms come then too)."""
    return hours_setting("REMINDER_DUE_SOON_HOURS")


@register
class DueSoon(WeeklyLogKind):
    name = "due_soon"
    incomplete_too = False

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        return now, now + lead_time()

    def subject(self, values: dict) -> str:
        return _("Week {week} log for {module} is due {deadline}").format(
            week=values["week"], module=values["module_code"], deadline=values["deadline"]
        )
