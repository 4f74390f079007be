"""Every periodic job, with its schedule and timeouts: the one list `flask cron` (or
`rq cron workers/cron.py`) runs. Run exactly one cron process; job ids of what it enqueues are
recorded by RQ per name, so a redeploy neither doubles nor loses a schedule.

Cron expressions are read in the cron process's local time; `flask cron` sets that to
INSTITUTION_TIMEZONE, so the digest goes out at REMINDER_DIGEST_HOUR institution time.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from rq import cron

from app.config import config_for_environment
from workers import jobs

CONFIG = config_for_environment()


@dataclass(frozen=True)
class Periodic:
    name: str
    func: Callable
    timeout: int  # seconds a run may take before RQ stops it
    interval: int | None = None  # seconds, or
    cron: str | None = None  # a cron expression
    queue: str = "default"
    kwargs: dict = field(default_factory=dict)

    @property
    def ttl(self) -> int:
        """A run still waiting for a worker when the next is due is dropped, not stacked."""
        return self.interval or 3600


PERIODIC = (
    Periodic(
        name="reminders-sweep",
        func=jobs.sweep,
        interval=CONFIG.REMINDER_SWEEP_MINUTES * 60,
        timeout=300,
    ),
    # The sweep also sends the digest, at the first run after the digest hour; this run makes it
    # go out then. A minute past the hour, so it does not race the interval sweep that fires on
    # the hour (two sweeps inserting the same rows at once can deadlock).
    Periodic(
        name="reminders-digest",
        func=jobs.sweep,
        cron=f"1 {CONFIG.REMINDER_DIGEST_HOUR} * * *",
        timeout=600,
    ),
)

for periodic in PERIODIC:
    cron.register(
        periodic.func,
        queue_name=periodic.queue,
        kwargs=periodic.kwargs,
        interval=periodic.interval,
        cron=periodic.cron,
        job_timeout=periodic.timeout,
        ttl=periodic.ttl,
        result_ttl=86400,
        failure_ttl=7 * 86400,
        name=periodic.name,
    )
