"""Due soon: to an offering's facilitator, shortly before a week's log is due, while no log has
been filed for that week."""

from datetime import datetime

from app.activity.deadlines import DeadlineRule
from app.core.i18n import _
from app.notifications.registry import register
from app.notifications.weekly import WeeklyLogKind


@register
class DueSoon(WeeklyLogKind):
    name = "due_soon"
    incomplete_too = False

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        return now, now + DeadlineRule.from_config().due_soon

    def subject(self, values: dict) -> str:
        return _("Week {week} log for {module} is due {deadline}").format(
            week=values["week"], module=values["module_code"], deadline=values["deadline"]
        )
