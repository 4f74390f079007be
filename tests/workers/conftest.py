"""The worker tests share the reminder fixtures (SMTP sink, sweeps, burst worker)."""

from tests.activity.conftest import facilitator, offering_of  # noqa: F401
from tests.notifications.conftest import notifications, smtp, sweep, travel, work  # noqa: F401
