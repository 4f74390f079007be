"""When a weekly log is due: the one rule the API, the compliance report and the reminder
workers all use.

The log for teaching week *n* is due at the end of that week — the offering's start date plus
7·n days — at a configured local time in the institution's time zone, plus a grace period.
Deadlines are computed in local time first, so a daylight-saving change moves the UTC instant
and not the wall-clock time people were told.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.core import clock


@dataclass(frozen=True)
class DeadlineRule:
    zone: ZoneInfo
    local_time: time
    grace: timedelta
    lock_after: timedelta
    # A log is due soon this long before its deadline: the due-soon reminder and calendar
    # alarms come then, and the facilitator's page says so from then.
    due_soon: timedelta

    @classmethod
    def from_config(cls) -> "DeadlineRule":
        config = current_app.config
        return cls(
            zone=ZoneInfo(config["INSTITUTION_TIMEZONE"]),
            local_time=time.fromisoformat(config["LOG_DEADLINE_TIME"]),
            grace=timedelta(hours=config["LOG_GRACE_HOURS"]),
            lock_after=timedelta(days=config["LOG_LOCK_DAYS"]),
            due_soon=timedelta(hours=config["REMINDER_DUE_SOON_HOURS"]),
        )

    def due_at(self, start_date: date, week_number: int) -> datetime:
        """The UTC instant the log for `week_number` is due."""
        day = start_date + timedelta(days=7 * week_number)
        local = datetime.combine(day, self.local_time, tzinfo=self.zone)
        return local.astimezone(UTC) + self.grace

    def week_bounds(self, start_date: date, week_number: int) -> tuple[datetime, datetime]:
        """The UTC instants teaching week `week_number` begins and ends: local midnights, seven
        days apart, from the offering's start date."""
        begins = start_date + timedelta(days=7 * (week_number - 1))
        return tuple(
            datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)
            for day in (begins, begins + timedelta(days=7))
        )

    def locks_at(self, due_at: datetime) -> datetime:
        """When a log due at `due_at` closes to its facilitator (never to managers)."""
        return due_at + self.lock_after

    def is_locked(self, due_at: datetime, now: datetime) -> bool:
        """Whether a log due at `due_at` is read-only to its facilitator at `now`."""
        return now > self.locks_at(due_at)

    def last_deadline_day(self, now: datetime) -> date:
        """The local day of the latest deadline instant up to `now`. Every log falls due at the
        same local time of some day, so what is due changes only when this day does."""
        local = (now - self.grace).astimezone(self.zone)
        return local.date() if local.time() >= self.local_time else local.date() - timedelta(1)

    def weeks_due(self, start_date: date, weeks: int, now: datetime) -> int:
        """How many of an offering's weeks are due already (0 … weeks)."""
        due = 0
        while due < weeks and self.due_at(start_date, due + 1) <= now:
            due += 1
        return due


def deadline_day() -> date:
    """What is due changes with time, not only with writes: once a day, at the deadline hour
    (the key reports that count what is due are cached under)."""
    return DeadlineRule.from_config().last_deadline_day(clock.now())
